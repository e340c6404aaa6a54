// The recent-candle store answers /candles exactly as PostgreSQL does (issue 12, "speed on real query mixes"): candle
// records (open updates, finals, revisions, stale updates, an invalid record) go through the real sink into PostgreSQL
// and, at the same time, into an API whose store holds the last 20 candles per series; an API without the store reads
// the same database. Hundreds of random queries (every interval incl. 1w and 3d, both sources, latest rows, ranges,
// cursor paging, fill, ?version=) must get byte-identical answers from both, then again after a promote. And the store
// never answers behind what the sink has stored (its consumer held back while the sink stores a revision).
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Confluent.Kafka;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Pipeline.Api.RecentCandles;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.Serialization;
using Pipeline.Plumbing.Topics;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using Pipeline.Sinks;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class RecentCandleStoreTests
{
    private const int Depth = 20;
    private const int CandlesPerSeries = 45;
    private static readonly DateTimeOffset Now = new(2025, 6, 4, 10, 17, 30, TimeSpan.Zero);
    private static readonly long NowUs = Now.ToUnixTimeMilliseconds() * 1000;
    private static readonly InstrumentRef Btc = InstrumentRef.Create("binance", "BTC", "USDT", MarketType.Spot);
    private static readonly InstrumentRef Eth = InstrumentRef.Create("binance", "ETH", "USDT", MarketType.Spot);

    // Registered but never given a candle: answers are empty, from the store as from PostgreSQL.
    private static readonly InstrumentRef Empty = InstrumentRef.Create("kraken", "BTC", "USD", MarketType.Spot);
    private static readonly string[] ExchangeIntervals = ["1m", "1h", "1w"];

    [Fact]
    public async Task Store_answers_equal_postgresql_answers_for_random_queries_with_paging_fill_revisions_and_versions()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2, loggers: RunningApi.Loggers);
        var (kafka, db) = (pipeline.Kafka, pipeline.Database);
        var rng = new Random(12);
        var (older, newer) = Records(rng);

        pipeline.Run(SinkRole.RunAsync);
        var sink = pipeline.Roles[0];
        try
        {
            // The older candles are stored before the store's API starts: it loads them from its PostgreSQL snapshot.
            Produce(kafka.Settings, older);
            await SinkStoredEverythingAsync(kafka.Settings, db, sink);
            var clock = new FixedClock(Now);
            await using var stored = await RunningApi.StartAsync(
                kafka.Settings,
                clock,
                o =>
                {
                    o.Api.CandleStoreDepth = Depth;
                    o.Api.RateLimitPerSecond = 0;
                },
                database: db
            );
            await using var plain = await RunningApi.StartAsync(kafka.Settings, clock, o => o.Api.RateLimitPerSecond = 0, database: db);
            var store = stored.Services.GetRequiredService<RecentCandleStore>();
            await Eventually.TrueAsync(
                () => Task.FromResult(store.Serving),
                TimeSpan.FromSeconds(60),
                "the store loaded and at the topic's end"
            );
            Assert.True(store.Count > 0, "the store loaded nothing from its snapshot");

            // The newer candles, revisions (some of candles older than the store holds), stale open updates and an
            // invalid record arrive while both run: the store takes them from the topic, PostgreSQL from the sink.
            Produce(kafka.Settings, newer);
            var ends = await SinkStoredEverythingAsync(kafka.Settings, db, sink);
            await Eventually.TrueAsync(
                () => Task.FromResult(store.Serving && ends.All(e => store.Positions.TryGetValue(e.Key, out var p) && p >= e.Value)),
                TimeSpan.FromSeconds(60),
                "the store applied every candle record"
            );

            // A replay version in PostgreSQL only: ?version=v2 is PostgreSQL's to answer.
            await stored.ExecuteAsync(
                """
                INSERT INTO data_versions (name, state, range_from, range_to, instruments, intervals, configuration, records_total,
                    records_done, completed_at)
                VALUES ('v2', 'complete', '2025-01-01Z', '2025-07-01Z', '{binance:BTC/USDT:spot}', '{1m,1w}', '{}', 1, 1, now());
                INSERT INTO candles (version, time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
                    trade_count, closed, revision)
                SELECT 'v2', c.time, c.instrument_id, c.interval, c.source, c.open * 2, c.high * 2, c.low * 2, c.close * 2, c.volume,
                    c.quote_volume,
                       c.trade_count, c.closed, c.revision
                FROM candles c WHERE c.version = 'live' AND c.interval IN ('1m', '1w');
                """
            );

            var hitsBefore = store.Hits;
            var compared = 0;
            for (var q = 0; q < 200; q++)
                compared += await CompareAsync(stored, plain, RandomQuery(rng, q));
            // Hand-picked edges: the store's first held candle, a range ending exactly at it, fill from before it.
            foreach (var edge in EdgeQueries())
                compared += await CompareAsync(stored, plain, edge);
            var hits = store.Hits - hitsBefore;
            Assert.True(hits >= 100, $"only {hits} of {compared} answers came from the store");
            Assert.True(store.Misses >= 20, $"only {store.Misses} answers fell back to PostgreSQL: the fallback is not exercised");

            // Promote v2: the default version is no longer live, so every default request must read PostgreSQL's v2.
            await using (var ds = NpgsqlDataSource.Create(db))
                await new DataVersionStore(ds).PromoteAsync(DataVersion.Parse("v2"));
            await Eventually.TrueAsync(() => Task.FromResult(!store.LiveIsCurrent), TimeSpan.FromSeconds(30), "the store saw the promote");
            var hitsAtPromote = store.Hits;
            for (var q = 0; q < 25; q++)
            {
                var query = RandomQuery(rng, 1000 + q, allowVersion: false);
                await CompareAsync(stored, plain, query);
                using var doc = JsonDocument.Parse(await stored.Http.GetStringAsync(query));
                Assert.Equal("v2", doc.RootElement.GetProperty("metadata").GetProperty("version").GetString());
            }
            Assert.Equal(hitsAtPromote, store.Hits);
        }
        finally
        {
            await pipeline.StopRolesAsync();
        }
        Assert.True(sink.IsCompletedSuccessfully, $"the sink did not stop cleanly: {sink.Exception}");
    }

    // Regression (issue 12; final fresh-clone CI of session 5, ApiMatchesProcessorOutputTests): right after the sink had
    // stored everything, the API answered one candle at its previous update. The store reads the candles topic with a
    // consumer of its own and took "stood at the end of every partition lately" for fresh, which stays true until its
    // consumer is handed the next record, however long that takes; the sink's consumer may have read and stored it first.
    // Here the store's consumer is paused (it fetches nothing) while the real sink stores a revision.
    [Fact]
    public async Task Api_answers_what_the_sink_stored_while_the_store_reads_the_topic_behind_the_sink()
    {
        await using var pipeline = await TestPipeline.StartAsync(partitions: 2, loggers: RunningApi.Loggers);
        var (kafka, db) = (pipeline.Kafka, pipeline.Database);
        var rng = new Random(7);
        var minute = CandleInterval.OneMinute;
        var time = minute.OpenTimeOf(NowUs) - minute.DurationUs;
        var first = Make(rng, Btc, minute, CandleSource.Aggregated, time, closed: true, revision: 0);
        var revised = Make(rng, Btc, minute, CandleSource.Aggregated, time, closed: true, revision: 1);
        // The latest candle: the one above. A distinct URL per request (the output cache keeps PostgreSQL's answers 1 s).
        string Latest(int n) => $"/candles/binance/BTC/USDT/spot/1m?limit=1&q={n}";

        pipeline.Run(SinkRole.RunAsync);
        var sink = pipeline.Roles[0];
        try
        {
            Produce(kafka.Settings, [first]);
            await SinkStoredEverythingAsync(kafka.Settings, db, sink);
            await using var api = await RunningApi.StartAsync(
                kafka.Settings,
                new FixedClock(Now),
                o => o.Api.CandleStoreDepth = Depth,
                database: db
            );
            var store = api.Services.GetRequiredService<RecentCandleStore>();
            await Eventually.TrueAsync(() => store.Serving, TimeSpan.FromSeconds(60), "the store loaded and at the topic's end");
            var hits = store.Hits;
            AssertLatestIs(first, await api.Http.GetStringAsync(Latest(1)));
            Assert.Equal(hits + 1, store.Hits);

            var feed = api.Services.GetServices<IHostedService>().OfType<RecentCandleFeed>().Single();
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                await feed.HoldAsync(wait.Token);
            Dictionary<int, long> ends;
            try
            {
                Produce(kafka.Settings, [revised]);
                ends = await SinkStoredEverythingAsync(kafka.Settings, db, sink);
                Assert.True(
                    ends.Any(e => store.Positions.TryGetValue(e.Key, out var applied) && applied < e.Value),
                    "the store read the revision although its consumer was held"
                );
                // Once the store's own check (every 100 ms) has read the sink's new positions, it knows it is behind.
                await Eventually.TrueAsync(
                    () => ends.All(e => e.Value == 0 || store.SinkStored.TryGetValue(e.Key, out var s) && s >= e.Value),
                    TimeSpan.FromSeconds(30),
                    "the store to read the sink's new positions"
                );
                var misses = store.Misses;
                AssertLatestIs(revised, await api.Http.GetStringAsync(Latest(2)));
                Assert.Equal(misses + 1, store.Misses); // PostgreSQL answered
                Assert.False(store.Serving, "the store serves while the sink has stored a record it has not read");
            }
            finally
            {
                feed.Release();
            }

            // Released, the store reads the revision, is at the sink's positions again and answers from memory.
            await Eventually.TrueAsync(
                () => store.Serving && ends.All(e => e.Value == 0 || store.Positions.TryGetValue(e.Key, out var p) && p >= e.Value),
                TimeSpan.FromSeconds(30),
                "the store to catch up with the sink"
            );
            hits = store.Hits;
            AssertLatestIs(revised, await api.Http.GetStringAsync(Latest(3)));
            Assert.Equal(hits + 1, store.Hits);
        }
        finally
        {
            await pipeline.StopRolesAsync();
        }
        Assert.True(sink.IsCompletedSuccessfully, $"the sink did not stop cleanly: {sink.Exception}");
    }

    // The rule that fixes the regression above, on the store alone: it answers only while it has applied the sink's stored
    // positions as read by a check begun less than SinkCheckValidFor ago, and a check that finds the sink ahead stops it
    // at once (an earlier check's word no longer counts).
    [Fact]
    public void Store_serves_only_while_it_has_applied_the_sink_positions_of_a_recent_check()
    {
        var store = new RecentCandleStore(Depth);
        store.Load([], new Dictionary<int, long> { [0] = 5, [1] = 3 });
        store.MarkCaughtUp();
        store.MarkContact();
        Assert.False(store.Serving, "serving before any check of the sink's positions");
        store.NoteSinkPositions(new Dictionary<int, long> { [0] = 5, [1] = 3 }, Stopwatch.GetTimestamp());
        Assert.True(store.Serving, "not serving at the sink's positions of its snapshot");

        // The sink committed records of partition 0 that the store has not read: PostgreSQL answers until it has.
        store.NoteSinkPositions(new Dictionary<int, long> { [0] = 9, [1] = 3 }, Stopwatch.GetTimestamp());
        Assert.False(store.Serving, "serving while the sink has stored records the store has not read");
        store.NoteProgress(0, 8);
        Assert.False(store.Serving, "serving one record behind the sink");
        store.NoteProgress(0, 9);
        Assert.True(store.Serving, "not serving once at the sink's positions");
        store.NoteProgress(0, 11);
        store.NoteSinkPositions(new Dictionary<int, long> { [0] = 10, [1] = 3 }, Stopwatch.GetTimestamp());
        Assert.True(store.Serving, "not serving while ahead of the sink");

        // A partition the store has read nothing of yet (the sink stored a position there after the store's snapshot).
        store.NoteSinkPositions(
            new Dictionary<int, long>
            {
                [0] = 10,
                [1] = 3,
                [2] = 1,
            },
            Stopwatch.GetTimestamp()
        );
        Assert.False(store.Serving, "serving without having read a partition the sink has stored records of");
        store.NoteProgress(2, 1);
        Assert.True(store.Serving, "not serving once the partition is read");

        // A check begun SinkCheckValidFor ago vouches for nothing: the sink may have committed since.
        var validTicks = (long)(RecentCandleStore.SinkCheckValidFor.TotalSeconds * Stopwatch.Frequency);
        store.NoteSinkPositions(new Dictionary<int, long> { [0] = 10 }, Stopwatch.GetTimestamp() - validTicks);
        Assert.False(store.Serving, "serving on a check older than SinkCheckValidFor");

        // A reload holds its snapshot's positions and waits for a new check.
        store.Load([], new Dictionary<int, long> { [0] = 12 });
        store.MarkCaughtUp();
        Assert.False(store.Serving, "serving after a reload on a check made before it");
        store.NoteSinkPositions(new Dictionary<int, long> { [0] = 12 }, Stopwatch.GetTimestamp());
        Assert.True(store.Serving, "not serving at the reloaded snapshot's positions");
    }

    /// <summary>The answer holds exactly one candle, the record's (its time, revision and close as published).</summary>
    private static void AssertLatestIs(Candle expected, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var served = doc.RootElement.GetProperty("data").EnumerateArray().Single();
        Assert.Equal(
            DateTime.UnixEpoch.AddTicks(expected.OpenTimeUs * 10),
            DateTime.Parse(served.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)
        );
        Assert.Equal(expected.Revision, served.GetProperty("revision").GetInt32());
        Assert.Equal(expected.Close.ToInvariantString(), served.GetProperty("close").GetString());
        Assert.Equal(expected.High.ToInvariantString(), served.GetProperty("high").GetString());
    }

    /// <summary>Both APIs answer the query (and each page its next_cursor leads to) with the same status and bytes.
    /// Returns how many answers were compared.</summary>
    private static async Task<int> CompareAsync(RunningApi stored, RunningApi plain, string query)
    {
        var compared = 0;
        var url = query;
        for (var page = 0; page < 6; page++)
        {
            using var a = await stored.Http.GetAsync(url);
            using var b = await plain.Http.GetAsync(url);
            var bodyA = await a.Content.ReadAsStringAsync();
            var bodyB = await b.Content.ReadAsStringAsync();
            Assert.True(b.StatusCode == HttpStatusCode.OK, $"GET {url} → {(int)b.StatusCode}: {bodyB}");
            Assert.True(
                a.StatusCode == b.StatusCode && bodyA == bodyB,
                $"GET {url}: the store answered\n{bodyA}\nPostgreSQL answered\n{bodyB}"
            );
            compared++;
            using var doc = JsonDocument.Parse(bodyB);
            if (doc.RootElement.GetProperty("metadata").GetProperty("next_cursor").GetString() is not { } cursor)
                break;
            url = query + "&cursor=" + cursor;
        }
        return compared;
    }

    private static string RandomQuery(Random rng, int n, bool allowVersion = true)
    {
        var roll = rng.NextDouble();
        var instrument =
            roll < 0.5 ? Btc
            : roll < 0.88 ? Eth
            : Empty;
        var interval = CandleInterval.All[rng.Next(CandleInterval.All.Count)];
        var source = instrument == Btc && ExchangeIntervals.Contains(interval.Name) && rng.Next(3) == 0 ? "exchange" : null;
        var step = interval.DurationUs;
        var current = interval.OpenTimeOf(NowUs);
        var parts = new List<string>();
        // Ends and starts off the interval grid by a few milliseconds too, as charts send them.
        long Around(long k) => current - k * step + (rng.Next(4) == 0 ? rng.Next(1, 60_000) * 1000L % step : 0);
        string Ms(long us) => (us / 1000).ToString(CultureInfo.InvariantCulture);
        var limit = rng.Next(5) switch
        {
            0 => 1,
            1 => rng.Next(2, 10),
            2 => rng.Next(10, 30),
            3 => 1000,
            _ => rng.Next(1, 60),
        };
        if (rng.Next(3) == 0)
        {
            // The latest rows before end (no start): what a chart asks first.
            if (rng.Next(2) == 0)
                parts.Add("end=" + Ms(Around(rng.Next(-2, CandlesPerSeries + 10))));
        }
        else
        {
            var startK = rng.Next(0, CandlesPerSeries + 10);
            var start = Around(startK);
            parts.Add("start=" + Ms(start));
            if (rng.Next(3) > 0)
                parts.Add("end=" + Ms(Math.Max(start + 1000, Around(startK - rng.Next(1, 40)))));
        }
        parts.Add("limit=" + limit);
        if (rng.Next(4) == 0)
            parts.Add("fill=true");
        if (source is not null)
            parts.Add("source=" + source);
        if (allowVersion && rng.Next(10) == 0)
            parts.Add(rng.Next(2) == 0 ? "version=live" : "version=v2");
        // A parameter nothing reads keeps every URL distinct (the output cache keys on the whole query).
        parts.Add("q=" + n);
        return $"/candles/{instrument.Exchange}/{instrument.Base}/{instrument.Quote}/"
            + $"{InstrumentRef.MarketName(instrument.Market)}/{interval.Name}?"
            + string.Join("&", parts);
    }

    private static IEnumerable<string> EdgeQueries()
    {
        foreach (var interval in new[] { CandleInterval.OneMinute, CandleInterval.Find("3d")!, CandleInterval.Find("1w")! })
        {
            var current = interval.OpenTimeOf(NowUs);
            for (var k = Depth - 3; k <= Depth + 3; k++)
            {
                var t = (current - k * interval.DurationUs) / 1000;
                var path = $"/candles/binance/BTC/USDT/spot/{interval.Name}?";
                yield return path + $"start={t}&limit=5&e=1";
                yield return path + $"end={t}&limit=3&e=2";
                yield return path + $"start={t}&limit=4&fill=true&e=3";
                yield return path + $"end={t}&limit=1&fill=true&e=4";
            }
        }
    }

    /// <summary>Candle records of two instruments, every interval (and the exchange's own candles for three), split
    /// into the older ones (published first) and the rest.</summary>
    private static (List<Candle> Older, List<Candle> Newer) Records(Random rng)
    {
        var older = new List<Candle>();
        var newer = new List<Candle>();
        foreach (var instrument in new[] { Btc, Eth })
        foreach (var interval in CandleInterval.All)
        foreach (var source in new[] { CandleSource.Aggregated, CandleSource.Exchange })
        {
            if (source == CandleSource.Exchange && (instrument != Btc || !ExchangeIntervals.Contains(interval.Name)))
                continue;
            var current = interval.OpenTimeOf(NowUs);
            var finals = new List<Candle>();
            for (var k = CandlesPerSeries - 1; k >= 0; k--)
            {
                if (k > 0 && rng.Next(7) == 0)
                    continue; // an interval without trades
                var into = k >= 15 ? older : newer;
                var time = current - k * interval.DurationUs;
                var open = Make(rng, instrument, interval, source, time, closed: false, revision: 0);
                into.Add(open);
                if (k == 0)
                    continue; // the current candle stays open
                var final = Make(rng, instrument, interval, source, time, closed: true, revision: 0);
                into.Add(final);
                finals.Add(final);
                if (rng.Next(6) == 0)
                    into.Add(Make(rng, instrument, interval, source, time, closed: true, revision: 1));
                // The same (closed, revision) again: the newer record replaces the stored one.
                if (rng.Next(15) == 0)
                    into.Add(Make(rng, instrument, interval, source, time, closed: true, revision: 0));
            }
            // Late: revisions of closed candles of any age (older than the store holds: PostgreSQL alone answers those),
            // and stale open updates of closed candles, which must not replace them.
            foreach (var f in finals.OrderBy(_ => rng.Next()).Take(6))
                newer.Add(Make(rng, instrument, interval, source, f.OpenTimeUs, closed: true, revision: 2 + rng.Next(2)));
            foreach (var f in finals.OrderBy(_ => rng.Next()).Take(3))
                newer.Add(Make(rng, instrument, interval, source, f.OpenTimeUs, closed: false, revision: 0));
        }
        // The sink dead-letters this one (high below low), so the store must skip it too.
        var invalid = Make(
            rng,
            Btc,
            CandleInterval.OneMinute,
            CandleSource.Aggregated,
            CandleInterval.OneMinute.OpenTimeOf(NowUs),
            closed: true,
            revision: 9
        );
        invalid.High = Schemas.V1.Decimal.From(invalid.Low.ToDecimal() / 2);
        newer.Add(invalid);
        return (older, newer);
    }

    private static Candle Make(
        Random rng,
        InstrumentRef instrument,
        CandleInterval interval,
        CandleSource source,
        long time,
        bool closed,
        int revision
    )
    {
        // Prices with 0-8 decimals and trailing zeros kept: the answer shows the stored scale.
        decimal Price(decimal around) =>
            decimal.Parse(
                (around + rng.Next(-5000, 5000) / 100m).ToString("F" + rng.Next(0, 9), CultureInfo.InvariantCulture),
                CultureInfo.InvariantCulture
            );
        var mid = instrument == Btc ? 60000m : 3000m;
        var a = Price(mid);
        var b = Price(mid);
        var low = Math.Min(a, b) - 1;
        var high = Math.Max(a, b) + 1.5m;
        var volume = decimal.Parse($"{rng.Next(0, 900)}.{rng.Next(0, 100000):00000}", CultureInfo.InvariantCulture);
        var c = new Candle
        {
            Instrument = instrument,
            Interval = interval.Name,
            OpenTimeUs = time,
            CloseTimeUs = time + interval.DurationUs,
            Open = Schemas.V1.Decimal.From(a),
            Close = Schemas.V1.Decimal.From(b),
            High = Schemas.V1.Decimal.From(high),
            Low = Schemas.V1.Decimal.From(low),
            Volume = Schemas.V1.Decimal.From(volume),
            QuoteVolume = Schemas.V1.Decimal.From(volume * mid),
            TradeCount = rng.Next(0, 5000),
            Closed = closed,
            Revision = revision,
            Source = source,
            Origin = Origin.Live,
        };
        if (rng.Next(2) == 0)
        {
            c.TakerBuyVolume = Schemas.V1.Decimal.From(volume / 2);
            c.TakerBuyQuoteVolume = Schemas.V1.Decimal.From(volume * mid / 2);
            c.Vwap = Schemas.V1.Decimal.From(mid);
            c.FirstTradeId = rng.Next(1, 1000);
            c.LastTradeId = c.FirstTradeId + rng.Next(0, 1000);
        }
        return c;
    }

    private static void Produce(KafkaClientSettings kafka, IEnumerable<Candle> candles)
    {
        using var p = new ProducerBuilder<string, byte[]>(kafka.Producer("store-test")).Build();
        foreach (var c in candles)
            p.Produce(
                TopicCatalog.Candles.Name,
                new Message<string, byte[]>
                {
                    Key = c.Instrument.Key,
                    Value = c.ToByteArray(),
                    Headers = MessageHeaders.For<Candle>(),
                }
            );
        p.Flush(TimeSpan.FromSeconds(30));
    }

    /// <summary>Waits until the sink's stored positions reach the end of every candles partition; returns those ends.</summary>
    private static async Task<Dictionary<int, long>> SinkStoredEverythingAsync(KafkaClientSettings kafka, string db, Task sink)
    {
        using var admin = new AdminClientBuilder(kafka.Admin("store-test")).Build();
        var partitions = admin
            .GetMetadata(TopicCatalog.Candles.Name, TimeSpan.FromSeconds(10))
            .Topics.Single()
            .Partitions.Select(p => p.PartitionId)
            .ToList();
        using var reader = new ConsumerBuilder<byte[], byte[]>(kafka.Consumer("store-test", "store-test-" + Guid.NewGuid())).Build();
        var ends = partitions.ToDictionary(
            p => p,
            p => reader.QueryWatermarkOffsets(new TopicPartition(TopicCatalog.Candles.Name, p), TimeSpan.FromSeconds(10)).High.Value
        );
        await Eventually.TrueAsync(
            async () =>
            {
                if (sink.IsFaulted)
                    throw sink.Exception!;
                await using var conn = new NpgsqlConnection(db);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT partition, next_offset FROM sink_positions WHERE topic = 'candles'", conn);
                await using var r = await cmd.ExecuteReaderAsync();
                var stored = new Dictionary<int, long>();
                while (await r.ReadAsync())
                    stored[r.GetInt32(0)] = r.GetInt64(1);
                return ends.All(e => e.Value == 0 || (stored.TryGetValue(e.Key, out var s) && s >= e.Value));
            },
            TimeSpan.FromSeconds(120),
            "the sink stored every candle record"
        );
        return ends;
    }
}
