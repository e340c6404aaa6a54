using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Okx;
using Pipeline.Schemas.V1;
using Xunit;

namespace Pipeline.Producers.Tests;

/// <summary>OKX v5: recorded trade frames become our trades; closed candles only; a dropped link and skipped ids are
/// filled from history-trades so every recorded trade arrives once; history-candles paged in windows.</summary>
public sealed class OkxConnectorTests
{
    private static readonly VenueListing BtcUsdt = new(InstrumentRef.Create("okx", "BTC", "USDT", MarketType.Spot), "BTC-USDT", ["1m"]);

    private static List<JsonObject> RecordedBtcUsdtTrades() =>
        File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "okx-trades.jsonl"))
            .Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(f => (string)f["arg"]!["instId"]! == "BTC-USDT")
            .Select(f => f["data"]![0]!.AsObject())
            .ToList();

    private static ParsedFrame Parse(VenueListing listing, string frame)
    {
        var parsed = new ParsedFrame();
        new OkxProtocol().Parse(System.Text.Encoding.UTF8.GetBytes(frame), listing, receiveTimeUs: 42, parsed);
        return parsed;
    }

    [Fact]
    public void A_recorded_okx_trade_keeps_its_id_exact_decimals_taker_side_and_millisecond_time()
    {
        var frame = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "okx-trades.jsonl"))
            .Single(l => l.Contains("\"tradeId\":\"338476375\""));
        var trade = Assert.Single(Parse(BtcUsdt, frame).Trades);
        Assert.Equal(338_476_375, trade.TradeId);
        Assert.Equal("30227.6", trade.Price.ToInvariantString());
        Assert.Equal("0.00000088", trade.Size.ToInvariantString());
        Assert.Equal(AggressorSide.Buy, trade.Aggressor);
        Assert.Equal(1_652_459_235_576_000, trade.EventTimeUs);
        Assert.Equal(("BTC-USDT", Origin.Live, "okx:BTC/USDT:spot"), (trade.VenueSymbol, trade.Origin, trade.Instrument.Key));
    }

    [Fact]
    public void Every_recorded_okx_trade_frame_is_one_trade_and_swap_sizes_stay_in_contracts()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "captures", "okx-trades.jsonl"));
        var swap = new VenueListing(InstrumentRef.Create("okx", "UNI", "USD", MarketType.Perp), "UNI-USD-SWAP", ["1m"]);
        var trades = lines.SelectMany(l => Parse(l.Contains("UNI-USD-SWAP") ? swap : BtcUsdt, l).Trades).ToList();
        Assert.Equal(74, trades.Count);
        var uni = trades.Single(t => t.VenueSymbol == "UNI-USD-SWAP");
        // Recorded: {"tradeId":...,"sz":"..."} on a coin-margined swap: sz counts contracts, kept as the venue gives it.
        var recorded = JsonNode.Parse(lines.Single(l => l.Contains("UNI-USD-SWAP")))!["data"]![0]!;
        Assert.Equal((string)recorded["sz"]!, uni.Size.ToInvariantString());
        Assert.Equal(long.Parse((string)recorded["tradeId"]!), uni.TradeId);
    }

    [Fact]
    public void Only_a_confirmed_okx_candle_is_emitted_with_utc_bars_mapped_back_to_our_intervals()
    {
        // Documented candle push ([ts,o,h,l,c,vol,volCcy,volCcyQuote,confirm]), 1Dutc bar.
        var listing = BtcUsdt with
        {
            Intervals = ["1d"],
        };
        const string open =
            """{"arg":{"channel":"candle1Dutc","instId":"BTC-USDT"},"data":["""
            + """["1735689600000","93576","94000","93000","93800","120.5","11300000","11300000","0"]]}""";
        const string closed =
            """{"arg":{"channel":"candle1Dutc","instId":"BTC-USDT"},"data":["""
            + """["1735689600000","93576","94990.1","92800","94591.79","200","18900000","18900000.5","1"]]}""";
        Assert.Empty(Parse(listing, open).Candles);
        var candle = Assert.Single(Parse(listing, closed).Candles);
        Assert.Equal(("1d", 1_735_689_600_000_000, 1_735_776_000_000_000), (candle.Interval, candle.OpenTimeUs, candle.CloseTimeUs));
        Assert.Equal(
            ("93576", "94990.1", "92800", "94591.79", "200"),
            (
                candle.Open.ToInvariantString(),
                candle.High.ToInvariantString(),
                candle.Low.ToInvariantString(),
                candle.Close.ToInvariantString(),
                candle.Volume.ToInvariantString()
            )
        );
        Assert.Equal("18900000.5", candle.QuoteVolume.ToInvariantString());
        Assert.Equal(CandleSource.Exchange, candle.Source);
        // The subscription asks for the UTC-aligned bar, never OKX's Hong Kong-aligned "1D".
        Assert.Contains("\"channel\":\"candle1Dutc\"", Assert.Single(new OkxProtocol().SubscribeFrames(listing)));
    }

    [Fact]
    public void Okx_control_frames_are_not_data_and_errors_are_reported()
    {
        Assert.Empty(Parse(BtcUsdt, "pong").Trades);
        Assert.Empty(
            Parse(BtcUsdt, """{"event":"subscribe","arg":{"channel":"trades-all","instId":"BTC-USDT"},"connId":"a4d3ae55"}""").Trades
        );
        Assert.Equal(
            "60012 Invalid request",
            Parse(BtcUsdt, """{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}""").VenueError
        );
        Assert.Throws<FormatException>(() =>
            Parse(
                BtcUsdt,
                """{"arg":{"channel":"trades-all","instId":"BTC-USDT"},"data":["""
                    + """{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"up","ts":"1"}]}"""
            )
        );
    }

    [Fact]
    public async Task Okx_drop_and_skipped_ids_are_filled_from_history_trades_so_each_recorded_trade_arrives_once()
    {
        var recorded = RecordedBtcUsdtTrades();
        Assert.Equal(69, recorded.Count);
        var ids = recorded.Select(t => long.Parse((string)t["tradeId"]!)).ToList();
        var firstTwenty = new TaskCompletionSource();
        string Frame(JsonObject t) =>
            new JsonObject
            {
                ["arg"] = new JsonObject { ["channel"] = "trades-all", ["instId"] = "BTC-USDT" },
                ["data"] = new JsonArray(t.DeepClone()),
            }.ToJsonString();

        await using var server = await FakeExchangeServer.StartAsync(
            async socket =>
            {
                var subscribe = JsonNode.Parse(await socket.ReceiveAsync())!;
                Assert.Equal("trades-all", (string)subscribe["args"]![0]!["channel"]!);
                await socket.SendAsync("""{"event":"subscribe","arg":{"channel":"trades-all","instId":"BTC-USDT"},"connId":"1"}""");
                // After reconnecting: trades 21-35 were missed while down, and 51-53 are skipped on a live link.
                await socket.DropOnceAsync(
                    recorded.Take(20).Select(Frame),
                    firstTwenty.Task,
                    recorded.Skip(35).Take(15).Concat(recorded.Skip(53)).Select(Frame)
                );
            },
            app =>
                app.MapGet(
                    "/api/v5/market/history-trades",
                    (string instId, int type, long after, int limit) =>
                    {
                        // Newest first, ids below "after", small pages so the client must page back.
                        var page = recorded
                            .Where(t => long.Parse((string)t["tradeId"]!) < after)
                            .OrderByDescending(t => long.Parse((string)t["tradeId"]!))
                            .Take(Math.Min(limit, 7))
                            .Select(t => t.DeepClone())
                            .ToArray();
                        return Results.Text(
                            new JsonObject
                            {
                                ["code"] = "0",
                                ["msg"] = "",
                                ["data"] = new JsonArray(page),
                            }.ToJsonString(),
                            "application/json"
                        );
                    }
                )
        );

        var (trades, connection) = await LiveFeedRun.RunUntilAsync(server, BtcUsdt, ids.Count, firstTwenty, 20);

        Assert.Equal(ids, trades.Select(t => t.TradeId));
        Assert.Equal(15 + 3, trades.Count(t => t.Origin == Origin.Backfill));
        Assert.Equal(2, connection.Stats.Gaps);
        var filled = trades.Single(t => t.TradeId == ids[25]);
        Assert.Equal((string)recorded[25]["px"]!, filled.Price.ToInvariantString());
        Assert.Equal((string)recorded[25]["sz"]!, filled.Size.ToInvariantString());
    }

    [Fact]
    public async Task Okx_candle_history_is_paged_in_windows_oldest_first_with_only_confirmed_candles()
    {
        // 250 one-minute candles from 2025-01-01T00:00Z; the newest one unconfirmed.
        const long t0 = 1_735_689_600_000;
        var rows = Enumerable
            .Range(0, 250)
            .Select(i => new JsonArray(
                (t0 + i * 60_000L).ToString(),
                $"{100 + i}",
                $"{101 + i}",
                $"{99 + i}",
                $"{100.5m + i}",
                "2",
                "200",
                "201",
                i == 249 ? "0" : "1"
            ))
            .ToList();
        await using var server = await FakeExchangeServer.StartAsync(
            _ => Task.CompletedTask,
            app =>
                app.MapGet(
                    "/api/v5/market/history-candles",
                    (string instId, string bar, long after, long before, int limit) =>
                    {
                        var page = rows.Where(r => long.Parse((string)r[0]!) < after && long.Parse((string)r[0]!) > before)
                            .OrderByDescending(r => long.Parse((string)r[0]!))
                            .Take(limit)
                            .Select(r => r.DeepClone())
                            .ToArray();
                        return Results.Text(
                            new JsonObject
                            {
                                ["code"] = "0",
                                ["msg"] = "",
                                ["data"] = new JsonArray(page),
                            }.ToJsonString(),
                            "application/json"
                        );
                    }
                )
        );
        var venue = VenueRegistry.Default.Get("okx");
        using var http = new HttpClient();
        using var guard = new VenueGuard(venue, new ConnectionOptions { RestRequestsPerSecond = 100 });
        var history = venue.CreateHistory(new VenueHttp(http, guard, NullLogger.Instance), server.RestBase);

        var candles = new List<Candle>();
        await foreach (var page in history.CandlePagesAsync(BtcUsdt, "1m", t0 * 1000, (t0 + 250 * 60_000L) * 1000, CancellationToken.None))
            candles.AddRange(page);

        Assert.Equal(Enumerable.Range(0, 249).Select(i => (t0 + i * 60_000L) * 1000), candles.Select(c => c.OpenTimeUs));
        Assert.Equal("101.5", candles[1].Close.ToInvariantString());
        Assert.Equal(3, server.RestRequests.Count); // 100 + 100 + 50 candles
        Assert.All(server.RestRequests, r => Assert.Contains("bar=1m", r));
    }
}
