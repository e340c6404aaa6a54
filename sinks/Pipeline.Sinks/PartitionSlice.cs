// The records of one batch that came from one Kafka partition, with the offset range they cover.
using Pipeline.Schemas.V1;

namespace Pipeline.Sinks;

internal sealed class PartitionSlice(long firstOffset)
{
    public const long DayUs = 86_400_000_000;

    public long FirstOffset { get; } = firstOffset;

    /// <summary>The position to store once this slice is written: last consumed offset + 1.</summary>
    public long NextOffset { get; set; } = firstOffset;

    /// <summary>Trades as compact rows (no object per trade survives the consume loop: a batch held for its write
    /// used to be copied through both young GC generations, ~30% of the sink's time in pauses).</summary>
    public List<TradeRow> Trades { get; } = new();
    public List<Candle> Candles { get; } = new();
    public List<IndicatorValue> Indicators { get; } = new();
    public List<DeadLetter> DeadLetters { get; } = new();

    /// <summary>How many of <see cref="DeadLetters"/> Kafka has acknowledged (a retried write does not resend them).</summary>
    public int DeadLettersSent { get; set; }

    // Collected while consuming (beside the write of the previous batch), so the write does not walk every row
    // to find the instruments to register and the daily partitions to create.
    /// <summary>The distinct instruments of this slice's rows.</summary>
    public List<InstrumentRef> InstrumentsSeen { get; } = new();

    /// <summary>Distinct UTC days (microseconds since the epoch / one day) of trades and candles.</summary>
    public HashSet<long> TradeDays { get; } = new();
    public HashSet<long> CandleDays { get; } = new();
    private InstrumentRef? _lastInstrument;
    private long _lastTradeDay = long.MinValue,
        _lastCandleDay = long.MinValue;

    private int _lastInstrumentIndex = -1;

    /// <summary>A valid trade (see <see cref="SinkRecordParser"/>): its decimals convert without fault.</summary>
    public void AddTrade(Trade t)
    {
        Trades.Add(
            new TradeRow(
                t.EventTimeUs,
                NoteInstrument(t.Instrument),
                t.TradeId,
                t.Price.ToDecimal(),
                t.Size.ToDecimal(),
                (short)t.Aggressor,
                t.ReceiveTimeUs,
                (short)t.Origin
            )
        );
        NoteTradeTime(t.EventTimeUs);
    }

    /// <summary>Returns the instrument's index in <see cref="InstrumentsSeen"/>.</summary>
    public int NoteInstrument(InstrumentRef instrument)
    {
        if (_lastInstrument is not null && InstrumentDirectory.SameInstrument(_lastInstrument, instrument))
            return _lastInstrumentIndex;
        var index = InstrumentsSeen.FindIndex(seen => InstrumentDirectory.SameInstrument(seen, instrument));
        if (index < 0)
        {
            index = InstrumentsSeen.Count;
            InstrumentsSeen.Add(instrument.Clone());
        }
        _lastInstrument = InstrumentsSeen[index];
        _lastInstrumentIndex = index;
        return index;
    }

    public void NoteTradeTime(long us)
    {
        var day = Math.DivRem(us, DayUs) is var (q, r) && r < 0 ? q - 1 : q;
        if (day != _lastTradeDay)
        {
            TradeDays.Add(day);
            _lastTradeDay = day;
        }
    }

    public void NoteCandleTime(long us)
    {
        var day = Math.DivRem(us, DayUs) is var (q, r) && r < 0 ? q - 1 : q;
        if (day != _lastCandleDay)
        {
            CandleDays.Add(day);
            _lastCandleDay = day;
        }
    }
}

/// <summary>One trade as the sink stores it; <see cref="InstrumentIndex"/> points into the slice's
/// <see cref="PartitionSlice.InstrumentsSeen"/>.</summary>
internal readonly record struct TradeRow(
    long EventTimeUs,
    int InstrumentIndex,
    long TradeId,
    decimal Price,
    decimal Size,
    short Aggressor,
    long ReceiveTimeUs,
    short Origin
);
