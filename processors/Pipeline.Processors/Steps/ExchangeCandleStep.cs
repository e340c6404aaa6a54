// The venues' own candles: checked, marked as exchange candles with their close time, passed on unchanged otherwise.
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Pipeline.Plumbing.Serialization;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class ExchangeCandleStep(ProcessorTopology topology, IReadOnlySet<string> known, DeadLetterWriter deadLetters)
{
    private static readonly Headers CandleHeaders = MessageHeaders.For<Candle>();

    public void Process(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        Candle candle;
        try
        {
            if (r.Value is null)
            {
                deadLetters.Write(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output);
                return;
            }
            candle = Candle.Parser.ParseFrom(r.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            deadLetters.Write(r, new(DeadLetterReasons.Malformed, $"value is not a pipeline.v1.Candle ({e.Message})"), nowUs, output);
            return;
        }
        if (ExchangeCandleCheck.Check(candle, known) is { } bad)
        {
            deadLetters.Write(r, bad, nowUs, output);
            return;
        }
        candle.Source = CandleSource.Exchange;
        var interval = CandleInterval.Find(candle.Interval)!;
        candle.CloseTimeUs = candle.OpenTimeUs + interval.DurationUs;
        if (topology.ExchangeCandlesOut is { } exchangeOut)
            output.Add(new(exchangeOut, null, Encoding.UTF8.GetBytes(candle.Instrument.Key), candle.ToByteArray(), CandleHeaders));
    }
}
