// Our 1m candles from real Binance trades equal Binance's own klines for the same minute (real frames,
// Fixtures/exchange-captures). The captures hold aggTrade frames (several fills at one price merged), so each
// aggTrade enters as one trade: every kline field is compared, except trade count and last trade id where an
// aggTrade merged several fills (those two are then not determined by the capture).
using System.Globalization;
using System.Text.Json;
using Pipeline.Plumbing.Topics;
using Pipeline.Processors.Testing;
using Pipeline.Schemas.V1;
using ProtoDecimal = Pipeline.Schemas.V1.Decimal;

namespace Pipeline.Processors.Tests;

public class BinanceKlineTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "exchange-captures");

    private sealed record AggTrade(
        string Symbol,
        long AggId,
        decimal Price,
        decimal Qty,
        long FirstId,
        long LastId,
        long TimeMs,
        bool BuyerIsMaker,
        double ReceivedS
    );

    private sealed record Kline(
        string Symbol,
        long OpenMs,
        long CloseMs,
        long FirstId,
        long LastId,
        decimal O,
        decimal H,
        decimal L,
        decimal C,
        decimal V,
        long N,
        decimal Q,
        decimal TakerV,
        decimal TakerQ
    );

    private static (List<AggTrade>, List<Kline>) Load(string file)
    {
        var aggs = new List<AggTrade>();
        var klines = new List<Kline>();
        foreach (var line in File.ReadLines(Path.Combine(Dir, file)))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            var received = double.Parse(line[..colon], CultureInfo.InvariantCulture);
            using var doc = JsonDocument.Parse(line[(colon + 2)..]);
            var d = doc.RootElement.GetProperty("data");
            static decimal Dec(JsonElement e, string p) => decimal.Parse(e.GetProperty(p).GetString()!, CultureInfo.InvariantCulture);
            if (d.GetProperty("e").GetString() == "aggTrade")
                aggs.Add(
                    new(
                        d.GetProperty("s").GetString()!,
                        d.GetProperty("a").GetInt64(),
                        Dec(d, "p"),
                        Dec(d, "q"),
                        d.GetProperty("f").GetInt64(),
                        d.GetProperty("l").GetInt64(),
                        d.GetProperty("T").GetInt64(),
                        d.GetProperty("m").GetBoolean(),
                        received
                    )
                );
            else
            {
                var k = d.GetProperty("k");
                klines.Add(
                    new(
                        k.GetProperty("s").GetString()!,
                        k.GetProperty("t").GetInt64(),
                        k.GetProperty("T").GetInt64(),
                        k.GetProperty("f").GetInt64(),
                        k.GetProperty("L").GetInt64(),
                        Dec(k, "o"),
                        Dec(k, "h"),
                        Dec(k, "l"),
                        Dec(k, "c"),
                        Dec(k, "v"),
                        k.GetProperty("n").GetInt64(),
                        Dec(k, "q"),
                        Dec(k, "V"),
                        Dec(k, "Q")
                    )
                );
            }
        }
        return (aggs, klines);
    }

    private static InstrumentRef Instrument(string exchange, string symbol, MarketType market)
    {
        foreach (var quote in new[] { "USDT", "BUSD", "USD" })
            if (symbol.EndsWith(quote, StringComparison.Ordinal))
                return InstrumentRef.Create(exchange, symbol[..^quote.Length], quote, market);
        throw new ArgumentException(symbol);
    }

    [Theory]
    [InlineData("BINANCE_FUTURES.ws.1.0.kline-aggtrade", "binance", MarketType.Perp, 15)]
    [InlineData("BINANCE_US.ws.1.0.kline-aggtrade", "binanceus", MarketType.Spot, 1)]
    public void Candles_from_captured_trades_equal_binance_klines_for_the_same_minute(
        string file,
        string exchange,
        MarketType market,
        int comparable
    )
    {
        var (aggs, klines) = Load(file);
        var compared = 0;
        foreach (var k in klines)
        {
            var minute = aggs.Where(a => a.Symbol == k.Symbol && a.TimeMs >= k.OpenMs && a.TimeMs <= k.CloseMs)
                .OrderBy(a => a.AggId)
                .ToList();
            // Comparable only when the capture holds the minute from its first trade, and the kline ends on an aggTrade boundary.
            if (minute.Count == 0 || minute[0].FirstId != k.FirstId || !minute.Any(a => a.LastId == k.LastId))
                continue;
            var included = minute.Where(a => a.LastId <= k.LastId).ToList();
            var ins = Instrument(exchange, k.Symbol, market);
            var options = TradeFactory.Options(latenessMs: 60_000, throttleMs: 0);
            var d = new ProcessorTestDriver(options, [ins.Key]);
            foreach (var a in included)
                d.PipeTrade(
                    new Trade
                    {
                        Instrument = ins,
                        TradeId = a.FirstId,
                        Price = ProtoDecimal.From(a.Price),
                        Size = ProtoDecimal.From(a.Qty),
                        // m = the buyer is the maker, so the taker sold.
                        Aggressor = a.BuyerIsMaker ? AggressorSide.Sell : AggressorSide.Buy,
                        EventTimeUs = a.TimeMs * 1000,
                        ReceiveTimeUs = (long)(a.ReceivedS * 1_000_000),
                        Origin = Origin.Live,
                        VenueSymbol = a.Symbol,
                    }
                );
            d.Commit();
            var c = d.Candles().Last(c => c.Interval == "1m");
            var where = $"{k.Symbol} {k.OpenMs} up to trade {k.LastId}";
            Assert.Equal(k.OpenMs * 1000, c.OpenTimeUs);
            Assert.Equal((k.CloseMs + 1) * 1000, c.CloseTimeUs); // Binance's close time is the last millisecond, ours the exclusive end
            Assert.True(k.O == c.Open.ToDecimal(), $"{where}: open {k.O} vs {c.Open.ToInvariantString()}");
            Assert.True(k.H == c.High.ToDecimal(), $"{where}: high {k.H} vs {c.High.ToInvariantString()}");
            Assert.True(k.L == c.Low.ToDecimal(), $"{where}: low {k.L} vs {c.Low.ToInvariantString()}");
            Assert.True(k.C == c.Close.ToDecimal(), $"{where}: close {k.C} vs {c.Close.ToInvariantString()}");
            Assert.True(k.V == c.Volume.ToDecimal(), $"{where}: volume {k.V} vs {c.Volume.ToInvariantString()}");
            Assert.True(k.Q == c.QuoteVolume.ToDecimal(), $"{where}: quote volume {k.Q} vs {c.QuoteVolume.ToInvariantString()}");
            Assert.True(
                k.TakerV == c.TakerBuyVolume.ToDecimal(),
                $"{where}: taker buy volume {k.TakerV} vs {c.TakerBuyVolume.ToInvariantString()}"
            );
            Assert.True(
                k.TakerQ == c.TakerBuyQuoteVolume.ToDecimal(),
                $"{where}: taker buy quote volume {k.TakerQ} vs {c.TakerBuyQuoteVolume.ToInvariantString()}"
            );
            Assert.Equal(k.FirstId, c.FirstTradeId);
            if (included.All(a => a.FirstId == a.LastId))
            {
                Assert.Equal(k.N, c.TradeCount);
                Assert.Equal(k.LastId, c.LastTradeId);
            }
            Assert.Equal(k.N, included.Sum(a => a.LastId - a.FirstId + 1)); // the capture accounts for every fill of the kline
            Assert.Empty(d.DeadLetters());
            compared++;
        }
        // Kline snapshots that start at the minute's first trade and end on an aggTrade boundary (counted by hand in the capture).
        Assert.Equal(comparable, compared);
    }
}
