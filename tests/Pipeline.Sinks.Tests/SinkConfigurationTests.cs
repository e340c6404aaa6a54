// Sink and API settings from configuration: bad values are refused with one line naming the setting and the fix.
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Sinks.Tests;

public sealed class SinkConfigurationTests
{
    [Theory]
    [InlineData("PIPELINE__SINK__BATCHROWS", "0", "Sink:BatchRows is 0")]
    [InlineData("PIPELINE__SINK__BATCHLINGERMS", "-5", "Sink:BatchLingerMs is -5")]
    [InlineData("PIPELINE__SINK__CONSUMERNAME", " ", "Sink:ConsumerName is empty")]
    [InlineData("PIPELINE__SINK__RETRYINITIALDELAYMS", "0", "Sink:RetryInitialDelayMs is 0")]
    [InlineData("PIPELINE__SINK__RETRYMAXDELAYMS", "50", "Sink:RetryMaxDelayMs is 50")]
    [InlineData("PIPELINE__SINK__WRITETIMEOUTSECONDS", "0", "Sink:WriteTimeoutSeconds is 0")]
    [InlineData("PIPELINE__API__RATELIMITPERSECOND", "-1", "Api:RateLimitPerSecond is -1")]
    [InlineData("PIPELINE__API__STREAMEVENTSPERSECOND", "-1", "Api:StreamEventsPerSecond is -1")]
    [InlineData("PIPELINE__API__SOCKETQUEUELIMIT", "3", "Api:SocketQueueLimit is 3")]
    public void Bad_sink_or_api_setting_is_refused_in_one_line(string variable, string value, string expected)
    {
        var error = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(environment: new Dictionary<string, string?> { [variable] = value })
        );

        var line = Assert.Single(error.Problems);
        Assert.Contains(expected, line);
        Assert.Contains(variable, line);
    }

    [Fact]
    public void Sink_settings_are_read_from_the_environment()
    {
        var options = PipelineConfiguration.Load(
            environment: new Dictionary<string, string?>
            {
                ["PIPELINE__SINK__BATCHROWS"] = "1234",
                ["PIPELINE__SINK__BATCHLINGERMS"] = "75",
                ["PIPELINE__SINK__CONSUMERNAME"] = "sink-b",
                ["PIPELINE__SINK__GROUPID"] = "sink-b-group",
                ["PIPELINE__SINK__RETRYINITIALDELAYMS"] = "250",
                ["PIPELINE__SINK__RETRYMAXDELAYMS"] = "5000",
                ["PIPELINE__SINK__WRITETIMEOUTSECONDS"] = "30",
            }
        );

        Assert.Equal(1234, options.Sink.BatchRows);
        Assert.Equal(75, options.Sink.BatchLingerMs);
        Assert.Equal("sink-b", options.Sink.ConsumerName);
        Assert.Equal("sink-b-group", options.Sink.Group);
        Assert.Equal((250, 5000, 30), (options.Sink.RetryInitialDelayMs, options.Sink.RetryMaxDelayMs, options.Sink.WriteTimeoutSeconds));
    }

    [Fact]
    public void The_sink_joins_the_group_named_after_its_consumer_unless_a_group_is_set()
    {
        var options = PipelineConfiguration.Load(
            environment: new Dictionary<string, string?> { ["PIPELINE__SINK__CONSUMERNAME"] = "sink-c" }
        );

        Assert.Null(options.Sink.GroupId);
        Assert.Equal("sink-c", options.Sink.Group);
    }
}
