using Pipeline.Processors.Candles;
using Pipeline.Processors.Testing;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class CandleAggregationTests
{
    private static ProcessorTestDriver Driver(int latenessMs = 2_000, int throttleMs = 1_000) =>
        new(Options(latenessMs, throttleMs), Instruments);

    [Fact]
    public void Trades_in_one_minute_make_one_final_candle_with_exact_decimal_sums()
    {
        var d = Driver();
        var t0 = Us("2024-03-01T10:00:00Z");
        // 0.1 + 0.2 is 0.30000000000000004 in binary floating point; the candle must say exactly 0.3.
        d.PipeTrade(Trade(100, "61000.10", "0.1", t0 + 1_000_000, side: AggressorSide.Buy));
        d.PipeTrade(Trade(101, "61010.00", "0.2", t0 + 20_000_000, side: AggressorSide.Sell));
        d.PipeTrade(Trade(102, "60990.50", "0.00001", t0 + 59_000_000, side: AggressorSide.Buy));
        // Moves the watermark past 10:01:00 (+2 s lateness).
        d.PipeTrade(Trade(103, "61000", "1", Us("2024-03-01T10:01:02.5Z")));
        d.Commit();

        var c = d.FinalCandles().Single(c => c.Interval == "1m");
        Assert.Equal(t0, c.OpenTimeUs);
        Assert.Equal(t0 + 60_000_000, c.CloseTimeUs);
        Assert.Equal(D("61000.10"), c.Open.ToDecimal());
        Assert.Equal(D("61010.00"), c.High.ToDecimal());
        Assert.Equal(D("60990.50"), c.Low.ToDecimal());
        Assert.Equal(D("60990.50"), c.Close.ToDecimal());
        Assert.Equal("0.30001", c.Volume.ToInvariantString());
        // 6100.010 + 12202.000 + 0.6099050 = 18302.6199050
        Assert.Equal(D("18302.6199050"), c.QuoteVolume.ToDecimal());
        Assert.Equal(D("0.10001"), c.TakerBuyVolume.ToDecimal());
        Assert.Equal(D("6100.6199050"), c.TakerBuyQuoteVolume.ToDecimal());
        Assert.Equal(D("18302.6199050") / D("0.30001"), c.Vwap.ToDecimal());
        Assert.Equal(3, c.TradeCount);
        Assert.Equal(100, c.FirstTradeId);
        Assert.Equal(102, c.LastTradeId);
        Assert.True(c.Closed);
        Assert.Equal(0, c.Revision);
        Assert.Equal(CandleSource.Aggregated, c.Source);
    }

    [Fact]
    public void Candle_stays_open_until_the_watermark_passes_its_end()
    {
        var d = Driver(latenessMs: 5_000);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:30Z")));
        d.PipeTrade(Trade(2, "11", "1", Us("2024-03-01T10:01:04Z"))); // watermark 10:00:59
        d.Commit();
        Assert.DoesNotContain(d.FinalCandles(), c => c.Interval == "1m");
        d.PipeTrade(Trade(3, "12", "1", Us("2024-03-01T10:01:05Z"))); // watermark 10:01:00 = end of the first minute
        d.Commit();
        var final = Assert.Single(d.FinalCandles(), c => c.Interval == "1m");
        Assert.Equal(Us("2024-03-01T10:00:00Z"), final.OpenTimeUs);
        Assert.Equal(1, final.TradeCount);
    }

    [Fact]
    public void Intervals_align_to_the_utc_epoch_and_weeks_open_on_monday()
    {
        // Wednesday 2024-01-03 13:47:12 UTC.
        var t = Us("2024-01-03T13:47:12Z");
        var expected = new Dictionary<string, string>
        {
            ["1m"] = "2024-01-03T13:47:00Z",
            ["3m"] = "2024-01-03T13:45:00Z",
            ["5m"] = "2024-01-03T13:45:00Z",
            ["15m"] = "2024-01-03T13:45:00Z",
            ["30m"] = "2024-01-03T13:30:00Z",
            ["1h"] = "2024-01-03T13:00:00Z",
            ["2h"] = "2024-01-03T12:00:00Z",
            ["4h"] = "2024-01-03T12:00:00Z",
            ["6h"] = "2024-01-03T12:00:00Z",
            ["8h"] = "2024-01-03T08:00:00Z",
            ["12h"] = "2024-01-03T12:00:00Z",
            ["1d"] = "2024-01-03T00:00:00Z",
            ["1w"] = "2024-01-01T00:00:00Z",
        };
        foreach (var (name, open) in expected)
            Assert.Equal(Us(open), CandleInterval.Find(name)!.OpenTimeOf(t));
        // 3d windows are counted from the epoch: 19725 days to 2024-01-03, 19725 = 3 * 6575.
        Assert.Equal(Us("2024-01-03T00:00:00Z"), CandleInterval.Find("3d")!.OpenTimeOf(t));
        Assert.Equal(14, CandleInterval.All.Count);
    }

    [Fact]
    public void Every_interval_gets_a_candle_from_one_trade()
    {
        var d = Driver();
        var t = Us("2024-01-03T13:47:12Z");
        d.PipeTrade(Trade(1, "42000", "0.5", t));
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Backfill,
                ThroughTimeUs = t,
            }
        );
        d.Commit();
        var finals = d.FinalCandles();
        Assert.Equal(CandleInterval.All.Select(i => i.Name).Order(), finals.Select(c => c.Interval).Order());
        Assert.All(finals, c => Assert.Equal(D("21000.0"), c.QuoteVolume.ToDecimal()));
    }

    [Fact]
    public void Late_trade_within_grace_updates_the_open_candle_without_a_revision()
    {
        var d = Driver(latenessMs: 10_000);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:50Z")));
        d.PipeTrade(Trade(3, "12", "1", Us("2024-03-01T10:01:05Z"))); // watermark 10:00:55
        d.PipeTrade(Trade(2, "9", "1", Us("2024-03-01T10:00:40Z"), origin: Origin.Live)); // late, but the minute is still open
        d.PipeTrade(Trade(4, "13", "1", Us("2024-03-01T10:01:30Z")));
        d.Commit();
        var final = Assert.Single(d.FinalCandles(), c => c.Interval == "1m");
        Assert.Equal(0, final.Revision);
        Assert.Equal(2, final.TradeCount);
        Assert.Equal(D("9"), final.Open.ToDecimal()); // the earliest trade by event time opens the candle
        Assert.Equal(D("10"), final.Close.ToDecimal());
        Assert.Equal(1, final.FirstTradeId);
        Assert.Equal(2, final.LastTradeId);
    }

    [Fact]
    public void Late_trade_after_close_emits_revision_one_of_the_closed_candle()
    {
        var d = Driver(latenessMs: 0);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:10Z")));
        d.PipeTrade(Trade(2, "11", "2", Us("2024-03-01T10:01:10Z"))); // closes 10:00
        d.PipeTrade(Trade(3, "20", "3", Us("2024-03-01T10:00:59Z"), origin: Origin.Live)); // late
        d.Commit();
        var versions = d.FinalCandles().Where(c => c.Interval == "1m" && c.OpenTimeUs == Us("2024-03-01T10:00:00Z")).ToList();
        Assert.Equal([0, 1], versions.Select(v => v.Revision));
        Assert.Equal(1, versions[0].TradeCount);
        Assert.Equal(2, versions[1].TradeCount);
        Assert.Equal(D("20"), versions[1].High.ToDecimal());
        Assert.Equal(D("20"), versions[1].Close.ToDecimal());
        Assert.Equal(D("4"), versions[1].Volume.ToDecimal());
        Assert.True(versions[1].Closed);
        // The revision also goes to the all-candles topic.
        Assert.Contains(d.Candles(), c => c.Interval == "1m" && c.Revision == 1);
    }

    [Fact]
    public void A_minute_without_trades_produces_no_candle()
    {
        var d = Driver(latenessMs: 0);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:10Z")));
        d.PipeTrade(Trade(2, "11", "1", Us("2024-03-01T10:03:10Z")));
        d.PipeTrade(Trade(3, "11", "1", Us("2024-03-01T10:04:10Z")));
        d.Commit();
        var opens = d.FinalCandles().Where(c => c.Interval == "1m").Select(c => c.OpenTimeUs).ToList();
        Assert.Equal([Us("2024-03-01T10:00:00Z"), Us("2024-03-01T10:03:00Z")], opens);
    }

    [Fact]
    public void Open_candle_updates_are_throttled_per_candle()
    {
        var d = Driver(latenessMs: 60_000, throttleMs: 1_000);
        var t0 = Us("2024-03-01T10:00:00Z");
        d.PipeTrade(Trade(1, "10", "1", t0 + 1_000_000));
        d.Commit(); // first update goes out at once
        for (var i = 0; i < 10; i++)
        {
            d.PipeTrade(Trade(2 + i, "10", "1", t0 + 2_000_000 + i));
            d.AdvanceTime(TimeSpan.FromMilliseconds(50));
            d.Commit(); // within the second: no update
        }
        d.AdvanceTime(TimeSpan.FromMilliseconds(600));
        d.Commit();
        var updates = d.Candles().Where(c => c.Interval == "1m" && !c.Closed).ToList();
        Assert.Equal([1, 11], updates.Select(u => u.TradeCount));
    }

    [Fact]
    public void End_of_input_mark_closes_open_candles_of_an_import()
    {
        var d = Driver(latenessMs: 60_000);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:10Z"), origin: Origin.Import));
        d.PipeTrade(Trade(2, "12", "1", Us("2024-03-01T10:00:20Z"), origin: Origin.Import));
        d.Commit();
        Assert.Empty(d.FinalCandles());
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Import,
                ThroughTimeUs = Us("2024-03-01T10:00:20Z"),
            }
        );
        d.Commit();
        var m = Assert.Single(d.FinalCandles(), c => c.Interval == "1m");
        Assert.True(m.Closed);
        Assert.Equal(2, m.TradeCount);
        Assert.Equal(14, d.FinalCandles().Count);
    }

    private static string S(decimal d) => d.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Streaming_in_shuffled_order_equals_batch_aggregation()
    {
        var rng = new Random(7);
        var t0 = Us("2024-03-01T00:00:00Z");
        var trades = new List<Trade>();
        for (var i = 0; i < 5_000; i++)
        {
            var price = (60000m + rng.Next(-50000, 50000) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var size = (rng.Next(1, 100000) / 100000m).ToString(System.Globalization.CultureInfo.InvariantCulture);
            trades.Add(
                Trade(
                    i,
                    price,
                    size,
                    t0 + i * 1_300_000L + rng.Next(0, 1_000_000),
                    side: rng.Next(2) == 0 ? AggressorSide.Buy : AggressorSide.Sell,
                    origin: Origin.Live
                )
            );
        }
        // Shuffle within windows shorter than the allowed lateness (10 s): every trade still lands before its candle closes.
        var shuffled = trades.Chunk(5).SelectMany(c => c.OrderBy(_ => rng.Next())).ToList();
        var d = Driver(latenessMs: 10_000);
        foreach (var t in shuffled)
            d.PipeTrade(t);
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Live,
                ThroughTimeUs = trades[^1].EventTimeUs,
            }
        );
        d.Commit();
        var streamed = d.FinalCandles();
        Assert.All(streamed, c => Assert.Equal(0, c.Revision));

        foreach (var interval in CandleInterval.All)
        {
            // Batch oracle, written independently of the aggregator: group sorted trades by bucket.
            var batch = trades
                .OrderBy(t => t.EventTimeUs)
                .GroupBy(t => t.EventTimeUs - (t.EventTimeUs - (interval.Name == "1w" ? 4 * 86_400_000_000L : 0)) % interval.DurationUs)
                .Select(g => new
                {
                    Open = g.Key,
                    O = g.First().Price.ToDecimal(),
                    H = g.Max(t => t.Price.ToDecimal()),
                    L = g.Min(t => t.Price.ToDecimal()),
                    C = g.Last().Price.ToDecimal(),
                    V = g.Sum(t => t.Size.ToDecimal()),
                    Q = g.Sum(t => t.Price.ToDecimal() * t.Size.ToDecimal()),
                    Tb = g.Where(t => t.Aggressor == AggressorSide.Buy).Sum(t => t.Size.ToDecimal()),
                    N = g.Count(),
                    F = g.Min(t => t.TradeId),
                    La = g.Max(t => t.TradeId),
                })
                .ToList();
            var ours = streamed.Where(c => c.Interval == interval.Name).OrderBy(c => c.OpenTimeUs).ToList();
            Assert.Equal(batch.Count, ours.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                Assert.Equal(batch[i].Open, ours[i].OpenTimeUs);
                // Compared as text: the same digits and the same trailing zeros as adding System.Decimal one by one.
                Assert.Equal(S(batch[i].O), ours[i].Open.ToInvariantString());
                Assert.Equal(S(batch[i].H), ours[i].High.ToInvariantString());
                Assert.Equal(S(batch[i].L), ours[i].Low.ToInvariantString());
                Assert.Equal(S(batch[i].C), ours[i].Close.ToInvariantString());
                Assert.Equal(S(batch[i].V), ours[i].Volume.ToInvariantString());
                Assert.Equal(S(batch[i].Q), ours[i].QuoteVolume.ToInvariantString());
                Assert.Equal(S(batch[i].Tb), ours[i].TakerBuyVolume.ToInvariantString());
                Assert.Equal(batch[i].N, ours[i].TradeCount);
                Assert.Equal(batch[i].F, ours[i].FirstTradeId);
                Assert.Equal(batch[i].La, ours[i].LastTradeId);
            }
        }
    }

    [Fact]
    public void Candle_keeps_the_decimal_places_the_venue_sent()
    {
        // Binance sends fixed 8-decimal strings; the sums keep them, as System.Decimal addition does.
        var d = Driver();
        var t0 = Us("2024-03-01T10:00:00Z");
        d.PipeTrade(Trade(1, "100.10000000", "0.50000000", t0 + 1_000_000));
        d.PipeTrade(Trade(2, "100.20000000", "0.25000000", t0 + 2_000_000));
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Backfill,
                ThroughTimeUs = t0 + 2_000_000,
            }
        );
        d.Commit();
        var c = d.FinalCandles().Single(c => c.Interval == "1m");
        Assert.Equal("100.10000000", c.Open.ToInvariantString());
        Assert.Equal("100.20000000", c.Close.ToInvariantString());
        Assert.Equal("0.75000000", c.Volume.ToInvariantString());
        // 100.10000000 * 0.50000000 + 100.20000000 * 0.25000000 = 50.05 + 25.05, with 16 decimals
        Assert.Equal("75.1000000000000000", c.QuoteVolume.ToInvariantString());
    }
}
