// Republishes archived trades of [From, To) into a replay version's input topic (replay.<V>.trades, ADR 0006), in exchange-time
// order per instrument, keyed by instrument key (each instrument stays on one partition), then one end-of-input mark per
// instrument (header pipeline.type=end-of-input) through To, on the same topic.
//
// Exactly once across crashes: the records form one deterministic sequence (days ascending; within a day by exchange time,
// instrument key, trades.valid position; then the marks by instrument key). A transactional producer writes it in chunks,
// and each transaction also commits the sequence position reached as the offset of group "replay-<V>-archive" on partition
// 0 of the topic (SendOffsetsToTransaction): records and progress become visible together or not at all. A rerun (after
// Ctrl-C or kill -9) fences the old producer, aborts its open transaction, reads the committed position and skips that
// many records of the same sequence. Consumers read the topic read_committed. That is right only for the same request, so the
// first run stores its request (RepublishSource, key "archive" of replay.<V>.plan) and a rerun with another one is refused.
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

public sealed class ArchiveRepublisher(ArchiveStore store, ArchiveLayout layout, KafkaClientSettings kafka, ILogger logger)
{
    private static readonly Headers TradeHeaders = MessageHeaders.For<Trade>();

    /// <summary>Records per transaction: large enough that commits cost little, small enough that a crash redoes little.</summary>
    public int TransactionRecords { get; init; } = 20_000;

    /// <summary>Crash tests only (env PIPELINE_TEST_REPUBLISH_KILL_AFTER_COMMITS): after this many committed transactions the
    /// process kills itself (SIGKILL) halfway through the next one, with its records sent and the transaction open, so a
    /// test crashes it at a named point instead of racing a fast run with an outside kill -9.</summary>
    public int? KillMidTransactionAfterCommits { get; init; }

    public static string ProgressGroup(RepublishRequest request) => $"replay-{request.Version.Name}-archive";

    /// <summary>Headers of an end-of-input mark inside a trades topic.</summary>
    public static Headers MarkHeaders()
    {
        var headers = MessageHeaders.For<EndOfInput>();
        headers.Remove(MessageHeaders.MessageType);
        headers.Add(MessageHeaders.MessageType, System.Text.Encoding.UTF8.GetBytes(MessageHeaders.EndOfInputMark));
        return headers;
    }

    /// <summary>Partitions of trades.raw when it exists: the republished topic gets as many, like the live input.</summary>
    private int? RawTradesPartitions()
    {
        using var admin = new AdminClientBuilder(kafka.Admin("archive-republish-admin")).Build();
        var meta = admin.GetMetadata(TopicCatalog.RawTrades.Name, TimeSpan.FromSeconds(30));
        var raw = meta.Topics.SingleOrDefault(t => t.Topic == TopicCatalog.RawTrades.Name);
        return raw is { Error.IsError: false, Partitions.Count: > 0 } ? raw.Partitions.Count : null;
    }

    /// <summary>The request an earlier republish into <paramref name="version"/> started with; null when none did.</summary>
    public static RepublishSource? StoredSource(KafkaClientSettings kafka, DataVersion version)
    {
        var topic = new VersionTopics(version).Plan.Name;
        using (var admin = new AdminClientBuilder(kafka.Admin("archive-republish-admin")).Build())
        {
            var meta = admin.GetMetadata(TimeSpan.FromSeconds(30));
            if (!meta.Topics.Any(t => t.Topic == topic && !t.Error.IsError))
                return null;
        }
        var config = kafka.Consumer($"replay-{version.Name}-archive-source", $"replay-{version.Name}-archive-source");
        // The replay's last transaction writes to this topic too: its commit marker can be the last offset, so the end is
        // found by the end-of-partition event, not by reaching high - 1.
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var tp = new TopicPartition(topic, 0);
        var high = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30)).High.Value;
        if (high <= 0)
            return null;
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        RepublishSource? source = null;
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            var cr = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (cr is null)
                continue;
            if (cr.IsPartitionEOF)
            {
                if (cr.Offset.Value >= high)
                    return source;
                continue;
            }
            if (cr.Message.Key is { } key && System.Text.Encoding.UTF8.GetString(key) == RepublishSource.Key)
                source = cr.Message.Value is { } v ? RepublishSource.FromJson(v) : null;
            if (cr.Offset.Value + 1 >= high)
                return source;
        }
        throw new DependencyUnavailableException(
            $"Kafka at {kafka.BootstrapServers}: {topic} could not be read to its end within 30 s; "
                + "check that the broker is running and answers, then run the republish again"
        );
    }

    /// <summary>First run: forget progress a dropped version of the same name may have left, then store the request.
    /// Rerun: the request must be the stored one, or skipping the committed prefix would skip other records.</summary>
    private async Task CheckSourceAsync(RepublishRequest request, string group, CancellationToken ct)
    {
        var source = RepublishSource.Of($"s3://{store.Bucket}/{layout.Prefix}".TrimEnd('/'), request);
        var stored = StoredSource(kafka, request.Version);
        if (stored is not null)
        {
            if (!stored.SameAs(source))
                throw new InvalidRequestException(
                    $"version {request.Version} is being republished from {stored}; rerun with that archive, range and "
                        + "instruments to resume it, or choose another name with --into (or drop it: "
                        + $"pipeline replay drop {request.Version} --force)"
                );
            return;
        }
        using (var admin = new AdminClientBuilder(kafka.Admin("archive-republish-admin")).Build())
        {
            try
            {
                await admin.DeleteGroupsAsync([group]);
            }
            catch (DeleteGroupsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.GroupIdNotFound)) { }
        }
        using var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer($"{group}-source")).Build();
        await producer.ProduceAsync(
            new VersionTopics(request.Version).Plan.Name,
            new Message<byte[], byte[]> { Key = System.Text.Encoding.UTF8.GetBytes(RepublishSource.Key), Value = source.ToJson() },
            ct
        );
    }

    public async Task<RepublishResult> RunAsync(
        RepublishRequest request,
        int partitions,
        short replicationFactor,
        IProgress<long>? progress,
        CancellationToken ct
    )
    {
        if (request.FromUs >= request.ToUs)
            throw new InvalidRequestException(
                $"the range is empty: --from {ArchiveTime.ToUtc(request.FromUs):O} is not before --to {ArchiveTime.ToUtc(request.ToUs):O}"
            );
        var reader = new ArchiveTradeReader(store, layout);
        var days = ArchiveTradeReader.Days(request.FromUs, request.ToUs).ToList();
        var anyFile = false;
        foreach (var day in days)
            if ((await reader.DayFilesAsync(day, ct)).Count > 0)
            {
                anyFile = true;
                break;
            }
        if (!anyFile)
            throw new InvalidRequestException(
                $"the archive s3://{store.Bucket}/{layout.DatasetPrefix("trades")} has no trades from "
                    + $"{days[0]:yyyy-MM-dd} to {days[^1]:yyyy-MM-dd}; check --from/--to and the archive's bucket and prefix"
            );

        var topics = new VersionTopics(request.Version);
        var topic = topics.Input;
        await TopicProvisioner.EnsureTopicsAsync(
            kafka,
            RawTradesPartitions() ?? partitions,
            replicationFactor,
            logger,
            [topic, topics.Plan],
            ct
        );
        var group = ProgressGroup(request);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.Producer(group, transactionalId: group))
            .SetLogHandler(
                (_, m) =>
                {
                    if (m.Level <= SyslogLevel.Warning)
                        logger.LogWarning("librdkafka: {Message}", m.Message);
                }
            )
            .Build();
        // Fences an earlier run of this republish and aborts whatever transaction it left open. This must come before the
        // progress is read: a killed run's open transaction holds the group's offset unstable (UNSTABLE_OFFSET_COMMIT), so
        // reading first waited for the transaction timeout and failed (a rerun right after kill -9 timed out in CI).
        producer.InitTransactions(TimeSpan.FromSeconds(60));
        await CheckSourceAsync(request, group, ct);
        using var progressConsumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer(group, group)).Build();
        var position = new TopicPartition(topic.Name, 0);
        var committed = progressConsumer.Committed([position], TimeSpan.FromSeconds(30)).Single().Offset;
        var done = committed.IsSpecial ? 0 : committed.Value;

        long sequence = 0,
            trades = 0;
        var marks = 0;
        var inTransaction = 0;
        var instruments = new SortedDictionary<string, InstrumentRef>(StringComparer.Ordinal);
        var commits = 0;
        void Send(byte[] key, byte[] value, Headers headers)
        {
            if (sequence++ < done)
                return;
            if (inTransaction == 0)
                producer.BeginTransaction();
            producer.Produce(
                topic.Name,
                new Message<byte[]?, byte[]?>
                {
                    Key = key,
                    Value = value,
                    Headers = headers,
                }
            );
            if (++inTransaction >= TransactionRecords)
                Commit();
            else if (commits == KillMidTransactionAfterCommits && inTransaction == Math.Max(1, TransactionRecords / 2))
            {
                producer.Flush(TimeSpan.FromSeconds(30));
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }
        }
        void Commit()
        {
            if (inTransaction == 0)
                return;
            producer.SendOffsetsToTransaction(
                [new TopicPartitionOffset(position, sequence)],
                progressConsumer.ConsumerGroupMetadata,
                TimeSpan.FromSeconds(60)
            );
            producer.CommitTransaction(TimeSpan.FromSeconds(60));
            inTransaction = 0;
            commits++;
            progress?.Report(sequence);
        }

        foreach (var day in days)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var t in await reader.ReadDayAsync(day, request.FromUs, request.ToUs, request.Instruments, ct))
            {
                var key = t.Trade.Instrument.Key;
                instruments.TryAdd(key, t.Trade.Instrument);
                var before = sequence;
                Send(System.Text.Encoding.UTF8.GetBytes(key), t.Trade.ToByteArray(), TradeHeaders);
                if (before >= done)
                    trades++;
            }
        }
        if (instruments.Count == 0)
        {
            if (inTransaction > 0)
                producer.AbortTransaction(TimeSpan.FromSeconds(60));
            throw new InvalidRequestException(
                $"the archive has no trades in [{ArchiveTime.ToUtc(request.FromUs):O}, {ArchiveTime.ToUtc(request.ToUs):O})"
                    + (request.Instruments is null ? "" : $" for {string.Join(", ", request.Instruments)}")
                    + "; check --from/--to and --instrument"
            );
        }
        foreach (var (key, instrument) in instruments)
        {
            var before = sequence;
            var mark = new EndOfInput
            {
                Instrument = instrument,
                Origin = Origin.Import,
                ThroughTimeUs = request.ToUs,
            };
            Send(System.Text.Encoding.UTF8.GetBytes(key), mark.ToByteArray(), MarkHeaders());
            if (before >= done)
                marks++;
        }
        Commit();
        logger.LogInformation(
            "Republished {Trades} trades and {Marks} end-of-input marks into {Topic} ({Done} were already there)",
            trades,
            marks,
            topic.Name,
            Math.Min(done, sequence)
        );
        return new RepublishResult(topic.Name, trades, marks, Math.Min(done, sequence), sequence);
    }
}
