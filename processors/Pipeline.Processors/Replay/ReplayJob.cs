// Reprocesses the trades of an exchange-time range into a new version's replay.<V>.* topics (ADR 0006), exactly once
// and resumable: MarketDataProcessor with the version's topology, one transactional id replay-<V>-0 and consumer group
// replay-<V>, outputs, changelogs and input offsets in one transaction. The plan (input positions fixed at plan time)
// is stored in replay.<V>.plan first, so a run restarted after Ctrl-C or kill -9 reads the same records.
// Library entry point: PlanAsync(request) checks the request and plans (or finds the plan to resume), RunAsync runs it.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Hosting;
using Pipeline.Processors.Indicators;
using Pipeline.Schemas;

namespace Pipeline.Processors.Replay;

public sealed class ReplayJob
{
    private const string PlanKey = "plan";
    private const string CompleteKey = "complete";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly KafkaClientSettings _kafka;
    private readonly IReadOnlyCollection<string> _configured;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;

    private ReplayJob(
        KafkaClientSettings kafka,
        VersionTopics topics,
        ReplayPlan plan,
        ProcessingOptions processing,
        IReadOnlyCollection<string> configured,
        bool resumed,
        ILoggerFactory loggers
    )
    {
        _kafka = kafka;
        Topics = topics;
        Plan = plan;
        Processing = processing;
        _configured = configured;
        Resumed = resumed;
        _loggers = loggers;
        _log = loggers.CreateLogger<ReplayJob>();
    }

    public VersionTopics Topics { get; }
    public ReplayPlan Plan { get; }

    /// <summary>The processing options the replay runs with (the plan's settings on the live transaction settings).</summary>
    public ProcessingOptions Processing { get; }

    /// <summary>True when the version had this plan already (an interrupted run of the same request): RunAsync resumes it.</summary>
    public bool Resumed { get; }

    /// <summary>Checks the request (ArgumentException with one line saying what is wrong: range, instrument, interval,
    /// indicator, a version that exists, no data), then stores its plan and creates the version's topics, or finds the
    /// same request's plan and resumes it.</summary>
    /// <param name="configured">Instrument keys of the configuration (the processor knows only these).</param>
    public static async Task<ReplayJob> PlanAsync(
        KafkaClientSettings kafka,
        ReplayRequest request,
        IReadOnlyCollection<string> configured,
        ILoggerFactory loggers,
        CancellationToken ct = default
    )
    {
        var nowUs = UnixMicros.Now().Value;
        var draft = Check(request, configured, nowUs);
        var topics = new VersionTopics(request.Version);
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-replay-plan")).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(TimeSpan.FromSeconds(15));
        }
        catch (KafkaException e)
        {
            throw new DependencyUnavailableException(
                $"Kafka at {kafka.BootstrapServers} is unreachable ({e.Error.Reason}); start the broker or fix Kafka:Bootstrap"
            );
        }
        var partitions = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count);
        if (!partitions.TryGetValue(draft.Input, out var inputPartitions))
            throw new InvalidRequestException($"input topic {draft.Input} does not exist on {kafka.BootstrapServers}; nothing to replay");

        if (partitions.ContainsKey(topics.Plan.Name) && ReadPlan(kafka, request.Version) is { } existing)
        {
            var (plan, complete) = existing;
            if (complete)
                throw new InvalidRequestException(
                    $"version {request.Version} exists (a complete replay of {Iso(plan.FromUs)}..{Iso(plan.ToUs)}); "
                        + "choose another name with --into, or drop it first"
                );
            if (!plan.SameRequest(draft, request.ToUs is not null))
                throw new InvalidRequestException(
                    $"version {request.Version} exists with another plan ({Iso(plan.FromUs)}..{Iso(plan.ToUs)}, input {plan.Input}); "
                        + "re-run that replay's own command to resume it, or choose another name with --into"
                );
            return new ReplayJob(kafka, topics, plan, plan.ToProcessingOptions(request.Processing), configured, resumed: true, loggers);
        }
        // Topics without a plan are either the archive replay's input (fine) or a version someone wrote otherwise.
        foreach (var t in topics.All.Where(t => t != topics.Input && t != topics.Plan && partitions.ContainsKey(t.Name)))
            if (HasRecords(kafka, t.Name, partitions[t.Name]))
                throw new InvalidRequestException(
                    $"version {request.Version} exists (topic {t.Name} has records but no replay plan); "
                        + "choose another name with --into, or drop it first"
                );

        var (start, end) = Positions(kafka, draft.Input, inputPartitions, draft.FromUs - draft.MaxClockSkewMs * 1000L);
        var planned = draft with { Start = start, End = end, PlannedAtUs = nowUs };
        if (planned.Total == 0)
            throw new InvalidRequestException(
                $"no data: {draft.Input} has no records written at or after {Iso(draft.FromUs)} "
                    + "(its retention may have dropped them; replay older history from the archive)"
            );

        // The version's topics mirror their live counterparts; changelogs need at least the input's partitions.
        var specs = topics
            .All.Where(t => t != topics.Input)
            .Select(t =>
                t.Partitions is not null
                    ? t
                    : t with
                    {
                        Partitions = Math.Max(
                            inputPartitions,
                            topics.LiveTopicOf(t.Name) is { } live && partitions.TryGetValue(live.Name, out var n) ? n : 0
                        ),
                    }
            )
            .ToList();
        await TopicProvisioner.EnsureTopicsAsync(
            kafka,
            inputPartitions,
            ReplicationOf(metadata),
            loggers.CreateLogger<ReplayJob>(),
            specs,
            ct
        );
        // Offsets a dropped version of the same name may have left in the group would make this run skip input.
        try
        {
            await admin.DeleteGroupsAsync([GroupIdOf(request.Version)]);
        }
        catch (DeleteGroupsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.GroupIdNotFound)) { }
        using (var producer = new ProducerBuilder<byte[], byte[]>(kafka.Producer($"replay-{request.Version}-plan")).Build())
        {
            await producer.ProduceAsync(
                topics.Plan.Name,
                new Message<byte[], byte[]> { Key = Encoding.UTF8.GetBytes(PlanKey), Value = planned.ToJson() },
                ct
            );
        }
        return new ReplayJob(kafka, topics, planned, planned.ToProcessingOptions(request.Processing), configured, resumed: false, loggers);
    }

    /// <summary>The consumer group of a version's replay; its transactional id is this plus "-0".</summary>
    public static string GroupIdOf(DataVersion version) => $"replay-{version.Name}";

    /// <summary>Checks what needs no broker (range, instruments, intervals, indicators, name); ArgumentException with one
    /// line otherwise. PlanAsync checks the same; a CLI calls this first to answer before connecting anywhere.</summary>
    public static void CheckRequest(ReplayRequest request, IReadOnlyCollection<string> configured) =>
        Check(request, configured, UnixMicros.Now().Value);

    /// <summary>The stored plan of a version and whether it completed; null when the version has no plan.</summary>
    public static (ReplayPlan Plan, bool Complete)? ReadPlan(KafkaClientSettings kafka, DataVersion version)
    {
        var topic = new VersionTopics(version).Plan.Name;
        var config = kafka.Consumer($"replay-{version}-plan-reader", $"replay-{version}-plan-reader");
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        var tp = new TopicPartition(topic, 0);
        var high = consumer.QueryWatermarkOffsets(tp, Timeout).High.Value;
        if (high <= 0)
            return null;
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        ReplayPlan? plan = null;
        var complete = false;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Timeout)
        {
            var cr = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (cr is null)
                continue;
            if (cr.IsPartitionEOF)
            {
                if (cr.Offset.Value >= high)
                    break;
                continue;
            }
            var key = cr.Message.Key is null ? "" : Encoding.UTF8.GetString(cr.Message.Key);
            if (key == PlanKey && cr.Message.Value is { } v)
                plan = ReplayPlan.FromJson(v);
            else if (key == CompleteKey)
                complete = cr.Message.Value is not null;
            if (cr.Offset.Value + 1 >= high)
                break;
        }
        consumer.Close();
        return plan is null ? null : (plan, complete);
    }

    /// <summary>Runs the plan to its end (or until cancelled, committing the last complete transaction), on a dedicated
    /// thread: Kafka's consume call blocks.</summary>
    public Task<ReplayResult> RunAsync(IProgress<ReplayProgress>? progress, CancellationToken ct) =>
        Task.Factory.StartNew(() => Run(progress, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private ReplayResult Run(IProgress<ReplayProgress>? progress, CancellationToken ct)
    {
        using var run = new ReplayRun(this, _kafka, _configured, _loggers, _log);
        return run.Execute(progress, ct);
    }

    /// <summary>Checks what can be checked without a broker and resolves the request into a plan without positions.</summary>
    private static ReplayPlan Check(ReplayRequest r, IReadOnlyCollection<string> configured, long nowUs)
    {
        if (r.Version.IsLive)
            throw new InvalidRequestException("'live' is the live processors' version; give the replay its own name with --into (e.g. v2)");
        var toUs = r.ToUs ?? nowUs;
        if (r.FromUs >= toUs)
            throw new InvalidRequestException(
                $"--from {Iso(r.FromUs)} is not before --to {Iso(toUs)}; the range is [from, to) in exchange time (UTC)"
            );
        if (r.FromUs > nowUs)
            throw new InvalidRequestException($"--from {Iso(r.FromUs)} is in the future; there is nothing to replay yet");
        foreach (var k in r.Instruments.Where(k => !configured.Contains(k)))
            throw new InvalidRequestException($"unknown instrument '{k}'; configured instruments: {string.Join(", ", configured.Order())}");
        foreach (var i in r.Intervals.Where(i => CandleInterval.Find(i) is null))
            throw new InvalidRequestException($"unknown interval '{i}'; use one of {string.Join(", ", CandleInterval.Names)}");
        var indicators = r.Processing.Indicators.Count > 0 ? r.Processing.Indicators.ToList() : IndicatorFactory.Defaults.ToList();
        foreach (var spec in indicators)
        {
            try
            {
                IndicatorFactory.Create(spec);
            }
            catch (ArgumentException e)
            {
                throw new InvalidRequestException(e.Message, e);
            }
        }
        if (r.Processing.AllowedLatenessMs < 0 || r.Processing.RevisionHorizonMs < 0)
            throw new InvalidRequestException("Processing:AllowedLatenessMs and Processing:RevisionHorizonMs must be 0 or more");
        if (r.Processing.MaxClockSkewMs < 1 || r.Processing.DedupeWindow < 1 || r.Processing.PriceJumpFraction <= 0)
            throw new InvalidRequestException(
                "Processing:MaxClockSkewMs and Processing:DedupeWindow must be at least 1 and Processing:PriceJumpFraction above 0"
            );
        return new ReplayPlan
        {
            Version = r.Version.Name,
            FromUs = r.FromUs,
            ToUs = toUs,
            Instruments = r.Instruments.Distinct().Order(StringComparer.Ordinal).ToList(),
            Intervals = r.Intervals.Select(i => CandleInterval.Find(i)!).Distinct().OrderBy(i => i.Index).Select(i => i.Name).ToList(),
            Input = r.Input ?? (r.Revalidate ? TopicCatalog.RawTrades.Name : TopicCatalog.ValidTrades.Name),
            Revalidate = r.Revalidate,
            Indicators = indicators,
            AllowedLatenessMs = r.Processing.AllowedLatenessMs,
            RevisionHorizonMs = r.Processing.RevisionHorizonMs,
            MaxClockSkewMs = r.Processing.MaxClockSkewMs,
            DedupeWindow = r.Processing.DedupeWindow,
            PriceJumpFraction = r.Processing.PriceJumpFraction,
            Start = [],
            End = [],
            PlannedAtUs = 0,
        };
    }

    /// <summary>Start: the broker's timestamp index (OffsetsForTimes) on every partition, from a lookback of the allowed
    /// clock skew before the range (a record's timestamp is when it was written, never much before its event time).
    /// End: the last stable offset now.</summary>
    private static (List<long> Start, List<long> End) Positions(KafkaClientSettings kafka, string topic, int partitions, long sinceUs)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer("pipeline-replay-plan", "pipeline-replay-plan")).Build();
        var tps = Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)).ToList();
        var ends = tps.Select(tp => consumer.QueryWatermarkOffsets(tp, Timeout).High.Value).ToList();
        var sinceMs = Math.Max(0, sinceUs / 1000);
        var found = consumer
            .OffsetsForTimes(tps.Select(tp => new TopicPartitionTimestamp(tp, new Timestamp(sinceMs, TimestampType.CreateTime))), Timeout)
            .ToDictionary(o => o.Partition.Value, o => o.Offset);
        var starts = Enumerable
            .Range(0, partitions)
            .Select(p => found.TryGetValue(p, out var o) && o.Value >= 0 ? Math.Min(o.Value, ends[p]) : ends[p])
            .ToList();
        return (starts, ends);
    }

    private static bool HasRecords(KafkaClientSettings kafka, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(kafka.Consumer("pipeline-replay-plan", "pipeline-replay-plan")).Build();
        return Enumerable
            .Range(0, partitions)
            .Any(p =>
            {
                var w = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), Timeout);
                return w.High.Value > w.Low.Value;
            });
    }

    private static short ReplicationOf(Metadata metadata) =>
        (short)
            Math.Max(
                1,
                metadata.Topics.FirstOrDefault(t => t.Topic == TopicCatalog.ValidTrades.Name)?.Partitions.FirstOrDefault()?.Replicas.Length
                    ?? 1
            );

    internal static string Iso(long us) => new UnixMicros(us).ToIso();

    internal static byte[] CompleteRecordKey => Encoding.UTF8.GetBytes(CompleteKey);

    internal static byte[] CompleteRecordValue(long records) =>
        JsonSerializer.SerializeToUtf8Bytes(new { records, completedAtUs = UnixMicros.Now().Value });
}
