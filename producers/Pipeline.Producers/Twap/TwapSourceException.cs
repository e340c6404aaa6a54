using Pipeline.Plumbing.Errors;

namespace Pipeline.Producers.Twap;

/// <summary>The source (S3) could not be read after the retries, or refused the request: what failed and why.</summary>
/// <remarks>An expected failure the user fixes (credentials, bucket, endpoint) or waits out: the ingest job records it per
/// object, and when listing the bucket fails the CLI prints it as one line.</remarks>
public sealed class TwapSourceException(string message, bool transient, Exception? inner = null) : PipelineException(message, inner)
{
    /// <summary>True when retrying later may succeed (network, 5xx, throttling); false for refusals (403, 404, bad bucket).</summary>
    public bool Transient { get; } = transient;
}
