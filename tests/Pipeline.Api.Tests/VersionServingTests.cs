// ?version= on the candle and indicator routes, the current version as the default, promote switching it in one step,
// and GET /versions (ADR 0006).
using System.Net;
using System.Text.Json;
using Npgsql;
using Pipeline.Plumbing.Database;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;
using Pipeline.Testing;

namespace Pipeline.Api.Tests;

public sealed class VersionServingTests : IAsyncLifetime
{
    private const string Candles = "/candles/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z";
    private RunningApi _api = null!;

    public async Task InitializeAsync()
    {
        _api = await RunningApi.StartAsync();
        // Ten 1m candles in each version, same keys: live closes at 100, the replay v2 at 200.
        await _api.ExecuteAsync(
            """
            SELECT pipeline_ensure_day_partitions('candles', '2025-01-15Z', '2025-01-15Z');
            INSERT INTO data_versions (name, state, range_from, range_to, instruments, intervals, configuration, records_total,
                records_done, completed_at)
            VALUES ('v2', 'complete', '2025-01-15Z', '2025-01-16Z', '{binance:BTC/USDT:spot}', '{1m}',
                    '{"indicators": ["rsi(21)"]}', 40, 40, now()),
                   ('v3', 'running', '2025-01-15Z', '2025-01-16Z', '{}', '{}', '{}', 100, 25, NULL);
            INSERT INTO candles (version, time, instrument_id, interval, source, open, high, low, close, volume, quote_volume,
                trade_count, closed, revision)
            SELECT v.name, '2025-01-15Z'::timestamptz + n * interval '1 minute', i.id, '1m', 1, v.price, v.price, v.price, v.price, 1,
                v.price, 1, true, 0
            FROM instruments i, generate_series(0, 9) n, (VALUES ('live', 100), ('v2', 200)) v(name, price)
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot';
            INSERT INTO indicators (version, time, instrument_id, interval, indicator, fields)
            SELECT v.name, '2025-01-15Z', i.id, '1m', v.indicator, v.fields::jsonb
            FROM instruments i, (VALUES ('live', 'rsi(14)', '{"rsi": 40}'), ('v2', 'rsi(21)', '{"rsi": 55}')) v(name, indicator, fields)
            WHERE i.exchange = 'binance' AND i.base = 'BTC' AND i.quote = 'USDT' AND i.market = 'spot';
            """
        );
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Version_parameter_serves_that_versions_rows_and_the_default_is_live()
    {
        var live = await _api.GetJsonAsync(Candles);
        var v2 = await _api.GetJsonAsync(Candles + "&version=v2");

        Assert.Equal("live", live.GetProperty("metadata").GetProperty("version").GetString());
        Assert.Equal(
            Enumerable.Repeat("100", 10),
            live.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("close").GetString())
        );
        Assert.Equal("v2", v2.GetProperty("metadata").GetProperty("version").GetString());
        Assert.Equal(Enumerable.Repeat("200", 10), v2.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("close").GetString()));

        var indicators = "/indicators/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z";
        var liveRsi = await _api.GetJsonAsync(indicators);
        var v2Rsi = await _api.GetJsonAsync(indicators + "&version=v2");
        Assert.Equal(["rsi(14)"], liveRsi.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("indicator").GetString()));
        Assert.Equal(["rsi(21)"], v2Rsi.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("indicator").GetString()));
        Assert.Equal(55, v2Rsi.GetProperty("data")[0].GetProperty("values").GetProperty("rsi").GetDouble());
        // A named indicator is checked against the version's own set.
        using var other = await _api.Http.GetAsync(indicators + "&indicator=rsi(14)&version=v2");
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        Assert.Contains("rsi(21)", await other.Content.ReadAsStringAsync());

        var coverage = await _api.GetJsonAsync(
            "/coverage/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z&end=2025-01-15T00:10:00Z&version=v2"
        );
        Assert.Equal(10, coverage.GetProperty("data").GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("&version=v9", 404, "version 'v9' does not exist")]
    [InlineData("&version=V2", 400, "not a valid version name")]
    [InlineData("&version=" + "a123456789012345678901234567890123", 400, "not a valid version name")]
    public async Task An_unknown_or_malformed_version_gets_a_problem_answer(string query, int status, string mentions)
    {
        foreach (var route in new[] { Candles, "/indicators/binance/BTC/USDT/spot/1m?start=2025-01-15T00:00:00Z" })
        {
            using var response = await _api.Http.GetAsync(route + query);
            Assert.Equal((HttpStatusCode)status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(mentions, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Promote_switches_the_default_in_one_step_and_no_answer_mixes_versions()
    {
        await using var db = NpgsqlDataSource.Create(_api.Database);
        var store = new DataVersionStore(db);
        // Only a complete version can be promoted.
        var running = await Assert.ThrowsAsync<InvalidRequestException>(() => store.PromoteAsync(DataVersion.Parse("v3")));
        Assert.Contains("running, not complete", running.Message);
        await Assert.ThrowsAsync<InvalidRequestException>(() => store.PromoteAsync(DataVersion.Parse("v7")));

        // Readers keep asking (each a different limit, so no answer comes from the one-second cache) while v2 is promoted.
        using var stop = new CancellationTokenSource();
        var seen = new List<(string Version, HashSet<string> Closes)>();
        var readers = Enumerable
            .Range(0, 3)
            .Select(r =>
                Task.Run(async () =>
                {
                    var n = r * 1000;
                    while (!stop.IsCancellationRequested)
                    {
                        var page = await _api.GetJsonAsync($"{Candles}&limit={1 + n++ % 9000}");
                        var closes = page.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("close").GetString()!).ToHashSet();
                        lock (seen)
                            seen.Add((page.GetProperty("metadata").GetProperty("version").GetString()!, closes));
                    }
                })
            )
            .ToList();
        await Eventually.TrueAsync(() => Task.FromResult(Count(seen) >= 20), what: "answers before the promote");
        await store.PromoteAsync(DataVersion.Parse("v2"));
        var promotedAt = Count(seen);
        await Eventually.TrueAsync(
            () => Task.FromResult(Snapshot(seen).Skip(promotedAt).Count(s => s.Version == "v2") >= 20),
            what: "answers from v2"
        );
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        var all = Snapshot(seen);
        Assert.All(all, s => Assert.Equal(s.Version == "live" ? ["100"] : ["200"], s.Closes));
        Assert.Contains(all, s => s.Version == "live");
        // Once a reader saw v2, no later answer of a fresh query goes back to live.
        var firstV2 = all.FindIndex(s => s.Version == "v2");
        Assert.DoesNotContain(all.Skip(firstV2 + 3), s => s.Version == "live");
        Assert.Equal("v2", await store.CurrentAsync());
        // And back: live can always be promoted again.
        await store.PromoteAsync(DataVersion.Live);
        Assert.Equal("live", await store.CurrentAsync());
    }

    [Fact]
    public async Task Versions_lists_live_and_replays_with_range_configuration_state_progress_and_current()
    {
        var answer = await _api.GetJsonAsync("/versions");

        var versions = answer.GetProperty("data").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal(["live", "v2", "v3"], versions.Keys);
        Assert.True(versions["live"].GetProperty("current").GetBoolean());
        Assert.False(versions["v2"].GetProperty("current").GetBoolean());
        Assert.Equal("complete", versions["v2"].GetProperty("state").GetString());
        Assert.Equal("2025-01-15T00:00:00.000000Z", versions["v2"].GetProperty("from").GetString());
        Assert.Equal("2025-01-16T00:00:00.000000Z", versions["v2"].GetProperty("to").GetString());
        Assert.Equal("rsi(21)", versions["v2"].GetProperty("configuration").GetProperty("indicators")[0].GetString());
        Assert.Equal(["binance:BTC/USDT:spot"], versions["v2"].GetProperty("instruments").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(0.25, versions["v3"].GetProperty("progress").GetProperty("fraction").GetDouble());
        Assert.Equal(3, answer.GetProperty("metadata").GetProperty("count").GetInt32());

        var v3 = await _api.GetJsonAsync("/replays/v3");
        Assert.Equal(
            ("running", 25L, 100L),
            (
                v3.GetProperty("state").GetString(),
                v3.GetProperty("progress").GetProperty("records_done").GetInt64(),
                v3.GetProperty("progress").GetProperty("records_total").GetInt64()
            )
        );
        using var missing = await _api.Http.GetAsync("/replays/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    private static int Count(List<(string, HashSet<string>)> seen)
    {
        lock (seen)
            return seen.Count;
    }

    private static List<(string Version, HashSet<string> Closes)> Snapshot(List<(string, HashSet<string>)> seen)
    {
        lock (seen)
            return [.. seen];
    }
}
