namespace Pipeline.Broker;

/// <summary>Classic group state (Kafka's group state machine) and its committed offsets.</summary>
internal sealed class ConsumerGroup(string id)
{
    public enum GroupState
    {
        Empty,
        PreparingRebalance,
        CompletingRebalance,
        Stable,
        Dead,
    }

    public string Id { get; } = id;
    public GroupState State { get; set; } = GroupState.Empty;
    public int Generation { get; set; }
    public string? ProtocolType { get; set; }
    public string? Protocol { get; set; }
    public string? Leader { get; set; }
    public List<GroupMember> Members { get; } = new();
    public DateTime RebalanceDeadline { get; set; }
    public DateTime JoinNotBefore { get; set; }
    public Dictionary<(string Topic, int Partition), CommittedOffset> Offsets { get; } = new();

    public GroupMember? Member(string id)
    {
        foreach (var m in Members)
            if (m.Id == id)
                return m;
        return null;
    }

    public string StateName =>
        State switch
        {
            GroupState.Empty => "Empty",
            GroupState.PreparingRebalance => "PreparingRebalance",
            GroupState.CompletingRebalance => "CompletingRebalance",
            GroupState.Stable => "Stable",
            _ => "Dead",
        };
}
