// Drops a replay version (ADR 0006): its replay.V.* topics through the AdminClient, then its rows, sink positions and
// data_versions row in one transaction. Topics go first so a drop that fails half-way can simply be run again.
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Npgsql;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;

namespace Pipeline.Plumbing.Database;

public static class DataVersionDrop
{
    /// <summary>What a drop removed.</summary>
    public sealed record Result(IReadOnlyList<string> Topics, long Candles, long Indicators);

    /// <param name="sinkConsumer">The version sink's sink_positions consumer (VersionSink.ConsumerNameOf).</param>
    /// <param name="force">Drop a version whose replay is still running (its writers must be stopped first).</param>
    /// <exception cref="InvalidRequestException">live, the current version, a running one without force, or an unknown name.</exception>
    public static async Task<Result> DropAsync(
        NpgsqlDataSource db,
        KafkaClientSettings kafka,
        DataVersion version,
        string sinkConsumer,
        bool force,
        CancellationToken ct = default
    )
    {
        if (version.IsLive)
            throw new InvalidRequestException("the live version cannot be dropped");
        var store = new DataVersionStore(db);
        var row = await store.FindAsync(version.Name, ct);
        if (row is { IsCurrent: true })
            throw new InvalidRequestException(
                $"version '{version}' is the current version the API serves; promote another one first (e.g. pipeline replay promote live)"
            );
        if (row is { State: DataVersionRow.Running or DataVersionRow.Planned } && !force)
            throw new InvalidRequestException($"version '{version}' is {row.State}; stop its replay first, then drop it with --force");

        using var admin = new AdminClientBuilder(kafka.Admin("pipeline-version-drop")).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(15));
        var names = new VersionTopics(version).All.Select(t => t.Name).ToHashSet();
        var topics = metadata
            .Topics.Where(t => t.Error.Code == ErrorCode.NoError && names.Contains(t.Topic))
            .Select(t => t.Topic)
            .Order()
            .ToList();
        if (row is null && topics.Count == 0)
            throw new InvalidRequestException(
                $"version '{version}' does not exist (no data_versions row, no replay.{version}.* topics); "
                    + "'pipeline replay list' shows the versions"
            );
        if (topics.Count > 0)
        {
            try
            {
                await admin.DeleteTopicsAsync(topics, new DeleteTopicsOptions { RequestTimeout = TimeSpan.FromSeconds(30) });
            }
            catch (DeleteTopicsException e)
            {
                var failed = e.Results.Where(r => r.Error.Code is not ErrorCode.NoError and not ErrorCode.UnknownTopicOrPart).ToList();
                if (failed.Count > 0)
                    throw new DependencyUnavailableException(
                        "could not delete topics: " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}"))
                    );
            }
        }
        var (candles, indicators) = await store.DeleteAsync(version, sinkConsumer, ct);
        return new Result(topics, candles, indicators);
    }
}
