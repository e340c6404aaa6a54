using Pipeline.Testing;

namespace Pipeline.Foundation.Tests;

/// <summary>The CLI as users run it: a separate process, one clear line for bad input, no stack trace.</summary>
public class CliTests
{
    private static Task<ProcessResult> RunAsync(IDictionary<string, string?>? env, params string[] args) =>
        ChildProcess.RunAsync("pipeline.dll", args, env, TestDirectories.Create("cli"), TimeSpan.FromSeconds(90));

    private static void AssertOneCleanErrorLine(string stderr, string mentions)
    {
        var lines = stderr
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("error:"))
            .ToList();
        Assert.Single(lines);
        Assert.Contains(mentions, lines[0]);
        Assert.DoesNotContain("   at ", stderr);
        Assert.DoesNotContain("Exception", stderr);
    }

    [Fact]
    public async Task An_invalid_setting_exits_2_with_one_line()
    {
        var (exit, _, err) = await RunAsync(new Dictionary<string, string?> { ["PIPELINE__KAFKA__PARTITIONS"] = "-3" }, "topics");
        Assert.Equal(2, exit);
        AssertOneCleanErrorLine(err, "Kafka:Partitions");
    }

    [Fact]
    public async Task A_missing_config_file_exits_2_with_one_line()
    {
        var (exit, _, err) = await RunAsync(null, "topics", "--config", "nope.json");
        Assert.Equal(2, exit);
        AssertOneCleanErrorLine(err, "nope.json");
    }

    [Fact]
    public async Task An_unknown_option_exits_2_with_one_line()
    {
        var (exit, _, err) = await RunAsync(null, "broker", "--port", "abc");
        Assert.Equal(2, exit);
        AssertOneCleanErrorLine(err, "--port");
    }

    [Fact]
    public async Task Several_argument_faults_are_still_one_line_naming_each()
    {
        var (exit, _, err) = await RunAsync(null, "broker", "--port", "abc", "--bogus");
        Assert.Equal(2, exit);
        AssertOneCleanErrorLine(err, "--bogus");
        Assert.Contains("'abc'", err);
    }

    [Fact]
    public async Task A_standalone_role_without_a_broker_says_how_to_configure_one()
    {
        var (exit, _, err) = await RunAsync(null, "process");
        Assert.Equal(2, exit);
        AssertOneCleanErrorLine(err, "PIPELINE__KAFKA__BOOTSTRAP");
    }

    [Fact]
    public async Task An_unreachable_database_with_fail_fast_is_one_line_and_exit_1()
    {
        var port = Pipeline.Embedded.FreePort.Next();
        var (exit, _, err) = await RunAsync(
            new Dictionary<string, string?>
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = $"127.0.0.1:{Pipeline.Embedded.FreePort.Next()}",
                ["PIPELINE__DATABASE__URL"] = $"postgres://postgres@127.0.0.1:{port}/pipeline",
            },
            "sink",
            "--fail-fast"
        );
        Assert.Equal(1, exit);
        AssertOneCleanErrorLine(err, $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task An_unreachable_broker_with_fail_fast_is_one_line_and_exit_1()
    {
        var port = Pipeline.Embedded.FreePort.Next();
        var (exit, _, err) = await RunAsync(
            new Dictionary<string, string?> { ["PIPELINE__KAFKA__BOOTSTRAP"] = $"127.0.0.1:{port}" },
            "process",
            "--fail-fast"
        );
        Assert.Equal(1, exit);
        AssertOneCleanErrorLine(err, $"127.0.0.1:{port}");
    }

    [Fact]
    public async Task A_role_logs_the_librdkafka_version_and_file_it_loaded_at_start_up()
    {
        // The role then fails on the unreachable broker: the start-up line comes before that.
        var port = Pipeline.Embedded.FreePort.Next();
        var (_, stdout, stderr) = await RunAsync(
            new Dictionary<string, string?> { ["PIPELINE__KAFKA__BOOTSTRAP"] = $"127.0.0.1:{port}" },
            "process",
            "--fail-fast"
        );
        var line = (stdout + stderr).Split('\n').FirstOrDefault(l => l.Contains("librdkafka ") && l.Contains(" loaded from "));
        Assert.True(line is not null, $"no librdkafka start-up line in:\n{stdout}\n{stderr}");
        var version = typeof(Confluent.Kafka.Library).Assembly.GetName().Version!.ToString(3);
        Assert.Contains($"librdkafka {version} loaded from ", line);
        Assert.Contains("runtimes/linux-x64/native/", line);
        if (!KafkaPlumbingTests.HasSasl3)
            Assert.Contains("centos8-librdkafka.so", line);
    }

    [Fact]
    public async Task Topics_lists_the_catalog()
    {
        var (exit, stdout, _) = await RunAsync(null, "topics");
        Assert.Equal(0, exit);
        Assert.Contains("trades.raw", stdout);
        Assert.Contains("candles.final", stdout);
    }
}
