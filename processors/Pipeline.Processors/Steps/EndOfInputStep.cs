// An end-of-input mark (an import or backfill reached its end): every open candle of the instrument up to the mark closes.
using Google.Protobuf;
using Pipeline.Processors.State;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Steps;

internal sealed class EndOfInputStep(
    IReadOnlySet<string> known,
    InstrumentStates states,
    CandleAggregationStep candles,
    DeadLetterWriter deadLetters
)
{
    public void Process(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        EndOfInput mark;
        try
        {
            if (r.Value is null)
            {
                deadLetters.Write(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output);
                return;
            }
            mark = EndOfInput.Parser.ParseFrom(r.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            deadLetters.Write(r, new(DeadLetterReasons.Malformed, $"value is not a pipeline.v1.EndOfInput ({e.Message})"), nowUs, output);
            return;
        }
        if (mark.Instrument is null || !known.Contains(mark.Instrument.Key))
        {
            deadLetters.Write(
                r,
                new(DeadLetterReasons.UnknownInstrument, $"end-of-input mark for unregistered instrument {mark.Instrument?.Key}"),
                nowUs,
                output
            );
            return;
        }
        CloseThrough(mark.Instrument.Key, mark.ThroughTimeUs, output);
    }

    /// <summary>No state means no trades were seen on this instance: nothing is open, nothing to close.</summary>
    public void CloseThrough(string instrumentKey, long throughUs, List<OutputRecord> output)
    {
        if (states.TryGet(instrumentKey, out var s))
            candles.CloseThrough(s, throughUs, output);
    }
}
