// Reads archived trades back from S3 for a time range, one day at a time (the archive's date=… folders), so memory is
// bounded by a day. Rows are identified by their trades.valid position (kafka_partition, kafka_offset): a row seen twice
// (a compacted file and its sources side by side during a compaction) is returned once.
using Parquet;
using Parquet.Schema;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Archive;

public sealed class ArchiveTradeReader(ArchiveStore store, ArchiveLayout layout)
{
    private const string Dataset = "trades";
    private List<string>? _symbolFolders;

    /// <summary>Every UTC day that [fromUs, toUs) touches, ascending.</summary>
    public static IEnumerable<DateOnly> Days(long fromUs, long toUs)
    {
        var first = DateOnly.FromDateTime(ArchiveTime.ToUtc(fromUs));
        var last = DateOnly.FromDateTime(ArchiveTime.ToUtc(toUs - 1));
        for (var d = first; d <= last; d = d.AddDays(1))
            yield return d;
    }

    /// <summary>The keys of every trades file of a day, over all exchange and symbol folders.</summary>
    public async Task<List<string>> DayFilesAsync(DateOnly day, CancellationToken ct)
    {
        if (_symbolFolders is null)
        {
            _symbolFolders = [];
            foreach (var exchange in await store.ListFoldersAsync(layout.DatasetPrefix(Dataset), ct))
                _symbolFolders.AddRange(await store.ListFoldersAsync(exchange, ct));
        }
        var files = new List<string>();
        foreach (var symbol in _symbolFolders)
            files.AddRange(
                (await store.ListAsync($"{symbol}date={day:yyyy-MM-dd}/", null, ct))
                    .Select(o => o.Key)
                    .Where(k => k.EndsWith(".parquet", StringComparison.Ordinal))
            );
        return files;
    }

    /// <summary>The trades of one day inside [fromUs, toUs) (and of the instruments, when given), each once, in exchange-time
    /// order; ties broken by instrument key and trades.valid position so every read of the same archive gives the same order.</summary>
    public async Task<List<ArchivedTrade>> ReadDayAsync(
        DateOnly day,
        long fromUs,
        long toUs,
        IReadOnlySet<string>? instruments,
        CancellationToken ct
    )
    {
        var seen = new HashSet<(int, long)>();
        var trades = new List<ArchivedTrade>();
        foreach (var key in await DayFilesAsync(day, ct))
        foreach (var t in await ReadFileAsync(await store.GetAsync(key, ct), ct))
            if (
                t.Trade.EventTimeUs >= fromUs
                && t.Trade.EventTimeUs < toUs
                && (instruments is null || instruments.Contains(t.Trade.Instrument.Key))
                && seen.Add((t.Partition, t.Offset))
            )
                trades.Add(t);
        trades.Sort(
            static (a, b) =>
            {
                var c = a.Trade.EventTimeUs.CompareTo(b.Trade.EventTimeUs);
                if (c == 0)
                    c = string.CompareOrdinal(a.Trade.Instrument.Key, b.Trade.Instrument.Key);
                if (c == 0)
                    c = a.Partition.CompareTo(b.Partition);
                return c != 0 ? c : a.Offset.CompareTo(b.Offset);
            }
        );
        return trades;
    }

    /// <summary>The trades of one archived Parquet file (the schema <see cref="TradeArchive"/> writes).</summary>
    public static async Task<List<ArchivedTrade>> ReadFileAsync(byte[] file, CancellationToken ct)
    {
        using var stream = new MemoryStream(file, writable: false);
        await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: ct);
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name);
        var trades = new List<ArchivedTrade>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            var n = checked((int)rg.RowCount);
            var instrument = await Strings(rg, fields["instrument"], n, ct);
            var tradeId = await Values<long>(rg, fields["trade_id"], n, ct);
            var price = await Values<decimal>(rg, fields["price"], n, ct);
            var size = await Values<decimal>(rg, fields["size"], n, ct);
            var aggressor = await Strings(rg, fields["aggressor"], n, ct);
            var eventTime = await Values<DateTime>(rg, fields["event_time"], n, ct);
            var receiveTime = await Values<DateTime>(rg, fields["receive_time"], n, ct);
            var origin = await Strings(rg, fields["origin"], n, ct);
            var venueSymbol = await Strings(rg, fields["venue_symbol"], n, ct);
            var partition = await Values<int>(rg, fields["kafka_partition"], n, ct);
            var offset = await Values<long>(rg, fields["kafka_offset"], n, ct);
            for (var i = 0; i < n; i++)
            {
                var trade = new Trade
                {
                    Instrument = InstrumentKey.Parse(instrument[i]!),
                    TradeId = tradeId[i],
                    Price = Schemas.V1.Decimal.From(Normalized(price[i])),
                    Size = Schemas.V1.Decimal.From(Normalized(size[i])),
                    Aggressor = aggressor[i] switch
                    {
                        "buy" => AggressorSide.Buy,
                        "sell" => AggressorSide.Sell,
                        _ => AggressorSide.Unspecified,
                    },
                    EventTimeUs = ArchiveTime.ToMicros(eventTime[i]),
                    ReceiveTimeUs = ArchiveTime.ToMicros(receiveTime[i]),
                    Origin = Enum.TryParse<Origin>(origin[i], ignoreCase: true, out var o) ? o : Origin.Unspecified,
                    VenueSymbol = venueSymbol[i] ?? "",
                };
                trades.Add(new ArchivedTrade(trade, partition[i], offset[i]));
            }
        }
        return trades;
    }

    /// <summary>The value without trailing zeros: decimal(38,18) keeps the value, not the scale the venue sent.</summary>
    private static decimal Normalized(decimal value) => value / 1.000000000000000000000000000m;

    private static async Task<string?[]> Strings(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
    {
        var values = new string?[n];
        await rg.ReadAsync(field, values.AsMemory()!, cancellationToken: ct);
        return values;
    }

    private static async Task<T[]> Values<T>(ParquetRowGroupReader rg, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var values = new T[n];
        await rg.ReadAsync(field, values.AsMemory(), cancellationToken: ct);
        return values;
    }
}
