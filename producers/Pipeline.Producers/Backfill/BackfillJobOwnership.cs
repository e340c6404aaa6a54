// Which producers process runs backfill jobs: the member of consumer group "pipeline-backfill-runners" that Kafka assigns
// backfill.jobs' single partition to. Every process reads the whole topic (TopicTable) for progress, but only the owner
// runs jobs and asks for catch-ups, so several `pipeline produce` processes make each venue request once. When the owner
// stops (leaves the group) or dies (its session times out), Kafka hands the partition to another member, which resumes
// every unfinished part from the cursor on its record.
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Producers.Backfill;

public sealed class BackfillJobOwnership : IDisposable
{
    public const string Group = "pipeline-backfill-runners";

    private readonly KafkaClientSettings _kafka;
    private readonly string _group;
    private readonly ILogger _log;
    private readonly object _gate = new();
    private CancellationTokenSource? _owned;
    private TaskCompletionSource _gained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="group">The consumer group; only processes sharing it share the jobs (tests use their own).</param>
    public BackfillJobOwnership(KafkaClientSettings kafka, ILogger log, string group = Group)
    {
        _kafka = kafka;
        _group = group;
        _log = log;
    }

    /// <summary>True while this process holds backfill.jobs' partition.</summary>
    public bool Owned
    {
        get
        {
            lock (_gate)
                return _owned is not null;
        }
    }

    /// <summary>Times this process gained ownership.</summary>
    public int Gains { get; private set; }

    /// <summary>Waits until this process owns the jobs; the token it returns is cancelled when ownership is lost.</summary>
    public async Task<CancellationToken> WaitOwnedAsync(CancellationToken ct)
    {
        while (true)
        {
            Task gained;
            lock (_gate)
            {
                if (_owned is { } owned)
                    return owned.Token;
                gained = _gained.Task;
            }
            await gained.WaitAsync(ct);
        }
    }

    /// <summary>Stays in the group until cancelled (a dedicated thread polls the consumer, which keeps the membership and
    /// serves the assignment callbacks); leaves it on the way out, so another member takes over at once.</summary>
    public Task RunAsync(CancellationToken ct) =>
        Task
            .Factory.StartNew(() => Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ContinueWith(t => t.Exception is { } e ? Task.FromException(e.InnerException!) : Task.CompletedTask, TaskScheduler.Default)
            .Unwrap();

    private void Run(CancellationToken ct)
    {
        var topic = TopicCatalog.BackfillJobs.Name;
        var config = _kafka.Consumer("pipeline-backfill-owner", _group);
        // Membership only: the jobs themselves are read by the TopicTable, so this consumer starts at the end.
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetPartitionsAssignedHandler(
                (_, parts) =>
                {
                    if (parts.Any(p => p.Topic == topic))
                        Gain();
                }
            )
            .SetPartitionsRevokedHandler(
                (_, parts) =>
                {
                    if (parts.Any(p => p.Topic == topic))
                        Lose("revoked");
                }
            )
            .SetPartitionsLostHandler(
                (_, parts) =>
                {
                    if (parts.Any(p => p.Topic == topic))
                        Lose("lost");
                }
            )
            .SetErrorHandler((_, e) => _log.LogWarning("Backfill job ownership consumer: {Reason}", e.Reason))
            .SetLogHandler((_, m) => _log.LogDebug("librdkafka {Facility}: {Message}", m.Facility, m.Message))
            .Build();
        consumer.Subscribe(topic);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    consumer.Consume(TimeSpan.FromMilliseconds(200));
                }
                catch (ConsumeException e)
                {
                    _log.LogWarning("Backfill job ownership consumer: {Reason}", e.Error.Reason);
                }
            }
        }
        finally
        {
            Lose("stopping");
            try
            {
                consumer.Close();
            }
            catch (KafkaException e)
            {
                _log.LogWarning("Leaving group {Group} failed: {Reason}", _group, e.Error.Reason);
            }
        }
    }

    private void Gain()
    {
        lock (_gate)
        {
            if (_owned is not null)
                return;
            _owned = new CancellationTokenSource();
            Gains++;
            _gained.TrySetResult();
        }
        _log.LogInformation("This producers process now runs the backfill jobs (owns {Topic})", TopicCatalog.BackfillJobs.Name);
    }

    private void Lose(string why)
    {
        CancellationTokenSource? owned;
        lock (_gate)
        {
            owned = _owned;
            _owned = null;
            if (owned is null)
                return;
            _gained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        _log.LogInformation("Backfill jobs ownership {Why}: another producers process takes over", why);
        // Not disposed: jobs still hold linked tokens of it; cancelling is what tells them.
        owned.Cancel();
    }

    public void Dispose() => Lose("disposed");
}
