namespace Pipeline.Broker;

/// <summary>One member of a classic consumer group, with the join/sync replies it is waiting for.</summary>
internal sealed class GroupMember
{
    public required string Id { get; init; }
    public string ClientId { get; set; } = "";
    public string ClientHost { get; set; } = "";
    public string? GroupInstanceId { get; set; }
    public int SessionTimeoutMs { get; set; }
    public int RebalanceTimeoutMs { get; set; }
    public List<(string Name, byte[] Metadata)> Protocols { get; set; } = new();
    public byte[] Assignment { get; set; } = [];
    public DateTime LastHeartbeat { get; set; } = DateTime.UtcNow;
    public TaskCompletionSource<JoinGroupResult>? PendingJoin { get; set; }
    public TaskCompletionSource<(ErrorCode, byte[])>? PendingSync { get; set; }

    public byte[]? MetadataFor(string protocol)
    {
        foreach (var p in Protocols)
            if (p.Name == protocol)
                return p.Metadata;
        return null;
    }
}
