using Pipeline.Plumbing.Configuration;
using Pipeline.Schemas;
using Pipeline.Testing;
using Xunit;

namespace Pipeline.Producers.Tests;

public sealed class InstrumentsFileTests
{
    private static PipelineConfigurationException Fails(string yaml) =>
        Assert.Throws<PipelineConfigurationException>(() => InstrumentsFile.Parse(yaml, "instruments.yaml", VenueRegistry.Default));

    [Fact]
    public void The_shipped_file_registers_the_default_instruments_with_hyperliquid_usdc_shown_as_usd()
    {
        // A copy of config/instruments.yaml (the test must not read outside its own folder).
        var loaded = InstrumentsFile.Load(
            Path.Combine(AppContext.BaseDirectory, "Fixtures", "config", "instruments.yaml"),
            VenueRegistry.Default
        );
        var keys = loaded.Select(i => $"{i.Exchange}:{i.Base}/{i.Quote}:{i.Market}={i.Symbol}").ToList();
        Assert.Equal(
            PipelineConfiguration.DefaultInstruments().Select(i => $"{i.Exchange}:{i.Base}/{i.Quote}:{i.Market}={i.Symbol}"),
            keys
        );
        Assert.Contains("hyperliquid:BTC/USD:perp=BTC", keys);
        Assert.All(loaded, i => Assert.Equal(CandleInterval.Names, i.Intervals));
    }

    [Fact]
    public void Without_the_alias_rule_hyperliquid_usdc_stays_a_different_listing()
    {
        var loaded = InstrumentsFile.Parse(
            "instruments:\n  - { exchange: hyperliquid, base: BTC, quote: USDC, market: perp }\n",
            "x",
            VenueRegistry.Default
        );
        Assert.Equal("USDC", Assert.Single(loaded).Quote);
    }

    [Fact]
    public void A_misspelled_exchange_fails_with_one_line_naming_the_entry()
    {
        var e = Fails("instruments:\n  - { exchange: binanse, base: BTC, quote: USDT, market: spot }\n");
        Assert.Equal(
            "configuration: instruments.yaml instruments[0] (binanse BTC/USDT spot): unknown exchange 'binanse'; use one of sim, "
                + "binance, coinbase, kraken, hyperliquid, bybit, okx, yahoo",
            Assert.Single(e.Problems)
        );
    }

    [Fact]
    public void A_symbol_that_does_not_match_base_and_quote_is_reported_as_a_likely_typo()
    {
        var e = Fails("instruments:\n  - { exchange: binance, base: BTC, quote: USDT, market: spot, symbol: BTCUSTD }\n");
        Assert.Contains("symbol 'BTCUSTD' does not match BTC/USDT on binance; expected BTCUSDT", Assert.Single(e.Problems));
    }

    [Fact]
    public void An_unknown_field_is_reported_with_its_line()
    {
        var e = Fails("instruments:\n  - exchange: binance\n    base: BTC\n    qoute: USDT\n");
        Assert.StartsWith("configuration: instruments.yaml line 4: unknown field 'qoute'", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_bad_market_or_interval_is_reported()
    {
        Assert.Contains(
            "market 'spto' is not spot, perp or future",
            Assert.Single(Fails("instruments:\n  - { exchange: kraken, base: BTC, quote: USD, market: spto }\n").Problems)
        );
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(
                overrides: new Dictionary<string, string?>
                {
                    ["InstrumentsFile"] = WriteYaml("instruments:\n  - { exchange: kraken, base: BTC, quote: USD, intervals: [1m, 7m] }\n"),
                },
                environment: new Dictionary<string, string?>(),
                venues: VenueRegistry.Default
            )
        );
        Assert.Contains("has interval '7m'", Assert.Single(e.Problems));
    }

    [Fact]
    public void The_instruments_file_option_supplies_the_instrument_list()
    {
        var options = PipelineConfiguration.Load(
            overrides: new Dictionary<string, string?>
            {
                ["InstrumentsFile"] = WriteYaml("instruments:\n  - { exchange: coinbase, base: ETH, quote: USD, intervals: [1m] }\n"),
            },
            environment: new Dictionary<string, string?>(),
            venues: VenueRegistry.Default
        );
        var only = Assert.Single(options.Instruments);
        Assert.Equal(("coinbase", "ETH", "USD", "spot", "ETH-USD"), (only.Exchange, only.Base, only.Quote, only.Market, only.Symbol));
    }

    [Fact]
    public void Listing_instruments_in_both_the_yaml_file_and_the_json_configuration_is_refused()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(
                overrides: new Dictionary<string, string?>
                {
                    ["InstrumentsFile"] = WriteYaml("instruments:\n  - { exchange: coinbase, base: ETH, quote: USD }\n"),
                    ["Instruments:0:Exchange"] = "binance",
                    ["Instruments:0:Base"] = "BTC",
                    ["Instruments:0:Quote"] = "USDT",
                },
                environment: new Dictionary<string, string?>(),
                venues: VenueRegistry.Default
            )
        );
        Assert.Contains("keep one list", Assert.Single(e.Problems));
    }

    [Fact]
    public void A_missing_instruments_file_is_reported()
    {
        var e = Assert.Throws<PipelineConfigurationException>(() =>
            PipelineConfiguration.Load(
                overrides: new Dictionary<string, string?> { ["InstrumentsFile"] = "/nonexistent/instruments.yaml" },
                environment: new Dictionary<string, string?>()
            )
        );
        Assert.Contains("instruments file '/nonexistent/instruments.yaml' does not exist", Assert.Single(e.Problems));
    }

    private static string WriteYaml(string text)
    {
        var path = Path.Combine(TestDirectories.Create("yaml"), "instruments.yaml");
        File.WriteAllText(path, text);
        return path;
    }
}
