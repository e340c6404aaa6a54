// One candle row of an answer: its time, the few values paging and fill need, and its JSON object already written
// (the same bytes whether the row came from PostgreSQL, the recent-candle store or forward fill).
namespace Pipeline.Api;

public sealed class StoredCandle(long timeUs, decimal close, bool closed, int revision, byte[] json)
{
    public long TimeUs { get; } = timeUs;
    public decimal Close { get; } = close;
    public bool Closed { get; } = closed;
    public int Revision { get; } = revision;

    /// <summary>The candle's JSON object as <see cref="CandleJson"/> writes it.</summary>
    public byte[] Json { get; } = json;
}
