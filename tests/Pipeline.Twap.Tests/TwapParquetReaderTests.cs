// The Parquet reader on objects written by Parquet.Net in the documented shape: time units, missing and extra columns.
using System.Text.Json;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Twap;

namespace Pipeline.Twap.Tests;

public sealed class TwapParquetReaderTests
{
    private static readonly List<TwapStatusRow> Rows = TwapDataset.Hours(hours: 2, twaps: 60).SelectMany(h => h).ToList();

    [Theory]
    [InlineData(TwapTimeColumn.TimestampNanos, 100)]
    [InlineData(TwapTimeColumn.TimestampMicros, 1000)]
    [InlineData(TwapTimeColumn.Int64Nanos, 1)]
    [InlineData(TwapTimeColumn.Int64Millis, 1_000_000)]
    public async Task Status_times_in_every_unit_become_microseconds_truncated_from_what_the_file_holds(
        TwapTimeColumn unit,
        long resolutionNs
    )
    {
        var content = await ReadAsync(await TwapParquetFile.WriteAsync(Rows, unit));

        Assert.Empty(content.Rejected);
        // The file holds the time at its resolution; the pipeline keeps whole microseconds of it.
        Assert.Equal(Rows.Select(r => r.TimeNs / resolutionNs * resolutionNs / 1000), content.Rows.Select(s => s.TimeUs));
        Assert.Equal(Rows.Select(r => r.TimestampMs * 1000), content.Rows.Select(s => s.OrderTimeUs));
        Assert.Equal(
            Rows.Select(r => (r.TwapId, r.Minutes, r.ReduceOnly, r.Randomize, r.Status, r.Coin)),
            content.Rows.Select(s => (s.TwapId, s.Minutes, s.ReduceOnly, s.Randomize, s.Status, s.Coin))
        );
    }

    [Fact]
    public async Task Sizes_and_notionals_stay_exact_decimals_and_the_wallet_is_lower_cased()
    {
        var content = await ReadAsync(await TwapParquetFile.WriteAsync(Rows));

        Assert.Equal(
            Rows.Select(r => (r.Sz, r.ExecutedSz, r.ExecutedNtl, r.Wallet)),
            content.Rows.Select(s =>
                (s.Size.ToInvariantString(), s.ExecutedSize.ToInvariantString(), s.ExecutedNotional.ToInvariantString(), s.Wallet)
            )
        );
        Assert.Contains(content.Rows, s => s.Wallet == TwapDataset.Wallets[0].ToLowerInvariant());
    }

    [Fact]
    public async Task Extra_columns_are_kept_in_the_raw_payload_and_a_missing_optional_column_is_null()
    {
        var content = await ReadAsync(await TwapParquetFile.WriteAsync(Rows, drop: ["randomize", "minutes"], extraColumns: true));

        Assert.Equal(Rows.Count, content.Rows.Count);
        Assert.All(content.Rows, s => Assert.False(s.HasRandomize || s.HasMinutes));
        using var raw = JsonDocument.Parse(content.Rows[0].RawPayload);
        Assert.Equal($"0xb{Rows[0].TwapId % 7}", raw.RootElement.GetProperty("builder").GetString());
        Assert.Equal(Rows[0].User, raw.RootElement.GetProperty("user").GetString());
        Assert.Equal(Rows[0].ExecutedNtl, raw.RootElement.GetProperty("executed_ntl").GetString());
    }

    [Fact]
    public async Task A_missing_required_column_fails_the_object_with_the_column_named()
    {
        var e = await Assert.ThrowsAsync<InputFormatException>(async () =>
            await ReadAsync(await TwapParquetFile.WriteAsync(Rows, drop: ["user"]))
        );

        Assert.Contains("missing required column(s) user", e.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_fails_the_object_and_an_empty_file_too()
    {
        var garbage = await Assert.ThrowsAsync<InputFormatException>(() => ReadAsync("PAR1 this is not parquet PAR1"u8.ToArray()));
        var empty = await Assert.ThrowsAsync<InputFormatException>(() => ReadAsync([]));

        Assert.Contains("not a readable Parquet file", garbage.Message);
        Assert.Contains("not a readable Parquet file", empty.Message);
    }

    [Fact]
    public async Task A_row_with_a_bad_wallet_or_side_is_rejected_alone_and_the_other_rows_are_read()
    {
        var bad = Rows.Select(
                (r, i) =>
                    i == 3 ? r with { User = "alice" }
                    : i == 5 ? r with { Side = "X" }
                    : r
            )
            .ToList();

        var content = await ReadAsync(await TwapParquetFile.WriteAsync(bad));

        Assert.Equal(Rows.Count - 2, content.Rows.Count);
        Assert.Equal([3L, 5L], content.Rejected.Select(r => r.Row));
        Assert.Contains("user 'alice' is not a wallet address", content.Rejected[0].Reason);
        Assert.Contains("side 'X'", content.Rejected[1].Reason);
    }

    private static async Task<TwapParquetContent> ReadAsync(byte[] bytes) =>
        await TwapParquetReader.ReadAsync(new MemoryStream(bytes), "test.parquet", 1, CancellationToken.None);
}
