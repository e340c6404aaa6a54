// Runs the replays requested through the API (POST /replays): consumes replay.requests, one request at a time, and runs
// each with the replay engine and its version sink (VersionedReplay). A request's offset is committed after its replay
// ended (complete or failed), so a worker killed mid-replay gets the request again and resumes it. Part of
// `pipeline up`; alone as `pipeline replay worker`.
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;

namespace Pipeline.Cli.Replay;

public static class ReplayWorker
{
    public const string GroupId = "pipeline-replay-worker";

    public static Task RunAsync(PipelineContext context, CancellationToken ct) =>
        Task
            .Factory.StartNew(
                () => RunLoopAsync(context, ct),
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default
            )
            .Unwrap();

    private static async Task RunLoopAsync(PipelineContext context, CancellationToken ct)
    {
        var log = context.LoggerFactory.CreateLogger("replay-worker");
        var database = context.RequireDatabase();
        await using var db = NpgsqlDataSource.Create(database);
        var store = new DataVersionStore(db);
        using var consumer = new ConsumerBuilder<string?, byte[]?>(context.Kafka.Consumer($"{GroupId}-{Environment.ProcessId}", GroupId))
            .SetErrorHandler((_, e) => log.LogWarning("Kafka consumer: {Reason}", e.Reason))
            .Build();
        consumer.Subscribe(TopicCatalog.ReplayRequests.Name);
        log.LogInformation("Replay worker waiting for requests on {Topic}", TopicCatalog.ReplayRequests.Name);
        try
        {
            while (!ct.IsCancellationRequested)
            {
                ConsumeResult<string?, byte[]?>? record;
                try
                {
                    record = consumer.Consume(ct);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                if (record?.Message is null)
                    continue;
                if (await HandleAsync(context, store, record, log, ct))
                    consumer.Commit(record);
            }
        }
        finally
        {
            consumer.Close();
        }
    }

    /// <summary>Runs one request; false when it was interrupted by shutdown (not committed: it resumes on the next start).</summary>
    private static async Task<bool> HandleAsync(
        PipelineContext context,
        DataVersionStore store,
        ConsumeResult<string?, byte[]?> record,
        ILogger log,
        CancellationToken ct
    )
    {
        RequestedReplay requested;
        DataVersion version;
        try
        {
            requested = RequestedReplay.FromJson(record.Message.Value);
            version = DataVersion.Parse(requested.Version);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException or NotSupportedException)
        {
            log.LogError(
                "Replay request at {Position} is not a valid request and is skipped: {Message}",
                record.TopicPartitionOffset,
                e.Message
            );
            return true;
        }
        if (await store.FindAsync(version.Name, ct) is { State: DataVersionRow.Complete })
        {
            log.LogInformation("Replay {Version} is complete already; request at {Position} skipped", version, record.TopicPartitionOffset);
            return true;
        }
        var request = new ReplayRequest
        {
            Version = version,
            FromUs = requested.FromUs,
            ToUs = requested.ToUs,
            Instruments = requested.Instruments,
            Intervals = requested.Intervals,
            Revalidate = requested.Revalidate,
            Processing = ReplayProcessingSettings.From(
                context.Options.Processing,
                null,
                [.. requested.Indicators],
                requested.AllowedLatenessMs,
                requested.RevisionHorizonMs
            ),
        };
        log.LogInformation(
            "Replay {Version} requested: [{From}, {To})",
            version,
            new UnixMicros(requested.FromUs).ToIso(),
            new UnixMicros(requested.ToUs).ToIso()
        );
        try
        {
            var configured = context.Options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList();
            var job = await ReplayJob.PlanAsync(context.Kafka, request, configured, context.LoggerFactory, ct);
            var result = await VersionedReplay.RunAsync(context.Kafka, context.RequireDatabase(), job, null, context.LoggerFactory, ct);
            if (!result.Complete)
                return false;
            log.LogInformation(
                "Replay {Version} complete: {Records} records read, {Outputs} written in {Seconds:F1} s",
                version,
                result.Records,
                result.Outputs,
                result.Elapsed.TotalSeconds
            );
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e) when (e is InvalidRequestException or PipelineConfigurationException or ArgumentException)
        {
            // The request cannot be run as asked (no data in the range, an unknown indicator, ...): recorded, not retried.
            log.LogError("Replay {Version} failed: {Message}", version, e.Message);
            await FailQuietlyAsync(store, version, e.Message, log);
            return true;
        }
        catch (Exception e)
        {
            // Anything else (Kafka or the database gone for long): recorded with how to resume; the worker goes on.
            log.LogError(e, "Replay {Version} failed: {Message}", version, e.Message);
            await FailQuietlyAsync(
                store,
                version,
                $"{e.Message}; resume it with 'pipeline replay … --into {version}' and the same range, "
                    + "instruments, intervals and configuration (GET /versions shows them)",
                log
            );
            return true;
        }
    }

    private static async Task FailQuietlyAsync(DataVersionStore store, DataVersion version, string error, ILogger log)
    {
        try
        {
            await store.FailAsync(version, error, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            log.LogWarning("Replay {Version}: its failure could not be recorded ({Message})", version, e.Message);
        }
    }
}
