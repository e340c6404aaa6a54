namespace Pipeline.Producers.Venues;

/// <summary>A venue's REST API answered with an error; <see cref="Transient"/> for 429/418/5xx (worth retrying later).</summary>
public sealed class VenueRequestException(string message, int statusCode, TimeSpan? retryAfter = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public bool Transient => StatusCode is 418 or 429 or >= 500;
}
