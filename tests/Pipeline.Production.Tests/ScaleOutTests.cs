// The roles scaled out as the compose stack runs them: separate `pipeline process` and `pipeline sink` processes sharing
// the partitions through their consumer groups. Killing one of each (kill -9) while they work and restarting it must
// not change the stored candles: they equal those of a single processor and a single sink given the same input.
using System.Globalization;
using System.Text;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Topics;
using Xunit.Abstractions;

namespace Pipeline.Production.Tests;

public class ScaleOutTests(ITestOutputHelper output)
{
    private static readonly (string Base, decimal Price)[] Coins =
    [
        ("BTC", 42_000m),
        ("ETH", 2_300m),
        ("SOL", 95m),
        ("BNB", 310m),
        ("XRP", 0.61m),
        ("ADA", 0.52m),
    ];

    private const string Candles =
        "SELECT c.version, i.base, c.interval, c.source, c.time, c.open, c.high, c.low, c.close, c.volume, c.quote_volume, c.trade_count, "
        + "c.taker_buy_volume, c.taker_buy_quote_volume, c.vwap, c.first_trade_id, c.last_trade_id, c.closed, c.revision "
        + "FROM candles c JOIN instruments i ON i.id = c.instrument_id ORDER BY c.version, i.base, c.interval, c.source, c.time";
    private const string Indicators =
        "SELECT x.version, i.base, x.interval, x.indicator, x.time, x.fields::text, x.candle_revision "
        + "FROM indicators x JOIN instruments i ON i.id = x.instrument_id ORDER BY 1, 2, 3, 4, 5";
    private const string Trades =
        "SELECT i.base, count(*), sum(t.size), min(t.trade_id), max(t.trade_id), count(DISTINCT t.trade_id) "
        + "FROM trades t JOIN instruments i ON i.id = t.instrument_id GROUP BY i.base ORDER BY 1";

    [Fact]
    public async Task Three_processors_and_two_sinks_with_one_of_each_killed_store_the_candles_of_a_single_instance_run()
    {
        var folder = Pipeline.Testing.TestDirectories.Create("scale-out-input");
        var instruments = WriteInstruments(folder);
        var day1 = Coins
            .Select((c, i) => WriteTradesDump(folder, c.Base, c.Price, new DateOnly(2025, 1, 2), 1_000_000L * (i + 1), seed: i))
            .ToList();
        var day2 = Coins
            .Select(
                (c, i) => WriteTradesDump(folder, c.Base, c.Price, new DateOnly(2025, 1, 3), 1_000_000L * (i + 1) + 10_000, seed: 100 + i)
            )
            .ToList();

        var single = await RunAsync("single", instruments, day1, day2, processors: 1, sinks: 1, killDuringDay2: false);
        var scaled = await RunAsync("scaled", instruments, day1, day2, processors: 3, sinks: 2, killDuringDay2: true);

        Assert.Equal(Coins.Length * 2 * TradesPerDump, single.Trades.Sum(t => long.Parse(t.Split('|')[1], CultureInfo.InvariantCulture)));
        Assert.Equal(single.Trades, scaled.Trades);
        Assert.True(single.Candles.Count > 500, $"only {single.Candles.Count} candles");
        Assert.True(single.Candles.Count(c => c.Split('|')[17] == "True") > 400, "too few closed candles");
        Assert.Equal(single.Candles.Count, scaled.Candles.Count);
        for (var i = 0; i < single.Candles.Count; i++)
            Assert.Equal(single.Candles[i], scaled.Candles[i]);
        Assert.True(single.Indicators.Count > 0);
        Assert.Equal(single.Indicators, scaled.Indicators);
    }

    private sealed record Stored(List<string> Trades, List<string> Candles, List<string> Indicators);

    private async Task<Stored> RunAsync(
        string name,
        string instruments,
        List<string> day1,
        List<string> day2,
        int processors,
        int sinks,
        bool killDuringDay2
    )
    {
        await using var deployment = await RoleDeployment.StartAsync(name, instruments);
        var roles = Enumerable
            .Range(1, processors)
            .Select(i => $"process-{i}")
            .Concat(Enumerable.Range(1, sinks).Select(i => $"sink-{i}"))
            .ToList();
        await Task.WhenAll(roles.Select(deployment.StartRoleAsync));

        await deployment.ImportAsync(day1);
        await deployment.WaitUntilSettledAsync(TimeSpan.FromMinutes(3));
        // Every replica holds part of the work: the groups spread the partitions over all members.
        var processorShares = await deployment.PartitionsPerMemberAsync(new ProcessingOptions().GroupId, TopicCatalog.RawTrades.Name);
        Assert.Equal(processors, processorShares.Count);
        Assert.All(
            processorShares,
            n => Assert.True(n > 0, $"{name}: a processor holds no partition of trades.raw: {string.Join(",", processorShares)}")
        );
        // The sticky assignor balances the count over all three topics, so one sink may hold every candles partition.
        var sinkShares = await deployment.PartitionsPerMemberAsync(
            "pipeline-sink",
            TopicCatalog.ValidTrades.Name,
            TopicCatalog.Candles.Name,
            TopicCatalog.Indicators.Name
        );
        Assert.Equal(sinks, sinkShares.Count);
        Assert.All(sinkShares, n => Assert.True(n > 0, $"{name}: a sink holds no partition: {string.Join(",", sinkShares)}"));

        var day1Trades = await deployment.CountAsync("SELECT count(*) FROM trades");
        var import = deployment.ImportAsync(day2);
        if (killDuringDay2)
        {
            // As soon as day 2 reaches the database, one processor and one sink die mid-work and come back under the
            // same names (a processor's transactional id is its instance id: the restart fences its predecessor).
            await Pipeline.Testing.Eventually.TrueAsync(
                async () => await deployment.CountAsync("SELECT count(*) FROM trades") > day1Trades,
                TimeSpan.FromMinutes(3),
                $"{name}: day 2 reaching the database",
                TimeSpan.FromMilliseconds(20)
            );
            deployment.Kill("process-2");
            deployment.Kill("sink-1");
            output.WriteLine(
                $"{name}: kill -9 process-2 and sink-1 with {await deployment.CountAsync("SELECT count(*) FROM trades")} of "
                    + $"{Coins.Length * 2 * TradesPerDump} trades stored"
            );
            await Task.WhenAll(deployment.StartRoleAsync("process-2"), deployment.StartRoleAsync("sink-1"));
        }
        await import;
        await deployment.WaitUntilSettledAsync(TimeSpan.FromMinutes(4));
        var stored = new Stored(
            await deployment.RowsAsync(Trades),
            await deployment.RowsAsync(Candles),
            await deployment.RowsAsync(Indicators)
        );
        output.WriteLine(
            $"{name}: {processors} processor(s), {sinks} sink(s): {stored.Candles.Count} candles, {stored.Indicators.Count} indicator rows"
        );
        return stored;
    }

    private const int TradesPerDump = 1_500;

    /// <summary>A Binance spot `trades` dump (data.binance.vision layout, microsecond times) of a seeded random walk
    /// over the first ~45 minutes of the day.</summary>
    private static string WriteTradesDump(string folder, string coin, decimal price, DateOnly day, long firstId, int seed)
    {
        var rng = new Random(seed);
        var path = Path.Combine(folder, $"{coin}USDT-trades-{day:yyyy-MM-dd}.csv");
        var timeUs = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds() * 1000;
        var tick = Math.Max(0.0001m, Math.Round(price / 20_000m, 4));
        var text = new StringBuilder("id,price,qty,quote_qty,time,is_buyer_maker,is_best_match\n");
        for (var i = 0; i < TradesPerDump; i++)
        {
            timeUs += rng.Next(1, 3_600_000);
            price = Math.Max(tick, price + tick * rng.Next(-3, 4));
            var qty = rng.Next(1, 200_000) / 100_000m;
            text.Append(
                CultureInfo.InvariantCulture,
                $"{firstId + i},{price:F8},{qty:F8},{price * qty:F8},{timeUs},{(rng.Next(2) == 0 ? "True" : "False")},True\n"
            );
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static string WriteInstruments(string folder)
    {
        var path = Path.Combine(folder, "instruments.yaml");
        var lines = Coins.Select(c =>
            $"  - {{ exchange: binance, base: {c.Base}, quote: USDT, market: spot, symbol: {c.Base}USDT, intervals: [1m, 5m, 1h] }}"
        );
        File.WriteAllText(path, "instruments:\n" + string.Join("\n", lines) + "\n");
        return path;
    }
}
