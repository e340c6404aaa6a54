using Pipeline.Plumbing.Configuration;

namespace Pipeline.Foundation.Tests;

public class ConfigurationTests
{
    private static PipelineOptions Load(params (string Key, string Value)[] env) =>
        PipelineConfiguration.Load(file: null, environment: env.ToDictionary(e => e.Key, e => (string?)e.Value));

    [Fact]
    public void Defaults_start_embedded_services_with_simulated_and_real_instruments()
    {
        var options = Load();
        Assert.True(options.Kafka.UsesEmbeddedBroker);
        Assert.True(options.Database.UsesLocalCluster);
        Assert.False(options.LiveExchanges);
        Assert.Contains(options.Instruments, i => i.Exchange == "sim");
        Assert.Contains(options.Instruments, i => i is { Exchange: "binance", Base: "BTC", Quote: "USDT", Market: "spot" });
        Assert.Contains(options.Instruments, i => i is { Exchange: "hyperliquid", Market: "perp" });
    }

    [Fact]
    public void Environment_variables_override_with_double_underscores()
    {
        var options = Load(("PIPELINE__KAFKA__BOOTSTRAP", "kafka1:9092,kafka2:9092"), ("PIPELINE__KAFKA__PARTITIONS", "12"));
        Assert.False(options.Kafka.UsesEmbeddedBroker);
        Assert.Equal(12, options.Kafka.Partitions);
    }

    [Theory]
    [InlineData("PIPELINE__KAFKA__PARTITIONS", "0", "Kafka:Partitions")]
    [InlineData("PIPELINE__KAFKA__BOOTSTRAP", "no-port-here", "Kafka:Bootstrap")]
    [InlineData("PIPELINE__API__URLS", "ftp://x", "Api:Urls")]
    [InlineData("PIPELINE__INSTRUMENTS__0__EXCHANGE", "binance", "Instruments:0")]
    [InlineData("PIPELINE__PROCESSING__CAUGHTUPCOMMITINTERVALMS", "-1", "Processing:CaughtUpCommitIntervalMs")]
    [InlineData("PIPELINE__PROCESSING__CAUGHTUPCOMMITINTERVALMS", "500", "Processing:CaughtUpCommitIntervalMs")]
    public void Each_invalid_setting_is_one_line_naming_the_setting(string key, string value, string named)
    {
        var e = Assert.Throws<PipelineConfigurationException>(() => Load((key, value)));
        var line = Assert.Single(e.Problems);
        Assert.Contains(named, line);
        Assert.DoesNotContain("\n", line);
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_reported_not_thrown_raw()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() => Load(("PIPELINE__KAFKA__PARTITIONS", "many")));
        Assert.Contains("many", Assert.Single(e.Problems));
    }

    [Fact]
    public void An_unknown_market_and_interval_are_named_with_the_accepted_values()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            Load(
                ("PIPELINE__INSTRUMENTS__0__EXCHANGE", "binance"),
                ("PIPELINE__INSTRUMENTS__0__BASE", "BTC"),
                ("PIPELINE__INSTRUMENTS__0__QUOTE", "USDT"),
                ("PIPELINE__INSTRUMENTS__0__MARKET", "swap"),
                ("PIPELINE__INSTRUMENTS__1__EXCHANGE", "binance"),
                ("PIPELINE__INSTRUMENTS__1__BASE", "ETH"),
                ("PIPELINE__INSTRUMENTS__1__QUOTE", "USDT"),
                ("PIPELINE__INSTRUMENTS__1__INTERVALS__0", "7m")
            )
        );
        Assert.Contains(e.Problems, p => p.Contains("'swap'") && p.Contains("spot, perp or future"));
        Assert.Contains(e.Problems, p => p.Contains("'7m'") && p.Contains("1m, 3m"));
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() => PipelineConfiguration.Load("/nonexistent/pipeline.json"));
        Assert.Contains("/nonexistent/pipeline.json", Assert.Single(e.Problems));
    }

    [Theory]
    [InlineData("postgres://u:p%40ss@db.example:6432/market", "db.example", 6432, "market", "p@ss")]
    [InlineData("Host=10.0.0.1;Port=5433;Database=x;Username=u", "10.0.0.1", 5433, "x", null)]
    public void Database_urls_and_connection_strings_are_both_accepted(string text, string host, int port, string db, string? password)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(DatabaseConnectionString.Normalize(text));
        Assert.Equal(host, b.Host);
        Assert.Equal(port, b.Port);
        Assert.Equal(db, b.Database);
        Assert.Equal(password, b.Password);
    }
}
