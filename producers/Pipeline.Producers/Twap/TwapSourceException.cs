namespace Pipeline.Producers.Twap;

/// <summary>The source (S3) could not be read after the retries, or refused the request: what failed and why.</summary>
public sealed class TwapSourceException(string message, bool transient, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>True when retrying later may succeed (network, 5xx, throttling); false for refusals (403, 404, bad bucket).</summary>
    public bool Transient { get; } = transient;
}
