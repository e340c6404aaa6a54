// Issue 10 §3: an instrument that stops trading left its last candle open until its next trade (the watermark only
// moves with event time). A real-time instrument's candle now closes at its end plus the allowed lateness of the wall
// clock; history (imports, backfills, replayed captures) and replays still close by watermark and end of input only.
using Pipeline.Plumbing;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.State;
using Pipeline.Processors.Testing;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class WallClockCloseTests
{
    internal static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 10, TimeSpan.Zero);
    private static readonly long MinuteEndUs = Us("2026-11-30T12:01:00Z");

    /// <summary>A trade as a live feed delivers it: happened 80 ms ago, received 20 ms ago.</summary>
    internal static Trade LiveTrade(ManualClock clock, long id, string price, string size, Origin origin = Origin.Live)
    {
        var t = Trade(id, price, size, clock.NowUs - 80_000, origin);
        t.ReceiveTimeUs = clock.NowUs - 20_000;
        return t;
    }

    private static List<Candle> Finals(ProcessorTestDriver d, string interval) =>
        d.FinalCandles().Where(c => c.Interval == interval).ToList();

    /// <summary>The 12:00 minute of the two trades (100 then 103) is final once, unrevised, with its indicators.</summary>
    private static void AssertTheMinuteClosedOnce(ProcessorTestDriver d)
    {
        var c = Assert.Single(Finals(d, "1m"));
        Assert.Equal(Us("2026-11-30T12:00:00Z"), c.OpenTimeUs);
        Assert.Equal(
            (100m, 103m, 100m, 103m, 3m, 2L, 0),
            (c.Open.ToDecimal(), c.High.ToDecimal(), c.Low.ToDecimal(), c.Close.ToDecimal(), c.Volume.ToDecimal(), c.TradeCount, c.Revision)
        );
        Assert.Contains(d.Read<IndicatorValue>(TopicCatalog.Indicators.Name), v => v.Interval == "1m" && v.OpenTimeUs == c.OpenTimeUs);
    }

    private static ProcessorTestDriver Driver(ManualClock clock) => new(Options(latenessMs: 2_000), Instruments, clock);

    /// <summary>Two live trades in the minute from noon, 20 s apart, committed; then nothing more.</summary>
    private static ProcessorTestDriver LiveMinuteThenSilence(ManualClock clock)
    {
        var d = Driver(clock);
        d.PipeTrade(LiveTrade(clock, 1, "100", "1"));
        clock.Advance(TimeSpan.FromSeconds(20));
        d.PipeTrade(LiveTrade(clock, 2, "103", "2"));
        d.Commit();
        return d;
    }

    [Fact]
    public void A_live_candle_is_final_at_its_end_plus_the_lateness_of_the_wall_clock_when_no_later_trade_comes()
    {
        var clock = new ManualClock(Noon);
        var d = LiveMinuteThenSilence(clock);
        // Silence. The feed's delay (60 ms: receive − event) shifts the clock to event time: the minute ends at 12:01:00
        // of event time, so the candle is due at 12:01:02 + 60 ms of our clock.
        clock.Advance(Noon.AddMinutes(1).AddSeconds(-10).AddSeconds(2) - clock.GetUtcNow());
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        clock.Advance(TimeSpan.FromMilliseconds(60));
        d.Commit();
        AssertTheMinuteClosedOnce(d);
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

    [Fact]
    public void A_restarted_processor_closes_a_silent_live_candle_by_the_wall_clock_once_its_input_is_caught_up()
    {
        // Regression (issue 10, session 5): the real-time flag lived in memory only, so after a restart a silent
        // instrument's last live candle stayed open until its next trade.
        var clock = new ManualClock(Noon);
        var d = LiveMinuteThenSilence(clock);
        d.CrashAndRestart();
        // Due at 12:01:02.060 of our clock (end + lateness + the feed's 60 ms delay), as in the test above; the
        // restarted processor has not yet read to the end of its input, where a trade of that minute may still wait.
        clock.Advance(Noon.AddMinutes(1).AddSeconds(-10).AddSeconds(2).AddMilliseconds(60) - clock.GetUtcNow());
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        d.CaughtUp(0);
        clock.Advance(TimeSpan.FromMilliseconds(-1));
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        d.Commit();
        AssertTheMinuteClosedOnce(d);
    }

    [Fact]
    public void A_restart_closes_nothing_by_the_clock_before_it_has_read_the_trades_written_while_it_was_down()
    {
        // The restarted processor meets a trade of the open minute that was written while it was down: closing by the
        // clock at once (before reading it) would have made it a revision.
        var clock = new ManualClock(Noon);
        var d = Driver(clock);
        d.PipeTrade(LiveTrade(clock, 1, "100", "1"));
        d.Commit();
        var waiting = LiveTrade(clock, 2, "90", "1");
        waiting.EventTimeUs += 30_000_000;
        waiting.ReceiveTimeUs += 30_000_000;
        d.CrashAndRestart();
        clock.Advance(TimeSpan.FromMinutes(5));
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        d.PipeTrade(waiting); // read five minutes after its receipt: a backlog, which never closes by the clock
        d.CaughtUp(0);
        d.Commit();
        Assert.Empty(Finals(d, "1m"));
        // The next live trade closes the minute, with the waiting trade in it and no revision.
        d.PipeTrade(LiveTrade(clock, 3, "95", "1"));
        d.Commit();
        var c = Assert.Single(Finals(d, "1m"));
        Assert.Equal((100m, 90m, 2L, 0), (c.Open.ToDecimal(), c.Close.ToDecimal(), c.TradeCount, c.Revision));
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(1, 0)]
    public void A_watermark_record_written_before_the_real_time_delay_restores_as_not_real_time(int format, int finals)
    {
        var clock = new ManualClock(Noon);
        var d = Driver(clock);
        d.PipeTrade(LiveTrade(clock, 1, "100", "1"));
        d.Commit();
        var restored = Driver(clock);
        foreach (var topic in MarketDataProcessor.ChangelogTopics)
        foreach (var r in d.Committed(topic))
        {
            var value = r.Value;
            // Format 1 wrote the same record without the trailing delay, under version byte 1.
            if (format == 1 && value is not null && WatermarkStore.IsWatermarkKey(r.Key))
            {
                Assert.Equal(2, value[sizeof(long)]);
                value = [.. value[..sizeof(long)], 1, .. value[(sizeof(long) + 1)..^sizeof(long)]];
            }
            restored.Restore(topic, r.Partition ?? 0, r.Key!, value);
        }
        restored.CaughtUp(0);
        clock.Advance(TimeSpan.FromMinutes(5));
        restored.Commit();
        Assert.Equal(finals, Finals(restored, "1m").Count);
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
