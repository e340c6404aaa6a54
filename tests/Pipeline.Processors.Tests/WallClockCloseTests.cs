// Issue 10 §3: an instrument that stops trading left its last candle open until its next trade (the watermark only
// moves with event time). A real-time instrument's candle now closes at its end plus the allowed lateness of the wall
// clock; history (imports, backfills, replayed captures) and replays still close by watermark and end of input only.
using Pipeline.Plumbing;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class WallClockCloseTests
{
    /// <summary>The test's clock: only the test moves it.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;

        public long NowUs => _now.ToUnixTimeMilliseconds() * 1000;
    }

    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 10, TimeSpan.Zero);
    private static readonly long MinuteEndUs = Us("2026-11-30T12:01:00Z");

    /// <summary>A trade as a live feed delivers it: happened 80 ms ago, received 20 ms ago.</summary>
    private static Trade LiveTrade(ManualClock clock, long id, string price, string size, Origin origin = Origin.Live)
    {
        var t = Trade(id, price, size, clock.NowUs - 80_000, origin);
        t.ReceiveTimeUs = clock.NowUs - 20_000;
        return t;
    }

    private static List<Candle> Finals(ProcessorTestDriver d, string interval) =>
        d.FinalCandles().Where(c => c.Interval == interval).ToList();

    [Fact]
    public void A_live_candle_is_final_at_its_end_plus_the_lateness_of_the_wall_clock_when_no_later_trade_comes()
    {
        var clock = new ManualClock(Noon);
        var d = new ProcessorTestDriver(Options(latenessMs: 2_000), Instruments, clock);
        d.PipeTrade(LiveTrade(clock, 1, "100", "1"));
        clock.Advance(TimeSpan.FromSeconds(20));
        d.PipeTrade(LiveTrade(clock, 2, "103", "2"));
        d.Commit();
        // Silence. The feed's delay (60 ms: receive − event) shifts the clock to event time: the minute ends at 12:01:00
        // of event time, so the candle is due at 12:01:02 + 60 ms of our clock.
        clock.Advance(Noon.AddMinutes(1).AddSeconds(-10).AddSeconds(2) - clock.GetUtcNow());
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        clock.Advance(TimeSpan.FromMilliseconds(60));
        d.Commit();
        var c = Assert.Single(Finals(d, "1m"));
        Assert.Equal(Us("2026-11-30T12:00:00Z"), c.OpenTimeUs);
        Assert.Equal(
            (100m, 103m, 100m, 103m, 3m, 2L, 0),
            (c.Open.ToDecimal(), c.High.ToDecimal(), c.Low.ToDecimal(), c.Close.ToDecimal(), c.Volume.ToDecimal(), c.TradeCount, c.Revision)
        );
        Assert.Contains(d.Read<IndicatorValue>(TopicCatalog.Indicators.Name), v => v.Interval == "1m" && v.OpenTimeUs == c.OpenTimeUs);
        Assert.Empty(Finals(d, "5m"));

        // Nothing more happens while silent (no duplicate final), and a straggler after the close is a revision,
        // exactly as if a later trade had closed the candle.
        clock.Advance(TimeSpan.FromMinutes(2));
        d.Commit();
        Assert.Single(Finals(d, "1m"));
        var straggler = Trade(3, "99", "1", MinuteEndUs - 500_000, Origin.Live);
        straggler.ReceiveTimeUs = clock.NowUs - 20_000;
        d.PipeTrade(straggler);
        d.Commit();
        Assert.Equal([0, 1], Finals(d, "1m").Select(x => x.Revision));
        Assert.Equal(99m, Finals(d, "1m")[1].Low.ToDecimal());
    }

    [Theory]
    [InlineData("backfill")]
    [InlineData("import")]
    [InlineData("delayed feed")]
    [InlineData("backlog")]
    [InlineData("replay")]
    public void History_is_never_closed_by_the_wall_clock(string kind)
    {
        var clock = new ManualClock(Noon);
        var topology =
            kind == "replay"
                ? ProcessorTopology.Replay(
                    new VersionTopics(DataVersion.Parse("wallclock")),
                    TopicCatalog.RawTrades.Name,
                    validate: true,
                    long.MinValue,
                    long.MaxValue,
                    null
                )
                : null;
        var d = new ProcessorTestDriver(Options(latenessMs: 2_000), Instruments, clock, topology);
        for (var i = 0; i < 3; i++)
        {
            var t = LiveTrade(
                clock,
                i,
                "100",
                "1",
                kind switch
                {
                    "backfill" => Origin.Backfill,
                    "import" => Origin.Import,
                    _ => Origin.Live,
                }
            );
            // A feed (or a capture replayed through a live connector) whose trades happened a minute before we got them.
            if (kind == "delayed feed")
                t.EventTimeUs -= 60_000_000;
            // Live trades read an hour after they were received (a processor catching up on its backlog).
            if (kind == "backlog")
            {
                t.EventTimeUs -= 3_600_000_000;
                t.ReceiveTimeUs -= 3_600_000_000;
            }
            d.PipeTrade(t);
            clock.Advance(TimeSpan.FromSeconds(5));
        }
        d.Commit();
        clock.Advance(TimeSpan.FromDays(3));
        d.Commit();
        Assert.Empty(d.FinalCandles());
        Assert.Empty(d.Committed(topology?.FinalCandlesOut ?? TopicCatalog.FinalCandles.Name));
        // They still close by end of input.
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Backfill,
                ThroughTimeUs = clock.NowUs,
            }
        );
        d.Commit();
        Assert.NotEmpty(d.Committed(topology?.FinalCandlesOut ?? TopicCatalog.FinalCandles.Name));
    }
}
