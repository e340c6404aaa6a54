using System.Globalization;
using Pipeline.Schemas.V1;

namespace Pipeline.Foundation.Tests;

public class DecimalContractTests
{
    [Theory]
    [InlineData("0.00001305")]
    [InlineData("67234.10000000")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("-12.5")]
    [InlineData("0.0000000000000000000000000001")]
    public void Exchange_decimal_strings_round_trip_exactly_through_the_wire_format(string text)
    {
        var value = decimal.Parse(text, CultureInfo.InvariantCulture);
        var wire = Pipeline.Schemas.V1.Decimal.From(value);
        var parsed = Pipeline.Schemas.V1.Decimal.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(wire));

        Assert.Equal(text, parsed.ToDecimal().ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_scale_beyond_28_is_rejected_rather_than_misread()
    {
        var wire = new Pipeline.Schemas.V1.Decimal { Lo = 1, Scale = 29 };
        Assert.Throws<FormatException>(() => wire.ToDecimal());
    }

    [Fact]
    public void Microsecond_timestamps_survive_a_trade_round_trip()
    {
        var trade = new Trade
        {
            Instrument = InstrumentRef.Create("binance", "btc", "usdt", MarketType.Spot),
            TradeId = 4_123_456_789,
            Price = Pipeline.Schemas.V1.Decimal.From(97123.45m),
            Size = Pipeline.Schemas.V1.Decimal.From(0.00012000m),
            EventTimeUs = 1_735_689_600_123_456,
        };
        var back = Trade.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(trade));
        Assert.Equal(1_735_689_600_123_456, back.EventTimeUs);
        Assert.Equal("binance:BTC/USDT:spot", back.Instrument.Key);
        Assert.Equal("0.00012000", back.Size.ToInvariantString());
    }
}
