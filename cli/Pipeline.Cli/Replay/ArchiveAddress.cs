// The archive address the replay and republish commands take: s3://bucket/prefix.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Cli.Replay;

public static class ArchiveAddress
{
    /// <summary>s3://bucket/prefix → (bucket, prefix without slashes at its ends).</summary>
    public static (string Bucket, string Prefix) Parse(string uri)
    {
        if (!uri.StartsWith("s3://", StringComparison.Ordinal) || uri.Length <= 5 || uri[5] == '/')
            throw new PipelineConfigurationException([$"--from-archive '{uri}' is not an S3 address; write s3://bucket/prefix"]);
        var rest = uri[5..];
        var slash = rest.IndexOf('/');
        return slash < 0 ? (rest, "") : (rest[..slash], rest[(slash + 1)..].Trim('/'));
    }
}
