// GET /twaps and /twaps/{twap_id} against an ingested history, checked with DuckDB over the same Parquet files.
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Pipeline.Twap.Tests;

public sealed class TwapApiTests(TwapApiFixture f) : IClassFixture<TwapApiFixture>
{
    private const string Columns = "twap_id, time_us, status, coin, side, sz, executed_sz, executed_ntl, minutes";

    // DuckDB's own window function picks the latest status per TWAP: an independent computation of latest_per_twap.
    private const string LatestSql =
        $"SELECT {Columns} FROM (SELECT *, row_number() OVER (PARTITION BY twap_id ORDER BY time_us DESC) AS rn "
        + "FROM statuses WHERE wallet = $1 AND time_us >= $2 AND time_us < $3 AND ($4 = '' OR coin = $4)) WHERE rn = 1 ORDER BY "
        + "time_us, twap_id";
    private const string AllSql =
        $"SELECT {Columns} FROM statuses WHERE wallet = $1 AND time_us >= $2 AND time_us < $3 AND ($4 = '' OR coin = $4) "
        + "ORDER BY time_us, twap_id";

    private static long Us(DateTime t) => (t - DateTime.UnixEpoch).Ticks / 10;

    public static TheoryData<bool, int, int, string> Queries() =>
        new()
        {
            { true, 0, TwapApiFixture.Hours + 1, "" },
            { false, 0, TwapApiFixture.Hours + 1, "" },
            { true, 2, 5, "" },
            { false, 3, 6, "" },
            { true, 0, TwapApiFixture.Hours + 1, "BTC" },
            { false, 1, 7, "@107" },
        };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Answers_for_every_wallet_equal_duckdb_over_the_same_parquet_files(bool latest, int fromHour, int toHour, string asset)
    {
        var start = TwapDataset.Start.AddHours(fromHour);
        var end = TwapDataset.Start.AddHours(toHour);
        foreach (var wallet in TwapDataset.Wallets.Select(w => w.ToLowerInvariant()))
        {
            var expected = f.Query(latest ? LatestSql : AllSql, wallet, Us(start), Us(end), asset);
            var got = await AllPagesAsync(
                $"/twaps?wallet={wallet}&start={start:O}&end={end:O}&latest_per_twap={(latest ? "true" : "false")}"
                    + (asset == "" ? "" : $"&asset={Uri.EscapeDataString(asset)}")
                    + "&limit=5000"
            );
            Assert.True(expected.Count > 0, $"the oracle finds statuses for {wallet}");
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public async Task Latest_per_twap_is_the_default_and_pages_of_any_size_concatenate_to_the_whole_answer()
    {
        var wallet = TwapDataset.Wallets[0]; // mixed case: the API accepts it and answers for the lower-cased wallet
        var whole = await AllPagesAsync($"/twaps?wallet={wallet}&limit=5000");
        var paged = await AllPagesAsync($"/twaps?wallet={wallet}&limit=37");

        Assert.Equal(f.Query(LatestSql, wallet.ToLowerInvariant(), 0L, long.MaxValue, ""), whole);
        Assert.Equal(whole, paged);
        Assert.Equal(whole.Count, whole.Select(r => r.Item1).Distinct().Count());
    }

    [Theory]
    [InlineData(true, "")]
    [InlineData(false, "")]
    [InlineData(false, "BTC")]
    public async Task Cursor_pages_concatenate_to_duckdbs_answer_in_both_modes(bool latest, string asset)
    {
        foreach (var wallet in TwapDataset.Wallets.Select(w => w.ToLowerInvariant()))
        {
            var expected = f.Query(latest ? LatestSql : AllSql, wallet, 0L, long.MaxValue, asset);
            var got = await AllCursorPagesAsync(
                $"/twaps?wallet={wallet}&latest_per_twap={(latest ? "true" : "false")}"
                    + (asset == "" ? "" : $"&asset={asset}")
                    + "&limit=29"
            );
            Assert.True(expected.Count > 29, $"the oracle finds several pages of statuses for {wallet}");
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public async Task A_cursor_from_another_route_or_with_an_offset_is_a_400_problem()
    {
        var wallet = TwapDataset.Wallets[0].ToLowerInvariant();
        using var first = JsonDocument.Parse(await f.Http.GetStringAsync($"/twaps?wallet={wallet}&limit=1"));
        var cursor = first.RootElement.GetProperty("metadata").GetProperty("next_cursor").GetString();
        var tradesCursor = Pipeline.Api.ApiCursor.Encode("trades", "12:34");

        using var withOffset = await f.Http.GetAsync($"/twaps?wallet={wallet}&limit=1&offset=3&cursor={cursor}");
        using var foreign = await f.Http.GetAsync($"/twaps?wallet={wallet}&cursor={tradesCursor}");
        using var garbage = await f.Http.GetAsync(
            $"/twaps?wallet={wallet}&cursor={Pipeline.Api.ApiCursor.Encode("twaps", "not-a-position")}"
        );

        Assert.Equal(HttpStatusCode.BadRequest, withOffset.StatusCode);
        Assert.Contains("offset", await withOffset.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
    }

    [Fact]
    public async Task One_twap_answers_every_status_update_in_time_order()
    {
        foreach (var id in f.Rows.Select(r => r.TwapId).Distinct().Take(25))
        {
            using var doc = JsonDocument.Parse(await f.Http.GetStringAsync($"/twaps/{id}"));
            var got = doc.RootElement.GetProperty("data").EnumerateArray().Select(Row).ToList();
            Assert.Equal(f.Query($"SELECT {Columns} FROM statuses WHERE twap_id = $1 ORDER BY time_us", id), got);
        }
        using var one = JsonDocument.Parse(await f.Http.GetStringAsync($"/twaps/{f.Rows[0].TwapId}"));
        var first = one.RootElement.GetProperty("data")[0];
        Assert.Equal(JsonValueKind.String, first.GetProperty("executed_notional").ValueKind);
        Assert.EndsWith("Z", first.GetProperty("time").GetString());
    }

    [Theory]
    [InlineData("/twaps", "wallet")]
    [InlineData("/twaps?wallet=", "wallet")]
    [InlineData("/twaps?wallet=0x123", "wallet")]
    [InlineData("/twaps?wallet=0xZZ23456789abcdef0123456789abcdef01234567", "wallet")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&start=yesterday", "start")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&end=2025-13-45", "end")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&start=2025-03-02&end=2025-03-01", "start")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&limit=0", "limit")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&limit=5001", "limit")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&limit=ten", "limit")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&offset=-1", "offset")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&latest_per_twap=maybe", "latest_per_twap")]
    [InlineData("/twaps?wallet=0x0123456789abcdef0123456789abcdef01234567&asset=BTC%20ETH", "asset")]
    [InlineData("/twaps/not-a-number", "twap_id")]
    [InlineData("/twaps/-5", "twap_id")]
    public async Task Every_bad_parameter_is_a_400_problem_naming_it(string url, string parameter)
    {
        using var response = await f.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal($"invalid parameter '{parameter}'", doc.RootElement.GetProperty("title").GetString());
        Assert.DoesNotContain("   at ", body);
    }

    [Fact]
    public async Task An_unknown_twap_is_a_404_problem_and_an_unknown_wallet_an_empty_page()
    {
        using var missing = await f.Http.GetAsync("/twaps/1");
        using var doc = JsonDocument.Parse(await f.Http.GetStringAsync("/twaps?wallet=0x0000000000000000000000000000000000000001"));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, doc.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("metadata").GetProperty("next_offset").ValueKind);
    }

    private async Task<List<(long, long, string, string, string, decimal, decimal, decimal, int)>> AllPagesAsync(string url)
    {
        var all = new List<(long, long, string, string, string, decimal, decimal, decimal, int)>();
        long? offset = 0;
        while (offset is { } o)
        {
            using var doc = JsonDocument.Parse(await f.Http.GetStringAsync($"{url}&offset={o}"));
            all.AddRange(doc.RootElement.GetProperty("data").EnumerateArray().Select(Row));
            var next = doc.RootElement.GetProperty("metadata").GetProperty("next_offset");
            offset = next.ValueKind == JsonValueKind.Null ? null : next.GetInt64();
        }
        return all;
    }

    private async Task<List<(long, long, string, string, string, decimal, decimal, decimal, int)>> AllCursorPagesAsync(string url)
    {
        var all = new List<(long, long, string, string, string, decimal, decimal, decimal, int)>();
        string? cursor = null;
        do
        {
            var onCursorPage = cursor is not null;
            using var doc = JsonDocument.Parse(await f.Http.GetStringAsync(cursor is null ? url : $"{url}&cursor={cursor}"));
            all.AddRange(doc.RootElement.GetProperty("data").EnumerateArray().Select(Row));
            var metadata = doc.RootElement.GetProperty("metadata");
            cursor = metadata.GetProperty("next_cursor").GetString();
            // Offset paging is not offered on a cursor page: the two must not be mixed.
            if (onCursorPage)
                Assert.Equal(JsonValueKind.Null, metadata.GetProperty("next_offset").ValueKind);
        } while (cursor is not null);
        return all;
    }

    private static (long, long, string, string, string, decimal, decimal, decimal, int) Row(JsonElement e) =>
        (
            e.GetProperty("twap_id").GetInt64(),
            (
                DateTime.Parse(e.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal).Ticks
                - DateTime.UnixEpoch.Ticks
            ) / 10,
            e.GetProperty("status").GetString()!,
            e.GetProperty("asset").GetString()!,
            e.GetProperty("side").GetString() == "buy" ? "B" : "A",
            decimal.Parse(e.GetProperty("size").GetString()!, CultureInfo.InvariantCulture),
            decimal.Parse(e.GetProperty("executed_size").GetString()!, CultureInfo.InvariantCulture),
            decimal.Parse(e.GetProperty("executed_notional").GetString()!, CultureInfo.InvariantCulture),
            e.GetProperty("duration_minutes").GetInt32()
        );
}
