// Issue 18 "Start-up and shutdown": a role started while PostgreSQL or the broker is down waits with backoff and
// says so, instead of exiting; it starts once they are back. Two processors with one instance id do not fence.
using Npgsql;
using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

[Trait("Issue", "18")]
public class StartupWaitTests
{
    private static ChildProcess Start(IDictionary<string, string?> env, params string[] args) =>
        ChildProcess.Start("pipeline.dll", args, env, workingDirectory: TestDirectories.Create("startup"));

    [Fact]
    public async Task Sink_started_while_the_database_is_down_waits_and_starts_when_it_comes_back()
    {
        // Was: exited at once with "database unreachable".
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var db = new NpgsqlConnectionStringBuilder(await TestPostgres.CreateDatabaseAsync());
        await using var proxy = new TcpProxy(db.Host!, db.Port);
        proxy.Cut();
        using var sink = Start(
            new Dictionary<string, string?>
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
                ["PIPELINE__DATABASE__URL"] = $"postgres://{db.Username}@127.0.0.1:{proxy.Port}/{db.Database}",
            },
            "sink"
        );

        await sink.WaitForLineAsync(
            l => l.Contains("unreachable") && l.Contains("not ready, waiting"),
            TimeSpan.FromSeconds(60),
            "the sink to say it waits for the database"
        );
        await sink.WaitForLineAsync(l => l.Contains("attempt 2"), TimeSpan.FromSeconds(60), "a second attempt");
        Assert.False(sink.HasExited);
        proxy.Restore();
        await sink.WaitForLineAsync(l => l.Contains("consuming"), TimeSpan.FromSeconds(90), "the sink to start consuming");
        await sink.StopAsync();
        Assert.Equal(0, sink.ExitCode);
    }

    [Fact]
    public async Task Processor_started_while_the_broker_is_down_waits_and_says_so()
    {
        var port = Pipeline.Embedded.FreePort.Next();
        using var processor = Start(
            new Dictionary<string, string?>
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = $"127.0.0.1:{port}",
                ["PIPELINE__PROCESSING__INSTANCEID"] = "startup-" + Guid.NewGuid().ToString("N"),
            },
            "process"
        );
        await processor.WaitForLineAsync(
            l => l.Contains($"127.0.0.1:{port} is unreachable") && l.Contains("not ready, waiting"),
            TimeSpan.FromSeconds(60),
            "the processor to say it waits for Kafka"
        );
        Assert.False(processor.HasExited);
        await processor.StopAsync();
        Assert.Equal(0, processor.ExitCode);
    }

    [Fact]
    public async Task Second_processor_with_the_same_instance_id_on_one_host_is_refused_with_one_line()
    {
        // Was: the two fenced each other; the first died with a raw "fenced by a newer instance" stack trace.
        await using var kafka = await TestKafka.StartAsync(partitions: 1);
        var env = new Dictionary<string, string?>
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = kafka.BootstrapServers,
            ["PIPELINE__PROCESSING__INSTANCEID"] = "twin-" + Guid.NewGuid().ToString("N"),
        };
        using var first = Start(env, "process");
        await first.WaitForLineAsync(l => l.Contains("starting on"), TimeSpan.FromSeconds(90), "the first processor to start");
        using var second = Start(env, "process");
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            await second.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, second.ExitCode);
        var error = Assert.Single(second.Output, l => l.StartsWith("error:"));
        Assert.Contains("already runs on this host", error);
        Assert.Contains("PIPELINE__PROCESSING__INSTANCEID", error);
        Assert.DoesNotContain(second.Output, l => l.Contains("   at "));
        Assert.False(first.HasExited);
    }
}
