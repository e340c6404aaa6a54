// A fixed workload that touches every kind of changelog record: validator state, open/closed/revised candles,
// evicted candles (deletes) with their spans, watermarks, indicator series, an end of input, two instruments on two
// partitions. ChangelogCompatibilityTests replays it against changelog bytes the code before issue 10 §3 wrote.
using System.Globalization;
using Pipeline.Plumbing.Configuration;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

internal static class ChangelogScenario
{
    public const long StartUs = 1_700_000_000_000_000;

    public static ProcessingOptions Options()
    {
        var o = TradeFactory.Options(latenessMs: 2_000, throttleMs: 1_000, horizonMs: 600_000);
        o.Indicators = ["sma(3)", "rsi(3)", "obv", "macd(3,5,2)"];
        return o;
    }

    /// <summary>Part 1 or 2 of the workload: trades every 7 s for 100 minutes per part, each 10th out of order, a
    /// duplicate each 50th, a late trade into a closed candle each 97th; part 2 ends with an end of input for BTC.</summary>
    public static void Run(ProcessorTestDriver d, int part)
    {
        var first = part == 1 ? 0 : 857;
        var last = part == 1 ? 857 : 1714;
        for (var k = first; k < last; k++)
        {
            var t = StartUs - 3_600_000_000L + k * 7_000_000L;
            foreach (var (ins, p) in new[] { (Btc, 0), (Eth, 1) })
            {
                var price = (ins == Btc ? 30_000m : 2_000m) + (k % 37) * 0.25m - (k % 11) * 0.5m;
                var size = (0.001m * (1 + k % 13)).ToString(CultureInfo.InvariantCulture);
                var at = k % 10 == 3 ? t - 3_000_000 : t;
                d.PipeTrade(Trade(k * 2, price.ToString(CultureInfo.InvariantCulture), size, at, Origin.Live, instrument: ins), p);
                if (k % 50 == 7)
                    d.PipeTrade(Trade(k * 2, price.ToString(CultureInfo.InvariantCulture), size, at, Origin.Live, instrument: ins), p);
                if (k % 97 == 5)
                    d.PipeTrade(
                        Trade(
                            k * 2 + 1,
                            price.ToString(CultureInfo.InvariantCulture),
                            "0.5",
                            t - 150_000_000,
                            Origin.Live,
                            instrument: ins
                        ),
                        p
                    );
            }
            d.AdvanceTime(TimeSpan.FromMilliseconds(7_000));
            if (k % 40 == 39)
                d.Commit();
        }
        if (part == 2)
            d.PipeEndOfInput(
                new EndOfInput
                {
                    Instrument = Btc,
                    Origin = Origin.Live,
                    ThroughTimeUs = StartUs + 10 * 60_000_000L,
                }
            );
        d.Commit();
    }

    public static string Dump(ProcessorTestDriver d) =>
        string.Join(
            "\n",
            MarketDataProcessor.ChangelogTopics.SelectMany(topic =>
                d.Committed(topic)
                    .Select(r =>
                        string.Join(
                            '\t',
                            topic,
                            r.Partition ?? 0,
                            Convert.ToBase64String(r.Key!),
                            r.Value is null ? "-" : Convert.ToBase64String(r.Value)
                        )
                    )
            )
        ) + "\n";
}
