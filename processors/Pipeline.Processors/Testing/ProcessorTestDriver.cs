// An in-process driver for MarketDataProcessor (like Kafka Streams' TopologyTestDriver): pipe records in,
// advance processing time, commit, read outputs, and crash/restart from the changelog, all without a broker.
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Processors.Testing;

public sealed class ProcessorTestDriver
{
    private readonly ProcessingOptions _options;
    private readonly string[] _instruments;
    private MarketDataProcessor _processor;
    private readonly List<OutputRecord> _pending = new();
    private readonly Dictionary<string, List<OutputRecord>> _committed = new();
    private readonly List<ProcessorRecord> _inputs = new();
    private int _committedInputs;

    public ProcessorTestDriver(ProcessingOptions options, IEnumerable<string> instruments, long startUs = 1_700_000_000_000_000)
    {
        _options = options;
        _instruments = instruments.ToArray();
        _processor = New();
        _nowUs = startUs;
    }

    /// <summary>A driver whose processing time is <paramref name="clock"/> (a test's manual TimeProvider), optionally with
    /// another topology (e.g. a replay's).</summary>
    public ProcessorTestDriver(
        ProcessingOptions options,
        IEnumerable<string> instruments,
        TimeProvider clock,
        ProcessorTopology? topology = null
    )
    {
        _options = options;
        _instruments = instruments.ToArray();
        _clock = clock;
        _topology = topology;
        _processor = New();
    }

    private readonly TimeProvider? _clock;
    private readonly ProcessorTopology? _topology;
    private long _nowUs;

    private MarketDataProcessor New() => new(_options, _instruments, NullLogger.Instance, "test-driver", _topology);

    /// <summary>Processing (wall-clock) time the processor sees: the open-update throttle and the wall-clock close of
    /// real-time candles use it; candles are built by event time only.</summary>
    public long NowUs
    {
        get => _clock is null ? _nowUs : UnixMicros.Now(_clock).Value;
        set
        {
            if (_clock is not null)
                throw new InvalidOperationException("this driver reads its time from a TimeProvider: advance that");
            _nowUs = value;
        }
    }

    public void AdvanceTime(TimeSpan by) => NowUs += (long)(by.TotalMilliseconds * 1000);

    public void Pipe(string topic, byte[]? key, byte[]? value, int partition = 0, bool endOfInput = false)
    {
        var r = new ProcessorRecord(topic, partition, _inputs.Count(i => i.Topic == topic && i.Partition == partition), key, value)
        {
            IsEndOfInput = endOfInput,
        };
        _inputs.Add(r);
        _processor.Process(r, NowUs, _pending);
    }

    public void PipeTrade(Trade trade, int partition = 0) =>
        Pipe(TopicCatalog.RawTrades.Name, System.Text.Encoding.UTF8.GetBytes(trade.Instrument?.Key ?? ""), trade.ToByteArray(), partition);

    /// <summary>An end-of-input mark on trades.raw, as producers publish it (ADR 0007).</summary>
    public void PipeEndOfInput(EndOfInput mark, int partition = 0) =>
        Pipe(
            TopicCatalog.RawTrades.Name,
            System.Text.Encoding.UTF8.GetBytes(mark.Instrument.Key),
            mark.ToByteArray(),
            partition,
            endOfInput: true
        );

    /// <summary>What the host does before committing a transaction: flush, then make every pending output visible.</summary>
    public void Commit()
    {
        _processor.Flush(NowUs, _pending);
        foreach (var o in _pending)
        {
            if (!_committed.TryGetValue(o.Topic, out var list))
                _committed[o.Topic] = list = new();
            list.Add(o);
        }
        _pending.Clear();
        _committedInputs = _inputs.Count;
    }

    /// <summary>What the host does when its consumer reaches the end of a trades partition.</summary>
    public void CaughtUp(int partition = 0) => _processor.CaughtUp(partition);

    /// <summary>Simulates kill -9 and restart: uncommitted outputs vanish, a new processor restores from the committed
    /// changelog, and inputs after the last commit are delivered again (as a consumer resumes from committed offsets).</summary>
    public void CrashAndRestart()
    {
        _pending.Clear();
        _processor = New();
        foreach (var topic in MarketDataProcessor.ChangelogTopics)
        foreach (var r in Committed(topic))
            _processor.Restore(topic, r.Partition ?? 0, r.Key!, r.Value);
        var replay = _inputs.Skip(_committedInputs).ToList();
        _inputs.RemoveRange(_committedInputs, _inputs.Count - _committedInputs);
        foreach (var r in replay)
        {
            _inputs.Add(r);
            _processor.Process(r, NowUs, _pending);
        }
    }

    /// <summary>Loads a changelog record written elsewhere (e.g. by an older version), as if it had been committed here.</summary>
    public void Restore(string topic, int partition, byte[] key, byte[]? value)
    {
        _processor.Restore(topic, partition, key, value);
        if (!_committed.TryGetValue(topic, out var list))
            _committed[topic] = list = new();
        list.Add(new(topic, partition, key, value, null));
    }

    public IReadOnlyList<OutputRecord> Committed(string topic) => _committed.TryGetValue(topic, out var list) ? list : [];

    public List<T> Read<T>(string topic)
        where T : IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Committed(topic).Select(o => parser.ParseFrom(o.Value)).ToList();
    }

    public List<Candle> Candles() => Read<Candle>(TopicCatalog.Candles.Name);

    public List<Candle> FinalCandles() => Read<Candle>(TopicCatalog.FinalCandles.Name);

    public List<DeadLetter> DeadLetters() => Read<DeadLetter>(TopicCatalog.DeadLetters.Name);
}
