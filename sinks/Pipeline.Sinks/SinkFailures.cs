// Which failures of a write are worth repeating: the database or Kafka was unreachable, overloaded or shutting down, or
// the transaction lost a conflict. Judged by exception type and SQL state, never by the text of a message.
using Confluent.Kafka;
using Npgsql;

namespace Pipeline.Sinks;

internal static class SinkFailures
{
    /// <summary>True when the same write may succeed if repeated. <paramref name="connectionOpen"/> is the state of the
    /// connection the failed attempt used: Npgsql refuses work on a connection that broke under it with an
    /// <see cref="InvalidOperationException"/>, which is transient only then.</summary>
    public static bool IsTransient(Exception e, bool connectionOpen) =>
        e switch
        {
            PostgresException pg => IsTransientSqlState(pg),
            // Network and protocol failures below PostgreSQL: the connection is gone and the transaction did not commit.
            NpgsqlException => true,
            System.Net.Sockets.SocketException or IOException or TimeoutException => true,
            // Dead letters are produced before the rows commit: an unreachable broker is an outage like the database's.
            KafkaException => true,
            InvalidOperationException when !connectionOpen => true,
            // Npgsql can surface a connection broken mid-operation as a disposed internal object; the connection is replaced.
            ObjectDisposedException => true,
            _ => false,
        };

    /// <summary>Class 08 (connection exception), 53 (insufficient resources, e.g. 53300 too many connections), 57P
    /// (operator intervention: admin or crash shutdown, cannot connect now), 58 (system errors), 40001 serialization
    /// failure, 40P01 deadlock, 55P03 lock not available, 57014 statement timeout or cancel; plus whatever else Npgsql
    /// marks transient. Data errors (22xxx), constraint violations (23xxx) and syntax errors (42xxx) are not:
    /// repeating them fails the same way.</summary>
    public static bool IsTransientSqlState(PostgresException pg) =>
        pg.IsTransient
        || pg.SqlState switch
        {
            ['0', '8', ..] or ['5', '3', ..] or ['5', '7', 'P', ..] or ['5', '8', ..] => true,
            PostgresErrorCodes.SerializationFailure
            or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.LockNotAvailable
            or PostgresErrorCodes.QueryCanceled => true,
            _ => false,
        };
}
