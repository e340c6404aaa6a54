using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Foundation.Tests;

public class InstrumentKeyContractTests
{
    [Fact]
    public void Keys_are_normalised_and_round_trip()
    {
        var btc = InstrumentKey.FromParts("Binance", "btc", "usdt", "spot");
        Assert.Equal("binance:BTC/USDT:spot", InstrumentKey.Format(btc));
        Assert.Equal(btc, InstrumentKey.Parse("binance:BTC/USDT:spot"));
        Assert.Equal("hyperliquid:BTC/USD:perp", InstrumentKey.Parse("hyperliquid:BTC/USD:perpetual").Key);
        Assert.Equal(MarketType.Future, InstrumentKey.FromParts("deribit", "BTC", "USD", "futures").Market);
    }

    [Theory]
    [InlineData("binance:BTCUSDT:spot")]
    [InlineData("binance:BTC/USDT")]
    [InlineData("binance:BTC/USDT:swap")]
    [InlineData(":BTC/USDT:spot")]
    [InlineData("binance:/USDT:spot")]
    [InlineData("")]
    public void Malformed_keys_are_refused_with_the_expected_shape(string key)
    {
        Assert.False(InstrumentKey.TryParse(key, out _));
        var e = Assert.Throws<FormatException>(() => InstrumentKey.Parse(key));
        Assert.Contains("exchange:BASE/QUOTE:market", e.Message);
    }

    [Fact]
    public void Stored_enum_values_map_to_the_names_the_api_shows()
    {
        // The smallints are the Protobuf enum numbers the sink stores (schemas/proto/pipeline/v1/*.proto).
        Assert.Equal("aggregated", CandleSources.Name(CandleSources.FromStored(1)));
        Assert.Equal("exchange", CandleSources.Name(CandleSources.FromStored(2)));
        Assert.Equal("import", Origins.Name(Origins.FromStored(3)));
        Assert.Equal("sell", AggressorSides.Name(AggressorSides.FromStored(2)));
        Assert.Null(AggressorSides.Name(AggressorSides.FromStored(0)));
        Assert.Equal(DeadLetterReasons.All.Count, DeadLetterReasons.All.Select(r => r.Code).Distinct().Count());
    }
}
