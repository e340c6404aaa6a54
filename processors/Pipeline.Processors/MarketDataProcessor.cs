// The processing topology without Kafka, as a router over named steps: a raw trade goes through validation, candle
// aggregation and indicators; a venue candle through the exchange-candle step; an end-of-input mark closes open candles.
// What it remembers lives in state stores that write their own changelog (validator, candles, watermarks, indicators):
// Flush and Restore are loops over them. The host (ProcessorHost) and the test driver (ProcessorTestDriver) both feed
// it records and write its outputs.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Indicators;
using Pipeline.Processors.State;
using Pipeline.Processors.Steps;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors;

public sealed class MarketDataProcessor
{
    public const string PriceJumpHeader = "pipeline.flag";

    private readonly ILogger _log;
    private readonly long _throttleUs;
    private readonly ProcessorTopology _topology;
    private readonly InstrumentStates _states;
    private readonly IStateStore[] _stores;
    private readonly DeadLetterWriter _deadLetters;
    private readonly TradeValidationStep _validation;
    private readonly CandleAggregationStep _candles;
    private readonly ExchangeCandleStep _exchangeCandles;
    private readonly EndOfInputStep _endOfInput;

    /// <param name="topology">Topics and behaviour; null = the live processor's (<see cref="ProcessorTopology.Live"/>).</param>
    public MarketDataProcessor(
        ProcessingOptions options,
        IEnumerable<string> instrumentKeys,
        ILogger logger,
        string name = "processor",
        ProcessorTopology? topology = null
    )
    {
        _topology = topology ?? ProcessorTopology.Live;
        _log = logger;
        _throttleUs = options.OpenUpdateThrottleMs * 1000L;
        var known = instrumentKeys.ToHashSet();
        var specs = options.Indicators.Count > 0 ? options.Indicators.ToList() : IndicatorFactory.Defaults;
        _states = new InstrumentStates(options);
        var validator = new ValidatorStore(_topology.ValidatorState, _states, options.DedupeWindow);
        var indicatorStore = new IndicatorStore(_topology.IndicatorState, _states, specs, i => IndicatorStep.HistoryCapacity(options, i));
        // Flush order per instrument (kept from the format's first version, so changelog records come in the same order).
        _stores =
        [
            validator,
            new CandleStore(_topology.AggregatorState, _states),
            indicatorStore,
            new WatermarkStore(_topology.AggregatorState, _states),
        ];
        _deadLetters = new DeadLetterWriter(name, _topology.DeadLettersOut, logger);
        _validation = new TradeValidationStep(options, _topology, known, _states, validator, _deadLetters);
        _candles = new CandleAggregationStep(_topology, new IndicatorStep(options, _topology, specs, indicatorStore, logger));
        _exchangeCandles = new ExchangeCandleStep(_topology, known, _deadLetters);
        _endOfInput = new EndOfInputStep(known, _states, _candles, _deadLetters);
    }

    public static IReadOnlyList<string> InputTopics { get; } = [TopicCatalog.RawTrades.Name, TopicCatalog.RawExchangeCandles.Name];

    public static IReadOnlyList<string> ChangelogTopics { get; } =
    [TopicCatalog.ValidatorState.Name, TopicCatalog.AggregatorState.Name, TopicCatalog.IndicatorState.Name];

    public ProcessorTopology Topology => _topology;

    public IReadOnlyDictionary<string, InstrumentState> Instruments => _states.All;

    public void Process(ProcessorRecord r, long nowUs, List<OutputRecord> output)
    {
        ProcessorMetrics.Records.Add(1);
        if (r.FramingFault is { } fault)
        {
            _deadLetters.Write(r, new(r.FramingFaultCode, fault), nowUs, output);
            return;
        }
        // A record bigger than any real one is a dead letter before anything parses it: passed on, it could exceed
        // the producer's message limit and crash-loop the processor (issue 18: a 1.2 MB value).
        if (r.Value is { Length: > RecordBounds.MaxRecordBytes })
        {
            _deadLetters.Write(
                r,
                new(
                    DeadLetterReasons.TooLarge,
                    $"the value has {r.Value.Length} bytes, more than the {RecordBounds.MaxRecordBytes} a record may have"
                ),
                nowUs,
                output
            );
            return;
        }
        var before = output.Count;
        try
        {
            if (r.IsEndOfInput || (r.Topic == _topology.EndOfInput && r.Topic != _topology.Trades))
                _endOfInput.Process(r, nowUs, output);
            else if (r.Topic == _topology.Trades)
            {
                if (_validation.Accept(r, nowUs, output, out var trade) is { } state)
                    _candles.Apply(state, trade, nowUs, output);
            }
            else if (r.Topic == _topology.ExchangeCandles)
                _exchangeCandles.Process(r, nowUs, output);
            else
                _deadLetters.Write(r, new(DeadLetterReasons.UnknownTopic, $"the processor does not read topic {r.Topic}"), nowUs, output);
        }
        catch (Exception e) when (e is ArithmeticException or ArgumentException or FormatException or InvalidDataException)
        {
            // Validation should have caught it; still, one record must not stop the partition (a restart would meet it
            // again). Its outputs are dropped and it becomes a dead letter; the error is logged for a fix.
            output.RemoveRange(before, output.Count - before);
            ProcessorMetrics.ProcessingFailures.Add(1);
            _log.LogError(e, "Record {Topic}/{Partition}@{Offset} could not be processed; dead-lettered", r.Topic, r.Partition, r.Offset);
            _deadLetters.Write(r, new(DeadLetterReasons.ProcessingFailed, $"{e.GetType().Name}: {e.Message}"), nowUs, output);
        }
    }

    /// <summary>Closes candles of real-time instruments that the wall clock passed (ProcessorTopology.WallClockClose),
    /// emits open-candle updates that are due and the changelog records of everything changed since the last call.
    /// Called before each transaction commits, so state and outputs commit together.</summary>
    public void Flush(long nowUs, List<OutputRecord> output)
    {
        foreach (var s in _states.Values)
        {
            _candles.CloseByClock(s, nowUs, output);
            _candles.EmitOpenUpdates(s, nowUs, _throttleUs, output);
            foreach (var store in _stores)
                store.Flush(s, output);
        }
    }

    /// <summary>The consumer reached the end of input partition <paramref name="partition"/> (the host's partition EOF):
    /// no trade of its instruments waits any more, so the wall clock may close their candles again — after a restart, whose
    /// restored real-time instruments wait for this, or after a backlog.</summary>
    public void CaughtUp(int partition)
    {
        foreach (var s in _states.Values)
            if (s.Partition == partition)
                s.CaughtUp = true;
    }

    /// <summary>Loads one changelog record (latest wins; null value = deleted). Call for every record of the
    /// assigned partitions' changelogs before processing input.</summary>
    public void Restore(string topic, int partition, byte[] key, byte[]? value)
    {
        foreach (var store in _stores)
            if (store.Topic == topic && store.Owns(key))
            {
                store.Restore(partition, key, value);
                return;
            }
    }

    /// <summary>Forgets the state of instruments on partitions this instance no longer owns.</summary>
    public void DropPartitions(IEnumerable<int> partitions)
    {
        var set = partitions.ToHashSet();
        foreach (var s in _states.Values.Where(s => set.Contains(s.Partition)))
        foreach (var store in _stores)
            store.Forget(s);
        _states.DropPartitions(set);
    }

    public void DropAll()
    {
        foreach (var s in _states.Values)
        foreach (var store in _stores)
            store.Forget(s);
        _states.Clear();
    }

    /// <summary>End of input of one instrument: every candle ending at or before <paramref name="throughUs"/> closes
    /// (a replay calls it for each instrument at the end of its range).</summary>
    public void CloseThrough(string instrumentKey, long throughUs, List<OutputRecord> output) =>
        _endOfInput.CloseThrough(instrumentKey, throughUs, output);
}
