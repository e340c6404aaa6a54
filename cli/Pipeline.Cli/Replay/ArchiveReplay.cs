// `pipeline replay --from-archive s3://bucket/prefix …`: history older than Kafka's retention, reprocessed like any replay.
// Step 1 republishes the archived trades of the range into replay.<V>.trades (ArchiveRepublisher, sinks/Pipeline.Archive);
// step 2 replays that topic into the version (ReplayJob and the version sink, VersionedReplay). Each step is exactly once
// and resumable on its own, and the replay's plan is stored only after step 1 completed, so the same command run again
// after Ctrl-C or kill -9 resumes the step that was interrupted. The CLI composes the two roles; they never meet otherwise.
using Amazon.Runtime;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Archive;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Replay;
using Pipeline.Schemas;

namespace Pipeline.Cli.Replay;

public static class ArchiveReplay
{
    /// <summary>Step 1: republishes the archived trades of the request's range (or finds them republished by an earlier
    /// run) and returns the request step 2 replays: input replay.<V>.trades, end of the range fixed. Refuses, in one line,
    /// a version that exists, another request under a version being republished, an empty range and an unreachable S3.</summary>
    /// <param name="configured">Instrument keys of the configuration: without --instrument these are republished (the
    /// processor knows only these; others would be dead letters).</param>
    public static async Task<ReplayRequest> RepublishAsync(
        PipelineOptions options,
        KafkaClientSettings kafka,
        string database,
        string archive,
        ReplayRequest request,
        IReadOnlyCollection<string> configured,
        IProgress<long>? progress,
        ILogger log,
        CancellationToken ct
    )
    {
        var (bucket, prefix) = ArchiveAddress.Parse(archive);
        var version = request.Version;
        var topics = new VersionTopics(version);
        var plan = PlanOf(kafka, topics);
        if (plan is { Complete: true })
            throw new InvalidRequestException(
                $"version {version} exists (a complete replay of {new UnixMicros(plan.Value.Plan.FromUs).ToIso()}.."
                    + $"{new UnixMicros(plan.Value.Plan.ToUs).ToIso()}); choose another name with --into, or drop it first: "
                    + $"pipeline replay drop {version}"
            );
        await using (var db = NpgsqlDataSource.Create(database))
        {
            if (await new DataVersionStore(db).FindAsync(version.Name, ct) is { State: DataVersionRow.Complete })
                throw new InvalidRequestException(
                    $"version {version} exists and is complete; choose another name with --into, "
                        + $"or drop it first: pipeline replay drop {version}"
                );
        }
        var stored = ArchiveRepublisher.StoredSource(kafka, version);
        var toUs = request.ToUs ?? stored?.ToUs ?? UnixMicros.Now().Value;
        var replay = request with { Input = topics.Input.Name, ToUs = toUs };
        if (plan is not null)
        {
            // The plan is written only after the republish completed: resume the replay itself.
            if (stored is null || plan.Value.Plan.Input != topics.Input.Name)
                throw new InvalidRequestException(
                    $"version {version} exists as a replay of {plan.Value.Plan.Input}, not from the archive; "
                        + "choose another name with --into"
                );
            log.LogInformation("Replay {Version}: the archive's trades were republished by an earlier run; resuming the replay", version);
            return replay;
        }

        var s3 = options.S3;
        s3.Bucket = bucket;
        s3.Prefix = prefix;
        var instruments = (request.Instruments.Count > 0 ? request.Instruments : configured).ToHashSet();
        try
        {
            using var client = S3ClientFactory.Create(s3);
            var republisher = new ArchiveRepublisher(
                new ArchiveStore(client, bucket, options.Archive.MultipartThresholdBytes),
                new ArchiveLayout(prefix),
                kafka,
                log
            );
            var result = await republisher.RunAsync(
                new RepublishRequest(version, request.FromUs, toUs, instruments),
                options.Kafka.Partitions,
                options.Kafka.ReplicationFactor,
                progress,
                ct
            );
            log.LogInformation(
                "Replay {Version}: {Trades} archived trades and {Marks} end-of-input marks in {Topic} ({Earlier} committed by an "
                    + "earlier run)",
                version,
                result.Trades,
                result.Marks,
                result.Topic,
                result.AlreadyCommitted
            );
        }
        catch (Exception e) when (!ct.IsCancellationRequested && S3Fault(e, s3) is { } line)
        {
            throw new DependencyUnavailableException(line, e);
        }
        return replay;
    }

    /// <summary>One line for a failure of the S3 store (refused, unreachable, no credentials); null for anything else.</summary>
    public static string? S3Fault(Exception e, S3Options s3)
    {
        var where = string.IsNullOrWhiteSpace(s3.Endpoint) ? $"S3 ({s3.EffectiveRegion})" : $"S3 at {s3.Endpoint}";
        return e switch
        {
            AmazonServiceException { StatusCode: System.Net.HttpStatusCode.NotFound } n =>
                $"{where}: bucket '{s3.Bucket}' not found ({n.ErrorCode}); check the bucket in --from-archive",
            AmazonServiceException a => $"{where} refused the request: {a.ErrorCode ?? a.StatusCode.ToString()} ({a.Message}); "
                + "check S3:AccessKey/S3:SecretKey (PIPELINE__S3__* or AWS_*) and the bucket",
            AmazonClientException or HttpRequestException or System.Net.Sockets.SocketException or TaskCanceledException =>
                $"{where} is unreachable ({Innermost(e).Message}); check S3:Endpoint (PIPELINE__S3__ENDPOINT or AWS_ENDPOINT_URL) "
                    + "and that the store runs",
            _ => null,
        };
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
            e = e.InnerException;
        return e;
    }

    private static (ReplayPlan Plan, bool Complete)? PlanOf(KafkaClientSettings kafka, VersionTopics topics)
    {
        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-replay-archive")).Build();
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
        return metadata.Topics.Any(t => t.Topic == topics.Plan.Name && !t.Error.IsError) ? ReplayJob.ReadPlan(kafka, topics.Version) : null;
    }
}
