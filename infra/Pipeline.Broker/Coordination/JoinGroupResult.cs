namespace Pipeline.Broker;

/// <summary>A JoinGroup reply; only the leader gets the member list.</summary>
internal sealed record JoinGroupResult(
    ErrorCode Error,
    int Generation,
    string? Protocol,
    string Leader,
    string MemberId,
    IReadOnlyList<(string MemberId, string? InstanceId, byte[] Metadata)> Members
)
{
    public static JoinGroupResult Failed(ErrorCode error, string memberId = "") => new(error, -1, null, "", memberId, []);
}
