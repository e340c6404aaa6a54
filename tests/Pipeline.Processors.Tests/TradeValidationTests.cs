using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

public class TradeValidationTests
{
    private static ProcessorTestDriver Driver() => new(Options(), Instruments);

    private static void AssertOneDeadLetter(ProcessorTestDriver d, string code)
    {
        d.Commit();
        var dl = Assert.Single(d.DeadLetters());
        Assert.Equal(code, dl.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(dl.Reason));
        Assert.Empty(d.Committed(TopicCatalog.ValidTrades.Name));
    }

    [Fact]
    public void Malformed_bytes_go_to_the_dead_letter_topic_with_the_original_bytes_and_position()
    {
        var d = Driver();
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0x01, 0x02];
        d.Pipe(TopicCatalog.RawTrades.Name, "k"u8.ToArray(), garbage, partition: 2);
        AssertOneDeadLetter(d, "malformed");
        var dl = d.DeadLetters()[0];
        Assert.Equal(garbage, dl.OriginalValue.ToByteArray());
        Assert.Equal("k"u8.ToArray(), dl.OriginalKey.ToByteArray());
        Assert.Equal(TopicCatalog.RawTrades.Name, dl.SourceTopic);
        Assert.Equal(2, dl.SourcePartition);
        Assert.Equal(0, dl.SourceOffset);
        // The processor is still healthy: the next good trade passes.
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:00Z")));
        d.Commit();
        Assert.Single(d.Committed(TopicCatalog.ValidTrades.Name));
    }

    [Fact]
    public void Trade_keyed_by_something_else_than_its_instrument_is_rejected()
    {
        var d = Driver();
        var t = Trade(1, "10", "1", Us("2024-03-01T10:00:00Z"));
        d.Pipe(TopicCatalog.RawTrades.Name, "BTCUSDT"u8.ToArray(), Google.Protobuf.MessageExtensions.ToByteArray(t));
        AssertOneDeadLetter(d, "wrong_key");
    }

    [Fact]
    public void Zero_price_is_rejected()
    {
        var d = Driver();
        d.PipeTrade(Trade(1, "0", "1", Us("2024-03-01T10:00:00Z")));
        AssertOneDeadLetter(d, "price_not_positive");
    }

    [Fact]
    public void Negative_size_is_rejected()
    {
        var d = Driver();
        d.PipeTrade(Trade(1, "10", "-1", Us("2024-03-01T10:00:00Z")));
        AssertOneDeadLetter(d, "size_not_positive");
    }

    [Fact]
    public void Unregistered_instrument_is_rejected()
    {
        var d = Driver();
        d.PipeTrade(
            Trade(1, "10", "1", Us("2024-03-01T10:00:00Z"), instrument: InstrumentRef.Create("binance", "BTC", "USDC", MarketType.Spot))
        );
        AssertOneDeadLetter(d, "unknown_instrument");
    }

    [Fact]
    public void Trade_without_price_is_rejected()
    {
        var d = Driver();
        var t = Trade(1, "10", "1", Us("2024-03-01T10:00:00Z"));
        t.Price = null;
        d.PipeTrade(t);
        AssertOneDeadLetter(d, "missing_price");
    }

    [Fact]
    public void Live_trade_far_from_its_receive_time_is_rejected_for_clock_skew()
    {
        var d = Driver();
        var t = Trade(1, "10", "1", Us("2024-03-01T10:00:00Z"), origin: Origin.Live);
        t.ReceiveTimeUs = t.EventTimeUs + 10 * 60_000_000L; // ten minutes; the default allows five
        d.PipeTrade(t);
        AssertOneDeadLetter(d, "clock_skew");
    }

    [Fact]
    public void Backfill_trade_is_not_checked_for_clock_skew()
    {
        var d = Driver();
        var t = Trade(1, "10", "1", Us("2020-03-01T10:00:00Z"), origin: Origin.Backfill);
        t.ReceiveTimeUs = Us("2024-03-01T10:00:00Z");
        d.PipeTrade(t);
        d.Commit();
        Assert.Empty(d.DeadLetters());
        Assert.Single(d.Committed(TopicCatalog.ValidTrades.Name));
    }

    [Fact]
    [Trait("Issue", "18")]
    public void Backfill_trade_older_than_the_previous_one_of_its_stream_is_accepted()
    {
        // Was: dead-lettered as out_of_order; history may arrive in any order.
        var d = Driver();
        d.PipeTrade(Trade(2, "10", "1", Us("2024-03-01T10:00:05Z"), origin: Origin.Backfill));
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:01Z"), origin: Origin.Backfill));
        d.Commit();
        Assert.Empty(d.DeadLetters());
        Assert.Equal(2, d.Committed(TopicCatalog.ValidTrades.Name).Count);
    }

    [Fact]
    public void Duplicate_trade_id_is_suppressed_and_counted_once_in_the_candle()
    {
        var d = Driver();
        var t = Trade(7, "10", "1", Us("2024-03-01T10:00:05Z"), origin: Origin.Live);
        d.PipeTrade(t);
        d.PipeTrade(t);
        d.PipeEndOfInput(
            new EndOfInput
            {
                Instrument = Btc,
                Origin = Origin.Live,
                ThroughTimeUs = t.EventTimeUs,
            }
        );
        d.Commit();
        Assert.Equal("duplicate_trade_id", Assert.Single(d.DeadLetters()).ReasonCode);
        Assert.Single(d.Committed(TopicCatalog.ValidTrades.Name));
        Assert.Equal(1, d.FinalCandles().Single(c => c.Interval == "1m").TradeCount);
    }

    [Fact]
    public void Same_trade_id_on_another_instrument_is_not_a_duplicate()
    {
        var d = Driver();
        d.PipeTrade(Trade(7, "10", "1", Us("2024-03-01T10:00:05Z"), origin: Origin.Live));
        d.PipeTrade(Trade(7, "10", "1", Us("2024-03-01T10:00:05Z"), origin: Origin.Live, instrument: Eth));
        d.Commit();
        Assert.Empty(d.DeadLetters());
        Assert.Equal(2, d.Committed(TopicCatalog.ValidTrades.Name).Count);
    }

    [Fact]
    public void Price_jump_beyond_the_fraction_is_flagged_but_kept()
    {
        var d = Driver(); // 20% by default
        d.PipeTrade(Trade(1, "100", "1", Us("2024-03-01T10:00:01Z"), origin: Origin.Live));
        d.PipeTrade(Trade(2, "119", "1", Us("2024-03-01T10:00:02Z"), origin: Origin.Live));
        d.PipeTrade(Trade(3, "150", "1", Us("2024-03-01T10:00:03Z"), origin: Origin.Live));
        d.Commit();
        var valid = d.Committed(TopicCatalog.ValidTrades.Name);
        Assert.Equal(3, valid.Count);
        bool Flagged(OutputRecord r) => r.Headers!.TryGetLastBytes(MarketDataProcessor.PriceJumpHeader, out _);
        Assert.Equal([false, false, true], valid.Select(Flagged));
    }

    [Fact]
    public void Trade_older_than_the_revision_horizon_goes_to_dead_letters_as_too_late()
    {
        var d = new ProcessorTestDriver(Options(latenessMs: 0, horizonMs: 60_000), Instruments);
        d.PipeTrade(Trade(1, "10", "1", Us("2024-03-01T10:00:00Z"), origin: Origin.Live));
        d.PipeTrade(Trade(2, "10", "1", Us("2024-03-01T10:05:00Z"), origin: Origin.Live));
        d.PipeTrade(Trade(3, "10", "1", Us("2024-03-01T10:00:30Z"), origin: Origin.Live));
        AssertTooLate(d);

        static void AssertTooLate(ProcessorTestDriver d)
        {
            d.Commit();
            Assert.Equal("too_late", Assert.Single(d.DeadLetters()).ReasonCode);
        }
    }

    [Fact]
    public void Exchange_candle_with_high_below_close_is_rejected_and_a_valid_one_passes()
    {
        var d = Driver();
        Candle K(string o, string h, string l, string c) =>
            new()
            {
                Instrument = Btc,
                Interval = "1m",
                OpenTimeUs = Us("2024-03-01T10:00:00Z"),
                CloseTimeUs = Us("2024-03-01T10:00:59.999Z"),
                Open = Schemas.V1.Decimal.From(D(o)),
                High = Schemas.V1.Decimal.From(D(h)),
                Low = Schemas.V1.Decimal.From(D(l)),
                Close = Schemas.V1.Decimal.From(D(c)),
                Volume = Schemas.V1.Decimal.From(1m),
                Source = CandleSource.Exchange,
            };
        d.Pipe(TopicCatalog.RawExchangeCandles.Name, null, Google.Protobuf.MessageExtensions.ToByteArray(K("10", "11", "9", "12")));
        d.Pipe(TopicCatalog.RawExchangeCandles.Name, null, Google.Protobuf.MessageExtensions.ToByteArray(K("10", "12", "9", "11")));
        d.Commit();
        Assert.Equal("inconsistent_ohlc", Assert.Single(d.DeadLetters()).ReasonCode);
        var passed = Assert.Single(d.Read<Candle>(TopicCatalog.ExchangeCandles.Name));
        Assert.Equal(Us("2024-03-01T10:01:00Z"), passed.CloseTimeUs);
        Assert.Equal(CandleSource.Exchange, passed.Source);
    }

    [Fact]
    public void Trade_reader_agrees_with_the_protobuf_parser()
    {
        var rng = new Random(9);
        for (var i = 0; i < 2_000; i++)
        {
            var t = Trade(
                rng.NextInt64(0, long.MaxValue),
                (rng.Next(1, 1_000_000) / 1000m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                (-5m + rng.Next(0, 100_000) / 7m).ToString(System.Globalization.CultureInfo.InvariantCulture),
                rng.NextInt64(1, long.MaxValue / 2),
                (Origin)rng.Next(0, 5),
                (AggressorSide)rng.Next(0, 3),
                i % 2 == 0 ? Btc : Eth
            );
            if (i % 7 == 0)
                t.Price = null;
            var bytes = Google.Protobuf.MessageExtensions.ToByteArray(t);
            Assert.True(Validation.WireTrade.TryParse(bytes, out var w));
            Assert.Equal(t.TradeId, w.TradeId);
            Assert.Equal(t.Price is not null, w.HasPrice);
            if (t.Price is not null)
                Assert.Equal(t.Price.ToInvariantString(), w.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(t.Size.ToInvariantString(), w.Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(t.Aggressor, w.Aggressor);
            Assert.Equal(t.EventTimeUs, w.EventTimeUs);
            Assert.Equal(t.ReceiveTimeUs, w.ReceiveTimeUs);
            Assert.Equal(t.Origin, w.Origin);
            Assert.Equal(
                Google.Protobuf.MessageExtensions.ToByteArray(t.Instrument),
                bytes.AsSpan(w.InstrumentOffset, w.InstrumentLength).ToArray()
            );
            // Every truncation is refused, as the protobuf parser refuses it.
            var cut = bytes[..rng.Next(1, bytes.Length)];
            var parserRefuses = false;
            try
            {
                Schemas.V1.Trade.Parser.ParseFrom(cut);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                parserRefuses = true;
            }
            Assert.Equal(!parserRefuses, Validation.WireTrade.TryParse(cut, out _));
        }
    }
}
