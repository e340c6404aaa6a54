using Pipeline.Plumbing.Errors;

namespace Pipeline.Producers.Venues;

/// <summary>A venue's REST API answered with an error; <see cref="Transient"/> for 429/418/5xx (worth retrying later).</summary>
/// <remarks>An expected failure: a refusal names a symbol or interval the user fixes in the instruments file, a transient
/// one passes once the venue is back. Long-running roles catch it; a command (`pipeline backfill`) prints it as one line.</remarks>
public sealed class VenueRequestException(string message, int statusCode, TimeSpan? retryAfter = null, string? body = null)
    : PipelineException(message)
{
    /// <summary>The error body the venue sent (for venues whose error details are JSON, e.g. Yahoo's chart.error).</summary>
    public string? Body { get; } = body;
    public int StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public bool Transient => StatusCode is 418 or 429 or >= 500;
}
