using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class ProcessorRestartTests
{
    private static List<Trade> Stream(int n)
    {
        var rng = new Random(11);
        var t0 = Us("2024-03-01T00:00:00Z");
        return Enumerable
            .Range(0, n)
            .Select(i =>
                Trade(
                    i,
                    (100 + rng.Next(0, 1000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "0.01",
                    t0 + i * 700_000L,
                    origin: Origin.Live
                )
            )
            .ToList();
    }

    private static string Describe(Candle c) =>
        $"{c.Interval}@{c.OpenTimeUs} r{c.Revision} {c.Open}/{c.High}/{c.Low}/{c.Close} v{c.Volume} n{c.TradeCount}";

    [Fact]
    public void Crash_between_commits_and_restart_from_the_changelog_yields_each_final_candle_once_and_unchanged()
    {
        var trades = Stream(3_000);
        var clean = new ProcessorTestDriver(Options(latenessMs: 1_000), Instruments);
        foreach (var t in trades)
            clean.PipeTrade(t);
        clean.Commit();

        var crashing = new ProcessorTestDriver(Options(latenessMs: 1_000), Instruments);
        for (var i = 0; i < trades.Count; i++)
        {
            crashing.PipeTrade(trades[i]);
            if (i % 97 == 0)
                crashing.Commit();
            // Crash with uncommitted work in flight, several times.
            if (i % 401 == 400)
                crashing.CrashAndRestart();
        }
        crashing.Commit();

        var expected = clean.FinalCandles().Select(Describe).ToList();
        var actual = crashing.FinalCandles().Select(Describe).ToList();
        Assert.True(expected.Count > 50);
        Assert.Equal(expected, actual);
        Assert.Equal(
            clean.Committed(Plumbing.Topics.TopicCatalog.ValidTrades.Name).Count,
            crashing.Committed(Plumbing.Topics.TopicCatalog.ValidTrades.Name).Count
        );
    }

    [Fact]
    public void Restored_processor_still_suppresses_duplicates_seen_before_the_restart()
    {
        var d = new ProcessorTestDriver(Options(), Instruments);
        var t = Trade(5, "10", "1", Us("2024-03-01T10:00:00Z"), origin: Origin.Live);
        d.PipeTrade(t);
        d.Commit();
        d.CrashAndRestart();
        d.PipeTrade(t);
        d.Commit();
        Assert.Equal("duplicate_trade_id", Assert.Single(d.DeadLetters()).ReasonCode);
    }
}
