// Issue 18 "One record must never halt a stage": hostile but well-formed records become dead letters with a reason,
// and the good trade after them still passes.
using Google.Protobuf;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using static Pipeline.Processors.Tests.TradeFactory;

namespace Pipeline.Processors.Tests;

[Trait("Issue", "18")]
public class PoisonRecordTests
{
    private static readonly long T0 = Us("2024-03-01T10:00:00Z");

    private static void AssertDeadLetteredAndStillHealthy(ProcessorTestDriver d, string code)
    {
        d.PipeTrade(Trade(100, "10", "1", T0 + 1_000_000));
        d.Commit();
        var dl = Assert.Single(d.DeadLetters());
        Assert.Equal(code, dl.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(dl.Reason));
        var valid = d.Read<Trade>(TopicCatalog.ValidTrades.Name);
        Assert.Equal(100, Assert.Single(valid).TradeId);
        // Counts in = valid + dead.
        Assert.Equal(2, valid.Count + d.DeadLetters().Count);
    }

    [Fact]
    public void Trade_whose_quote_volume_overflows_a_decimal_is_dead_lettered_instead_of_halting_the_processor()
    {
        // Was: OverflowException in CandleAggregator on every restart; the partition never moved again.
        var d = new ProcessorTestDriver(Options(), Instruments);
        d.PipeTrade(Trade(1, "1000000000000000", "1000000000000000", T0));
        AssertDeadLetteredAndStillHealthy(d, "value_out_of_range");
    }

    [Fact]
    public void Price_and_size_inside_the_bounds_whose_product_is_not_are_dead_lettered()
    {
        var d = new ProcessorTestDriver(Options(), Instruments);
        d.PipeTrade(Trade(1, "9000000000000", "9000000000000", T0));
        AssertDeadLetteredAndStillHealthy(d, "value_out_of_range");
    }

    [Theory]
    [InlineData(Origin.Import)]
    [InlineData(Origin.Backfill)]
    public void Historical_trade_dated_in_the_year_30000_is_rejected_by_validation(Origin origin)
    {
        // Was: accepted; the sink then crash-looped on an un-representable DateTime.
        var d = new ProcessorTestDriver(Options(), Instruments);
        var year30000 = 884_541_340_800_000_000L;
        d.PipeTrade(Trade(1, "10", "1", year30000, origin));
        AssertDeadLetteredAndStillHealthy(d, "time_out_of_range");
    }

    [Fact]
    public void Historical_trade_with_a_receive_time_far_in_the_future_is_rejected()
    {
        var d = new ProcessorTestDriver(Options(), Instruments);
        var t = Trade(1, "10", "1", T0, Origin.Import);
        t.ReceiveTimeUs = long.MaxValue / 2;
        d.PipeTrade(t);
        AssertDeadLetteredAndStillHealthy(d, "time_out_of_range");
    }

    [Fact]
    public void Record_of_1_2_MB_becomes_a_dead_letter_far_below_the_producer_message_limit()
    {
        // Was: its dead letter (original value copied whole) exceeded the client's 1 MB message limit and the
        // processor crash-looped ("Broker: Message size too large"), in `pipeline up` stopping the whole process.
        var d = new ProcessorTestDriver(Options(), Instruments);
        var t = Trade(1, "10", "1", T0);
        var big = t.ToByteArray().Concat(UnknownField(1_200_000)).ToArray();
        d.Pipe(TopicCatalog.RawTrades.Name, System.Text.Encoding.UTF8.GetBytes(t.Instrument.Key), big);
        d.PipeTrade(Trade(100, "10", "1", T0 + 1_000_000));
        d.Commit();
        var record = Assert.Single(d.Committed(TopicCatalog.DeadLetters.Name));
        Assert.True(record.Value!.Length < 100_000, $"dead letter has {record.Value.Length} bytes");
        var dl = DeadLetter.Parser.ParseFrom(record.Value);
        Assert.Equal("too_large", dl.ReasonCode);
        Assert.Equal(big.AsSpan(0, dl.OriginalValue.Length).ToArray(), dl.OriginalValue.ToByteArray());
        Assert.Contains("trades.raw/0@0", dl.Reason);
        Assert.Equal(100, Assert.Single(d.Read<Trade>(TopicCatalog.ValidTrades.Name)).TradeId);
    }

    /// <summary>A protobuf field 15 of type bytes: well-formed, ignored by parsers that do not know it.</summary>
    private static byte[] UnknownField(int length)
    {
        using var ms = new MemoryStream();
        var cos = new CodedOutputStream(ms);
        cos.WriteTag(15, WireFormat.WireType.LengthDelimited);
        cos.WriteBytes(ByteString.CopyFrom(new byte[length]));
        cos.Flush();
        return ms.ToArray();
    }
}
