// Candle history in windows of at most one page: the venues cap how many candles one request returns.
using Pipeline.Schemas;

namespace Pipeline.Producers.Venues;

internal static class CandleWindows
{
    /// <summary>[StartUs, EndUs) windows of at most <paramref name="candlesPerWindow"/> candles covering [fromUs, toUs),
    /// oldest first; the first starts at the open time of the candle holding fromUs.</summary>
    public static IEnumerable<(long StartUs, long EndUs)> Of(CandleInterval interval, long fromUs, long toUs, int candlesPerWindow)
    {
        var widthUs = candlesPerWindow * interval.DurationUs;
        for (var start = interval.OpenTimeOf(fromUs); start < toUs; start += widthUs)
            yield return (start, Math.Min(toUs, start + widthUs));
    }
}
