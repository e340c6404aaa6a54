// The API's view of backfill jobs and venue gaps: its own copies of the compacted backfill.jobs and venue.coverage
// topics (read from their beginning, then followed), and the producer that asks for a job by writing its first record.
// The producers role runs the job and writes its progress to the same key; nothing of it lives in this process.
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas.V1;

namespace Pipeline.Api.Backfills;

public sealed class BackfillDirectory : BackgroundService
{
    private readonly KafkaClientSettings _kafka;
    private readonly Lazy<IProducer<string, byte[]>> _producer;
    private int _disposed;

    public BackfillDirectory(KafkaClientSettings kafka, ILogger<BackfillDirectory> log)
    {
        _kafka = kafka;
        Jobs = new TopicTable<BackfillJob>(kafka, TopicCatalog.BackfillJobs, log)
        {
            Supersedes = (held, read) => read.UpdatedAtUs >= held.UpdatedAtUs,
        };
        Coverage = new TopicTable<VenueCoverage>(kafka, TopicCatalog.VenueCoverage, log);
        _producer = new(() =>
            new ProducerBuilder<string, byte[]>(_kafka.Producer("pipeline-api-backfills"))
                .SetLogHandler((_, m) => log.LogDebug("librdkafka: {Message}", m.Message))
                .Build()
        );
    }

    public TopicTable<BackfillJob> Jobs { get; }
    public TopicTable<VenueCoverage> Coverage { get; }

    /// <summary>Writes the job's first record and waits for Kafka to acknowledge it (so a restarted API still knows it).</summary>
    public async Task RequestAsync(BackfillJob job, CancellationToken ct)
    {
        var topic = TopicCatalog.BackfillJobs.Name;
        await _producer.Value.ProduceAsync(
            topic,
            new Message<string, byte[]>
            {
                Key = job.Id,
                Value = RecordValues.Write(topic, job.ToByteArray()),
                Headers = RecordValues.HeadersFor(topic, MessageHeaders.For<BackfillJob>()),
            },
            ct
        );
        Jobs.Remember(job.Id, job);
    }

    /// <summary>The venue's own gaps recorded for an instrument (any interval), merged, in time order.</summary>
    public IReadOnlyList<(long FromUs, long ToUs)> VenueGaps(string instrumentKey)
    {
        var ranges = Coverage
            .Snapshot()
            .Where(c => c.Value.Instrument?.Key == instrumentKey)
            .SelectMany(c => c.Value.VenueGaps)
            .Select(g => (g.FromUs, g.ToUs))
            .OrderBy(g => g.FromUs)
            .ToList();
        var merged = new List<(long FromUs, long ToUs)>();
        foreach (var (f, t) in ranges)
        {
            if (merged.Count > 0 && f <= merged[^1].ToUs)
                merged[^1] = (merged[^1].FromUs, Math.Max(merged[^1].ToUs, t));
            else
                merged.Add((f, t));
        }
        return merged;
    }

    protected override Task ExecuteAsync(CancellationToken ct) => Task.WhenAll(Jobs.RunAsync(ct), Coverage.RunAsync(ct));

    public override void Dispose()
    {
        // Registered as a singleton and as the hosted service: the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        if (_producer.IsValueCreated)
        {
            _producer.Value.Flush(TimeSpan.FromSeconds(5));
            _producer.Value.Dispose();
        }
        base.Dispose();
    }
}
