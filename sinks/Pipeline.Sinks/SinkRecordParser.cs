// Turns a consumed record into what the sink stores, or into a dead letter saying why it cannot be stored.
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

internal static class SinkRecordParser
{
    public const string ProcessorName = "sink";

    /// <param name="liveTopic">The live catalog topic the record's topic stands for (the same topic for the live sink,
    /// e.g. candles.final for replay.v2.candles.final), or null when the sink does not store that topic.</param>
    public static IMessage Parse(ConsumeResult<byte[]?, byte[]?> record, string? liveTopic)
    {
        var topic = record.Topic;
        try
        {
            if (record.Message.Value is null)
                return Reject(record, "malformed", "the record has no value");
            var value = RecordValues.Read(record.Message.Value, record.Message.Headers);
            if (value.IsFault)
                return Reject(record, value.FaultCode!, value.FaultReason!);
            var payload = value.PayloadArray();
            if (liveTopic == TopicCatalog.ValidTrades.Name)
            {
                var t = Trade.Parser.ParseFrom(payload);
                return CheckTrade(t) is { } why ? Reject(record, "invalid_trade", why) : t;
            }
            if (liveTopic == TopicCatalog.Candles.Name || liveTopic == TopicCatalog.FinalCandles.Name)
            {
                var c = Candle.Parser.ParseFrom(payload);
                return CheckCandle(c) is { } why ? Reject(record, "invalid_candle", why) : c;
            }
            if (liveTopic == TopicCatalog.Indicators.Name)
            {
                var i = IndicatorValue.Parser.ParseFrom(payload);
                return CheckIndicator(i) is { } why ? Reject(record, "invalid_indicator", why) : i;
            }
            return Reject(record, "unknown_topic", $"the sink does not store records of topic {topic}");
        }
        catch (InvalidProtocolBufferException e)
        {
            return Reject(record, "malformed", $"the value is not a valid Protobuf message for topic {topic}: {e.Message}");
        }
        catch (FormatException e)
        {
            return Reject(record, "malformed", e.Message);
        }
    }

    private static string? CheckInstrument(InstrumentRef? i) => StoredRecordChecks.Instrument(i);

    private static string? CheckTrade(Trade t)
    {
        if (CheckInstrument(t.Instrument) is { } why)
            return why;
        if (t.Price is null || t.Price.ToDecimal() <= 0)
            return "the price must be greater than zero";
        if (t.Size is null || t.Size.ToDecimal() <= 0)
            return "the size must be greater than zero";
        if (t.EventTimeUs <= 0)
            return "the event time is missing";
        // Times DateTime and timestamptz cannot hold crash-looped the sink (issue 18: a trade in the year 30,000).
        if (RecordBounds.CheckTime("the event time", t.EventTimeUs) is { } badTime)
            return badTime;
        if (t.ReceiveTimeUs != 0 && RecordBounds.CheckTime("the receive time", t.ReceiveTimeUs) is { } badReceive)
            return badReceive;
        return null;
    }

    // Shared with the API's recent-candle store, which must skip exactly what the sink does not store.
    private static string? CheckCandle(Candle c) => StoredRecordChecks.Candle(c);

    private static string? CheckIndicator(IndicatorValue i)
    {
        if (CheckInstrument(i.Instrument) is { } why)
            return why;
        if (CandleInterval.Find(i.Interval) is null)
            return $"interval '{i.Interval}' is not one of {string.Join(", ", CandleInterval.Names)}";
        if (string.IsNullOrEmpty(i.Indicator))
            return "the indicator name is missing";
        if (i.OpenTimeUs <= 0)
            return "the open time is missing";
        if (RecordBounds.CheckTime("the open time", i.OpenTimeUs) is { } badTime)
            return badTime;
        return null;
    }

    private static DeadLetter Reject(ConsumeResult<byte[]?, byte[]?> record, string code, string reason) =>
        new()
        {
            SourceTopic = record.Topic,
            SourcePartition = record.Partition.Value,
            SourceOffset = record.Offset.Value,
            OriginalKey = Bounded(record.Message.Key),
            OriginalValue = Bounded(record.Message.Value),
            ReasonCode = code,
            Reason = record.Message.Value is { Length: > RecordBounds.MaxDeadLetterOriginalBytes } v
                ? $"{reason} (original value of {v.Length} bytes cut to its first {RecordBounds.MaxDeadLetterOriginalBytes}; "
                    + $"the whole record is at {record.Topic}/{record.Partition.Value}@{record.Offset.Value})"
                : reason,
            Processor = ProcessorName,
            FailedTimeUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
        };

    /// <summary>At most <see cref="RecordBounds.MaxDeadLetterOriginalBytes"/> of an original, so the dead letter stays
    /// far below the producer's message limit.</summary>
    private static ByteString Bounded(byte[]? bytes) =>
        bytes is null ? ByteString.Empty : ByteString.CopyFrom(bytes, 0, Math.Min(bytes.Length, RecordBounds.MaxDeadLetterOriginalBytes));
}
