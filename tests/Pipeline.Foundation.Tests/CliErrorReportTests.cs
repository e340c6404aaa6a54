using Npgsql;
using Pipeline.Cli;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;

namespace Pipeline.Foundation.Tests;

/// <summary>
/// How a command's failure reaches the user: the expected-failure family as one line, a bug with its stack trace.
/// Guards the architecture review's finding that every InvalidOperationException was printed as a user error,
/// hiding real bugs' traces.
/// </summary>
public class CliErrorReportTests
{
    private static (int Exit, string Text) Report(Exception e)
    {
        var error = new StringWriter();
        var exit = CliRunner.Report(e, error);
        return (exit, error.ToString());
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("the action did not throw");
    }

    [Fact]
    public void A_request_that_cannot_be_done_is_one_line_and_a_usage_exit()
    {
        var (exit, text) = Report(Thrown(() => throw new InvalidRequestException("--from 2024-02-01 is not before --to 2024-01-01")));
        Assert.Equal(CliRunner.ExitUsage, exit);
        Assert.Equal("error: --from 2024-02-01 is not before --to 2024-01-01", text.Trim());
    }

    [Fact]
    public void An_unavailable_dependency_is_one_line_and_a_failure_exit()
    {
        var (exit, text) = Report(Thrown(() => throw new DependencyUnavailableException("topic trades.raw does not exist")));
        Assert.Equal(CliRunner.ExitFailure, exit);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Each_configuration_problem_gets_its_own_line()
    {
        var (exit, text) = Report(new PipelineConfigurationException(["configuration: a is wrong", "configuration: b is wrong"]));
        Assert.Equal(CliRunner.ExitUsage, exit);
        Assert.Equal(
            ["error: configuration: a is wrong", "error: configuration: b is wrong"],
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        );
    }

    [Fact]
    public async Task An_unreachable_database_is_one_line_naming_the_setting_to_fix()
    {
        // A real Npgsql failure: nothing listens on port 1.
        await using var db = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=x;Password=x;Database=x;Timeout=2");
        var e = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await db.OpenConnectionAsync());
        var (exit, text) = Report(e);
        Assert.Equal(CliRunner.ExitFailure, exit);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("PIPELINE__DATABASE__URL", text);
    }

    [Fact]
    public void A_bug_keeps_its_stack_trace_and_exits_with_EX_SOFTWARE()
    {
        // An InvalidOperationException from code (not from input) is a bug: it must not pass for a user error.
        var bug = Thrown(() => _ = new List<int>().First());
        var (exit, text) = Report(bug);
        Assert.Equal(CliRunner.ExitBug, exit);
        Assert.Contains("internal error", text);
        Assert.Contains("   at ", text);
        Assert.Contains(nameof(InvalidOperationException), text);
    }

    [Fact]
    public void A_wrapped_expected_failure_is_still_one_line()
    {
        var (exit, text) = Report(new AggregateException(new InvalidRequestException("version 'v2' exists")));
        Assert.Equal(CliRunner.ExitUsage, exit);
        Assert.Equal("error: version 'v2' exists", text.Trim());
    }

    public static TheoryData<Exception> RoleFailures() =>
        new()
        {
            new Pipeline.Sinks.SinkPositionException("stored position 12 of candles[0] is beyond the partition's end 3"),
            new Pipeline.Producers.Venues.VenueRequestException("binance REST /api/v3/klines answered 400: invalid symbol", 400),
            new Pipeline.Producers.Twap.TwapSourceException("listing s3://twap/ was refused: 403 AccessDenied", transient: false),
        };

    [Theory]
    [MemberData(nameof(RoleFailures))]
    public void Expected_failures_of_the_roles_are_one_line_and_a_failure_exit(Exception failure)
    {
        // Issue 10: these escaped commands (pipeline sink, backfill, twap ingest) and were printed as bugs with a trace.
        var (exit, text) = Report(failure);
        Assert.Equal(CliRunner.ExitFailure, exit);
        Assert.Equal($"error: {failure.Message}", text.Trim());
    }
}
