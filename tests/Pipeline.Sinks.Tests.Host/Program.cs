// Sink test host: runs PostgresSink until SIGTERM/SIGINT (or until killed).
// Usage: Pipeline.Sinks.Tests.Host <bootstrap> <connection string> <consumer name> <group id> <batch rows> [kill at position]
// With a kill position, the host SIGKILLs itself as soon as the sum of its stored positions reaches it: crash
// tests drive their kills by progress, not by the clock (issue 18: "the sink was killed only 3 times").
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Sinks;

if (args.Length is not (5 or 6))
{
    Console.Error.WriteLine(
        "usage: Pipeline.Sinks.Tests.Host <bootstrap> <connection string> <consumer name> <group id> <batch rows> [kill at position]"
    );
    return 2;
}
LibrdkafkaLoader.EnsureLoaded();
using var loggers = LoggerFactory.Create(b =>
    b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        })
        .SetMinimumLevel(LogLevel.Information)
);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
var sink = new PostgresSink(
    new KafkaClientSettings(args[0]),
    args[1],
    new SinkOptions
    {
        ConsumerName = args[2],
        GroupId = args[3],
        BatchRows = int.Parse(args[4]),
        BatchLingerMs = 20,
    },
    loggers
);
var run = sink.RunAsync(stop.Token);
if (args.Length == 6)
    _ = KillAtPositionAsync(args[1], args[2], long.Parse(args[5]), run);
await run;
return 0;

// Polls the positions table on its own connection (a batch takes far longer than one poll) and kills this process
// (SIGKILL, no shutdown code) once the positions reach the target: whatever the sink is doing is cut off.
static async Task KillAtPositionAsync(string connectionString, string consumer, long target, Task run)
{
    await using var conn = new Npgsql.NpgsqlConnection(connectionString);
    await conn.OpenAsync();
    await using var cmd = new Npgsql.NpgsqlCommand("SELECT coalesce(sum(next_offset), 0) FROM sink_positions WHERE consumer = $1", conn);
    cmd.Parameters.Add(new() { Value = consumer });
    while (!run.IsCompleted)
    {
        try
        {
            if (Convert.ToInt64(await cmd.ExecuteScalarAsync()) >= target)
            {
                Console.WriteLine($"Killing myself at position >= {target}");
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }
        }
        catch (Npgsql.PostgresException)
        { /* sink_positions not created yet */
        }
        await Task.Delay(2); // a poll interval, far shorter than one batch write
    }
}
