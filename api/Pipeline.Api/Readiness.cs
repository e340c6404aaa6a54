// /ready: can this process reach the database and the Kafka cluster right now (answers cached for a second).
using Confluent.Kafka;
using Npgsql;
using Pipeline.Plumbing.Health;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Api;

public sealed class Readiness(NpgsqlDataSource db, KafkaClientSettings kafka) : IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() =>
        new AdminClientBuilder(kafka.Admin("pipeline-api-ready")).SetLogHandler((_, _) => { }).Build()
    );
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTime At, ReadinessReport Report)? _last;

    /// <param name="Roles">Why roles running in this process are not ready (e.g. the archive holding data S3 refuses).</param>
    public sealed record ReadinessReport(bool Database, string? DatabaseError, bool Kafka, string? KafkaError, IReadOnlyList<string> Roles)
    {
        public bool Ready => Database && Kafka && Roles.Count == 0;
    }

    public async Task<ReadinessReport> CheckAsync(CancellationToken ct)
    {
        if (_last is { } l && DateTime.UtcNow - l.At < TimeSpan.FromSeconds(1))
            return l.Report;
        await _gate.WaitAsync(ct);
        try
        {
            if (_last is { } l2 && DateTime.UtcNow - l2.At < TimeSpan.FromSeconds(1))
                return l2.Report;
            var dbTask = CheckDatabaseAsync(ct);
            var kafkaTask = Task.Run(CheckKafka, ct);
            var (dbOk, dbError) = await dbTask;
            var (kOk, kError) = await kafkaTask;
            var report = new ReadinessReport(dbOk, dbError, kOk, kError, RoleReadiness.Problems());
            _last = (DateTime.UtcNow, report);
            return report;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(bool, string?)> CheckDatabaseAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var cmd = db.CreateCommand("SELECT 1");
            await cmd.ExecuteScalarAsync(timeout.Token);
            return (true, null);
        }
        catch (Exception e)
            when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException
                && !ct.IsCancellationRequested
            )
        {
            return (false, e.Message);
        }
    }

    private (bool, string?) CheckKafka()
    {
        try
        {
            var meta = _admin.Value.GetMetadata(TimeSpan.FromSeconds(2));
            return meta.Brokers.Count > 0 ? (true, null) : (false, "no brokers in metadata");
        }
        catch (KafkaException e)
        {
            return (false, e.Error.Reason);
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
            _admin.Value.Dispose();
        _gate.Dispose();
    }
}
