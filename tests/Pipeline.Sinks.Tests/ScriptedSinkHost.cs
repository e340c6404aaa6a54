// The batch writer's surroundings for its state machine tests: each write attempt does what the test scripted
// (succeed, fail with a failure a real PostgreSQL produced, or wait for a gate), and every call is recorded.
using Confluent.Kafka;

namespace Pipeline.Sinks.Tests;

internal sealed class ScriptedSinkHost : ISinkWriterHost
{
    private readonly Queue<Func<Task>> _attempts = new();

    /// <summary>The writer under test (set after it is built), to record its state while a retry waits.</summary>
    public SinkBatchWriter? Writer { get; set; }
    public List<(int Partitions, int Records)> Written { get; } = new();
    public List<TimeSpan> Waits { get; } = new();
    public List<SinkWriteState> StatesWhileWaiting { get; } = new();
    public List<(IReadOnlyList<TopicPartitionOffset> Positions, bool CommitLag)> Commits { get; } = new();
    public int TransientFailures { get; private set; }
    public int Reseeks { get; private set; }

    /// <summary>Runs during the next backoff wait (e.g. a rebalance callback the consumer's poll would run).</summary>
    public Action? DuringNextWait { get; set; }

    public ScriptedSinkHost Succeeds() => Then(() => Task.CompletedTask);

    public ScriptedSinkHost Fails(Exception failure) => Then(() => Task.FromException(failure));

    public ScriptedSinkHost WaitsFor(Task gate) => Then(() => gate);

    private ScriptedSinkHost Then(Func<Task> attempt)
    {
        _attempts.Enqueue(attempt);
        return this;
    }

    public Task WriteAsync(SinkBatch batch, IReadOnlyDictionary<TopicPartition, long> believed, CancellationToken ct)
    {
        Written.Add((batch.Slices.Count, batch.Count));
        return _attempts.Dequeue()();
    }

    public bool IsTransient(Exception failure) => SinkFailures.IsTransient(failure, connectionOpen: true);

    public void OnTransientFailure(Exception failure) => TransientFailures++;

    public void WaitKeepingMembership(TimeSpan delay, CancellationToken ct)
    {
        Waits.Add(delay);
        StatesWhileWaiting.Add(Writer!.State);
        var during = DuringNextWait;
        DuringNextWait = null;
        during?.Invoke();
    }

    public void Reseek() => Reseeks++;

    public void OnCommitted(SinkBatch batch, IReadOnlyList<TopicPartitionOffset> positions, bool commitLag) =>
        Commits.Add((positions, commitLag));
}
