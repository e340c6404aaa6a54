// The processing topology without Kafka: raw trades → validation → valid trades + candles (+ indicators);
// raw exchange candles → validation → exchange candles; end-of-input marks close open candles.
// The host (ProcessorHost) and the test driver (ProcessorTestDriver) both feed it records and write its outputs.
using System.Text;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Candles;
using Pipeline.Processors.Indicators;
using Pipeline.Processors.State;
using Pipeline.Processors.Validation;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors;

public sealed class MarketDataProcessor
{
    public const string PriceJumpHeader = "pipeline.flag";
    private const string WatermarkSuffix = "|watermark";
    private static readonly Headers CandleHeaders = MessageHeaders.For<Candle>();
    private static readonly Headers IndicatorHeaders = MessageHeaders.For<IndicatorValue>();
    private static readonly Headers DeadLetterHeaders = MessageHeaders.For<DeadLetter>();
    private static readonly Headers TradeHeaders = MessageHeaders.For<Trade>();
    private static readonly Headers FlaggedTradeHeaders = WithFlag(MessageHeaders.For<Trade>());

    private readonly ProcessingOptions _options;
    private readonly TradeValidator _validator;
    private readonly InstrumentResolver _resolver;
    private readonly IReadOnlySet<string> _known;
    private readonly ILogger _log;
    private readonly string _name;
    private readonly long _throttleUs;
    private readonly Dictionary<string, InstrumentState> _instruments = new();
    private readonly List<CandleState> _finals = new();
    private readonly List<CandleState> _scratch = new();
    private readonly List<(int, long)> _removed = new();
    private readonly List<IndicatorSeries.Row> _rows = new();
    private readonly IReadOnlyList<string> _indicatorSpecs;
    private readonly string[] _indicatorNames;
    private readonly string[][] _indicatorFields;
    private readonly ProcessorTopology _topology;

    /// <param name="topology">Topics and behaviour; null = the live processor's (<see cref="ProcessorTopology.Live"/>).</param>
    public MarketDataProcessor(ProcessingOptions options, IEnumerable<string> instrumentKeys, ILogger logger, string name = "processor",
        ProcessorTopology? topology = null)
    {
        _options = options;
        _topology = topology ?? ProcessorTopology.Live;
        _known = instrumentKeys.ToHashSet();
        _validator = new TradeValidator(options);
        _resolver = new InstrumentResolver(_known);
        _log = logger;
        _name = name;
        _throttleUs = options.OpenUpdateThrottleMs * 1000L;
        _indicatorSpecs = options.Indicators.Count > 0 ? options.Indicators.ToList() : IndicatorFactory.Defaults;
        Indicator[] prototypes;
        try { prototypes = _indicatorSpecs.Select(IndicatorFactory.Create).ToArray(); }
        catch (ArgumentException e) { throw new PipelineConfigurationException([$"configuration: Processing:Indicators: {e.Message}"]); }
        _indicatorNames = prototypes.Select(p => p.Name).ToArray();
        _indicatorFields = prototypes.Select(p => p.Fields.ToArray()).ToArray();
    }

    public static IReadOnlyList<string> InputTopics { get; } =
        [TopicCatalog.RawTrades.Name, TopicCatalog.RawExchangeCandles.Name];

    public static IReadOnlyList<string> ChangelogTopics { get; } =
        [TopicCatalog.ValidatorState.Name, TopicCatalog.AggregatorState.Name, TopicCatalog.IndicatorState.Name];

    public ProcessorTopology Topology => _topology;

    public IReadOnlyDictionary<string, InstrumentState> Instruments => _instruments;

    public void Process(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        ProcessorMetrics.Records.Add(1);
        if (r.FramingFault is { } fault) { DeadLetter(r, new(r.FramingFaultCode, fault), nowUs, output); return; }
        // A record bigger than any real one is a dead letter before anything parses it: passed on, it could exceed
        // the producer's message limit and crash-loop the processor (issue 18: a 1.2 MB value).
        if (r.Value is { Length: > RecordBounds.MaxRecordBytes })
        {
            DeadLetter(r, new(DeadLetterReasons.TooLarge, $"the value has {r.Value.Length} bytes, more than the {RecordBounds.MaxRecordBytes} a record may have"),
                nowUs, output);
            return;
        }
        var before = output.Count;
        try
        {
            if (r.IsEndOfInput || (r.Topic == _topology.EndOfInput && r.Topic != _topology.Trades)) ProcessEndOfInput(r, nowUs, output);
            else if (r.Topic == _topology.Trades) ProcessTrade(r, nowUs, output);
            else if (r.Topic == _topology.ExchangeCandles) ProcessExchangeCandle(r, nowUs, output);
            else DeadLetter(r, new(DeadLetterReasons.UnknownTopic, $"the processor does not read topic {r.Topic}"), nowUs, output);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or FormatException or InvalidDataException)
        {
            // Validation should have caught it; still, one record must not stop the partition (a restart would meet it
            // again). Its outputs are dropped and it becomes a dead letter; the error is logged for a fix.
            output.RemoveRange(before, output.Count - before);
            ProcessorMetrics.ProcessingFailures.Add(1);
            _log.LogError(e, "Record {Topic}/{Partition}@{Offset} could not be processed; dead-lettered", r.Topic, r.Partition, r.Offset);
            DeadLetter(r, new(DeadLetterReasons.ProcessingFailed, $"{e.GetType().Name}: {e.Message}"), nowUs, output);
        }
    }

    /// <summary>Emits open-candle updates that are due and the changelog records of everything changed since the last call.
    /// Called before each transaction commits, so state and outputs commit together.</summary>
    public void Flush(long nowUs, List<OutputRecord> output)
    {
        foreach (var s in _instruments.Values)
        {
            if (_topology.OpenCandleUpdates)
            {
                _scratch.Clear();
                s.Aggregator.TakeDueUpdates(nowUs, _throttleUs, _scratch);
                foreach (var c in _scratch)
                    output.Add(new(_topology.CandlesOut, null, s.KeyBytes, c.ToMessage(s.Instrument).ToByteArray(), CandleHeaders));
            }

            if (s.ValidatorDirty)
            {
                output.Add(new(_topology.ValidatorState, s.Partition, s.KeyBytes, s.Validator.Serialize(), null));
                s.ValidatorDirty = false;
            }
            var metaDirty = s.Aggregator.MetaDirty;
            _scratch.Clear();
            _removed.Clear();
            s.Aggregator.TakeChanges(_scratch, _removed);
            foreach (var c in _scratch)
                output.Add(new(_topology.AggregatorState, s.Partition, CandleKey(s.Key, c.Interval.Name, c.OpenTimeUs), SerializeCandle(c), null));
            foreach (var (i, open) in _removed)
                output.Add(new(_topology.AggregatorState, s.Partition, CandleKey(s.Key, CandleInterval.All[i].Name, open), null, null));
            for (var i = 0; i < s.Series.Length; i++)
            {
                if (!s.SeriesDirty[i]) continue;
                s.SeriesDirty[i] = false;
                output.Add(new(_topology.IndicatorState, s.Partition, Encoding.UTF8.GetBytes($"{s.Key}|{CandleInterval.All[i].Name}"),
                    s.Series[i]!.Serialize(), null));
            }
            if (metaDirty)
                output.Add(new(_topology.AggregatorState, s.Partition, Encoding.UTF8.GetBytes(s.Key + WatermarkSuffix),
                    s.Aggregator.SerializeMeta(), null));
        }
    }

    /// <summary>Loads one changelog record (latest wins; null value = deleted). Call for every record of the
    /// assigned partitions' changelogs before processing input.</summary>
    public void Restore(string topic, int partition, byte[] key, byte[]? value)
    {
        var k = Encoding.UTF8.GetString(key);
        if (topic == _topology.ValidatorState)
        {
            var s = StateOf(k, partition);
            if (value is not null) s.Validator = ValidatorState.Deserialize(value, _options.DedupeWindow);
        }
        else if (topic == _topology.AggregatorState)
        {
            if (k.EndsWith(WatermarkSuffix, StringComparison.Ordinal))
            {
                if (value is not null) StateOf(k[..^WatermarkSuffix.Length], partition).Aggregator.RestoreMeta(value);
                return;
            }
            var parts = k.Split('|');
            var interval = CandleInterval.Find(parts[1]) ?? throw new InvalidDataException($"changelog key {k}: unknown interval");
            var open = long.Parse(parts[2]);
            var state = StateOf(parts[0], partition);
            if (value is null) state.Aggregator.Forget(interval.Index, open);
            else state.Aggregator.Restore(DeserializeCandle(value, interval, open));
        }
        else if (topic == _topology.IndicatorState)
        {
            var parts = k.Split('|');
            var interval = CandleInterval.Find(parts[1]) ?? throw new InvalidDataException($"changelog key {k}: unknown interval");
            // A series written with other indicators (the configuration changed) keeps the ones still configured.
            StateOf(parts[0], partition).Series[interval.Index] = value is null ? null
                : IndicatorSeries.Deserialize(value, _indicatorSpecs, HistoryCapacity(interval));
        }
    }

    /// <summary>Forgets the state of instruments on partitions this instance no longer owns.</summary>
    public void DropPartitions(IEnumerable<int> partitions)
    {
        var set = partitions.ToHashSet();
        foreach (var key in _instruments.Where(e => set.Contains(e.Value.Partition)).Select(e => e.Key).ToList())
            _instruments.Remove(key);
    }

    public void DropAll() => _instruments.Clear();

    private void ProcessTrade(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        if (r.Value is null) { DeadLetter(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output); return; }
        if (!WireTrade.TryParse(r.Value, out var t))
        {
            DeadLetter(r, new(DeadLetterReasons.Malformed, "value is not a valid protobuf pipeline.v1.Trade"), nowUs, output);
            return;
        }
        // Outside a replay's range: not part of this version at all (not a dead letter either).
        if (_topology.Skips(t.EventTimeUs)) return;
        var ins = t.InstrumentLength < 0 ? null : _resolver.Resolve(r.Value.AsSpan(t.InstrumentOffset, t.InstrumentLength));
        if (ins is null || !ins.Complete)
        {
            DeadLetter(r, new(DeadLetterReasons.MissingInstrument, "trade has no complete instrument (exchange, base, quote, market)"), nowUs, output);
            return;
        }
        if (!ins.Known)
        {
            DeadLetter(r, new(DeadLetterReasons.UnknownInstrument, $"instrument {ins.Key} is not registered; add it to Instruments in the configuration"), nowUs, output);
            return;
        }
        if (_topology.Validate && _validator.CheckValues(t) is { } bad) { DeadLetter(r, bad, nowUs, output); return; }
        // An instrument's state lives with one partition: a record keyed otherwise may sit in another partition,
        // owned by another instance, and would be counted twice.
        if (r.Key is null || !r.Key.AsSpan().SequenceEqual(ins.KeyBytes))
        {
            DeadLetter(r, new(DeadLetterReasons.WrongKey, $"trades.raw records must be keyed by their instrument key '{ins.Key}' (so all of an instrument's trades share a partition)"), nowUs, output);
            return;
        }
        var s = StateOf(ins.Key, r.Partition);
        if (_topology.Validate && _validator.CheckHistory(t, ins.Key, s.Validator) is { } dup) { DeadLetter(r, dup, nowUs, output); return; }
        if (s.Aggregator.IsTooLate(t.EventTimeUs))
        {
            DeadLetter(r, new(DeadLetterReasons.TooLate, $"trade at {t.EventTimeUs} us is older than the revision horizon ({_options.RevisionHorizonMs} ms behind the watermark {s.Aggregator.WatermarkUs} us; Processing:RevisionHorizonMs)"), nowUs, output);
            return;
        }
        if (_topology.Validate)
        {
            var jumped = _validator.Accept(t, t.Price, s.Validator);
            s.ValidatorDirty = true;
            if (jumped) ProcessorMetrics.PriceJumps.Add(1);
            if (_topology.ValidTradesOut is { } validOut)
                output.Add(new(validOut, null, s.KeyBytes, r.Value, jumped ? FlaggedTradeHeaders : TradeHeaders));
        }

        _finals.Clear();
        s.Aggregator.Apply(new TradeTick(t.Price, t.Size, t.Aggressor, t.EventTimeUs, t.TradeId, t.Origin), _finals);
        if (_finals.Count > 0) EmitFinals(s, output);
    }

    private void ProcessEndOfInput(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        EndOfInput mark;
        try
        {
            if (r.Value is null) { DeadLetter(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output); return; }
            mark = EndOfInput.Parser.ParseFrom(r.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            DeadLetter(r, new(DeadLetterReasons.Malformed, $"value is not a pipeline.v1.EndOfInput ({e.Message})"), nowUs, output);
            return;
        }
        if (mark.Instrument is null || !_known.Contains(mark.Instrument.Key))
        {
            DeadLetter(r, new(DeadLetterReasons.UnknownInstrument, $"end-of-input mark for unregistered instrument {mark.Instrument?.Key}"), nowUs, output);
            return;
        }
        CloseThrough(mark.Instrument.Key, mark.ThroughTimeUs, output);
    }

    /// <summary>End of input of one instrument: every candle ending at or before <paramref name="throughUs"/> closes
    /// (a replay calls it for each instrument at the end of its range).</summary>
    public void CloseThrough(string instrumentKey, long throughUs, List<OutputRecord> output)
    {
        // No state means no trades were seen on this instance: nothing is open, nothing to close.
        if (!_instruments.TryGetValue(instrumentKey, out var s)) return;
        _finals.Clear();
        s.Aggregator.EndOfInput(throughUs, _finals);
        EmitFinals(s, output);
    }

    private void ProcessExchangeCandle(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        Candle candle;
        try
        {
            if (r.Value is null) { DeadLetter(r, new(DeadLetterReasons.EmptyValue, "record has no value"), nowUs, output); return; }
            candle = Candle.Parser.ParseFrom(r.Value);
        }
        catch (InvalidProtocolBufferException e)
        {
            DeadLetter(r, new(DeadLetterReasons.Malformed, $"value is not a pipeline.v1.Candle ({e.Message})"), nowUs, output);
            return;
        }
        if (ExchangeCandleCheck.Check(candle, _known) is { } bad) { DeadLetter(r, bad, nowUs, output); return; }
        candle.Source = CandleSource.Exchange;
        var interval = CandleInterval.Find(candle.Interval)!;
        candle.CloseTimeUs = candle.OpenTimeUs + interval.DurationUs;
        if (_topology.ExchangeCandlesOut is { } exchangeOut)
            output.Add(new(exchangeOut, null, Encoding.UTF8.GetBytes(candle.Instrument.Key), candle.ToByteArray(), CandleHeaders));
    }

    private void EmitFinals(InstrumentState s, List<OutputRecord> output)
    {
        foreach (var c in _finals)
        {
            if (c.Revision > 0) ProcessorMetrics.LateTrades.Add(1);
            if (!_topology.Writes(c.Interval)) continue;
            var bytes = c.ToMessage(s.Instrument).ToByteArray();
            output.Add(new(_topology.CandlesOut, null, s.KeyBytes, bytes, CandleHeaders));
            output.Add(new(_topology.FinalCandlesOut, null, s.KeyBytes, bytes, CandleHeaders));
            EmitIndicators(s, c, output);
        }
    }

    private void EmitIndicators(InstrumentState s, CandleState c, List<OutputRecord> output)
    {
        var i = c.Interval.Index;
        var series = s.Series[i] ??= new IndicatorSeries(_indicatorSpecs, HistoryCapacity(c.Interval));
        _rows.Clear();
        if (!series.Apply(new Bar(c.OpenTimeUs, c.Open, c.High, c.Low, c.Close, c.Volume), c.Revision, _rows))
        {
            ProcessorMetrics.IndicatorsNotRecomputed.Add(1);
            _log.LogWarning("Candle {Instrument} {Interval} {Open} revised beyond the indicator history; its indicator values were not recomputed",
                s.Key, c.Interval.Name, c.OpenTimeUs);
            return;
        }
        s.SeriesDirty[i] = true;
        foreach (var row in _rows)
            for (var k = 0; k < _indicatorNames.Length; k++)
            {
                var v = new IndicatorValue
                {
                    Instrument = s.Instrument,
                    Interval = c.Interval.Name,
                    OpenTimeUs = row.Bar.OpenTimeUs,
                    Indicator = _indicatorNames[k],
                    CandleRevision = row.Revision,
                };
                for (var f = 0; f < _indicatorFields[k].Length; f++)
                {
                    var field = new IndicatorField { Name = _indicatorFields[k][f] };
                    if (row.Values[k][f] is { } x && double.IsFinite(x)) field.Value = x;
                    v.Fields.Add(field);
                }
                output.Add(new(_topology.IndicatorsOut, null, s.KeyBytes, v.ToByteArray(), IndicatorHeaders));
            }
    }

    /// <summary>Closed candles kept per series for recomputation: enough to cover the revision horizon.</summary>
    private int HistoryCapacity(CandleInterval interval) =>
        (int)Math.Clamp((_options.RevisionHorizonMs + _options.AllowedLatenessMs) * 1000L / interval.DurationUs + 2, 2, 256);

    private void DeadLetter(ProcessorRecord r, Rejection why, long nowUs, List<OutputRecord> output)
    {
        ProcessorMetrics.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason", why.Code));
        _log.LogDebug("Dead-lettered {Topic}/{Partition}@{Offset}: {Code} {Reason}", r.Topic, r.Partition, r.Offset, why.Code, why.Reason);
        var dl = DeadLetterRecord.Create(r.Topic, r.Partition, r.Offset, r.Key, r.Value, why.Code, why.Reason, _name, nowUs);
        output.Add(new(_topology.DeadLettersOut, null, DeadLetterRecord.BoundedKey(r.Key), dl.ToByteArray(), DeadLetterHeaders));
    }

    private InstrumentState StateOf(string key, int partition)
    {
        if (!_instruments.TryGetValue(key, out var s))
        {
            s = new InstrumentState(InstrumentKey.Parse(key), partition, new ValidatorState(_options.DedupeWindow),
                new CandleAggregator(_options.AllowedLatenessMs * 1000L, _options.RevisionHorizonMs * 1000L));
            _instruments[key] = s;
        }
        return s;
    }

    private static byte[] CandleKey(string instrument, string interval, long openUs) =>
        Encoding.UTF8.GetBytes($"{instrument}|{interval}|{openUs}");

    private static byte[] SerializeCandle(CandleState c)
    {
        using var ms = new MemoryStream(160);
        using (var w = new BinaryWriter(ms))
        {
            w.Write((byte)1);
            c.Write(w);
        }
        return ms.ToArray();
    }

    private static CandleState DeserializeCandle(byte[] data, CandleInterval interval, long open)
    {
        using var r = new BinaryReader(new MemoryStream(data));
        if (r.ReadByte() != 1) throw new InvalidDataException("candle state: unknown format version");
        return CandleState.Read(r, interval, open);
    }

    private static Headers WithFlag(Headers h)
    {
        h.Add(PriceJumpHeader, "price_jump"u8.ToArray());
        return h;
    }
}
