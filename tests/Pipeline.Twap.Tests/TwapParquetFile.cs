// Writes test objects with Parquet.Net in Hyperliquid's documented TWAP status shape (flattened columns), with knobs
// for the time encoding, dropped columns and extra columns.
using Parquet;
using Parquet.Schema;

namespace Pipeline.Twap.Tests;

public static class TwapParquetFile
{
    public static async Task<byte[]> WriteAsync(
        IReadOnlyList<TwapStatusRow> rows,
        TwapTimeColumn time = TwapTimeColumn.TimestampNanos,
        IReadOnlyCollection<string>? drop = null,
        bool extraColumns = false
    )
    {
        drop ??= [];
        var columns = new List<(DataField Field, Func<Parquet.ParquetRowGroupWriter, Task> Write)>();
        void Add(DataField f, Func<Parquet.ParquetRowGroupWriter, DataField, Task> write)
        {
            if (!drop.Contains(f.Name))
                columns.Add((f, w => write(w, f)));
        }
        Task Strings(Parquet.ParquetRowGroupWriter w, DataField f, Func<TwapStatusRow, string> pick) =>
            w.WriteAsync(f, rows.Select(pick).ToList());
        Task Values<T>(Parquet.ParquetRowGroupWriter w, DataField f, Func<TwapStatusRow, T> pick)
            where T : struct => w.WriteAsync<T>(f, rows.Select(pick).ToArray().AsMemory());

        switch (time)
        {
            case TwapTimeColumn.TimestampNanos:
                Add(
                    new DateTimeDataField("time", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Nanos, false),
                    (w, f) => Values(w, f, r => DateTime.SpecifyKind(DateTime.UnixEpoch.AddTicks(r.TimeNs / 100), DateTimeKind.Utc))
                );
                break;
            case TwapTimeColumn.TimestampMicros:
                Add(
                    new DateTimeDataField("time", DateTimeFormat.Timestamp, true, DateTimeTimeUnit.Micros, false),
                    (w, f) => Values(w, f, r => DateTime.SpecifyKind(DateTime.UnixEpoch.AddTicks(r.TimeNs / 1000 * 10), DateTimeKind.Utc))
                );
                break;
            case TwapTimeColumn.Int64Nanos:
                Add(new DataField<long>("time"), (w, f) => Values(w, f, r => r.TimeNs));
                break;
            default:
                Add(new DataField<long>("time"), (w, f) => Values(w, f, r => r.TimeNs / 1_000_000));
                break;
        }
        Add(new DataField<long>("twap_id"), (w, f) => Values(w, f, r => r.TwapId));
        Add(new DataField<string>("status"), (w, f) => Strings(w, f, r => r.Status));
        Add(new DataField<string>("coin"), (w, f) => Strings(w, f, r => r.Coin));
        Add(new DataField<string>("user"), (w, f) => Strings(w, f, r => r.User));
        Add(new DataField<string>("side"), (w, f) => Strings(w, f, r => r.Side));
        Add(new DataField<string>("sz"), (w, f) => Strings(w, f, r => r.Sz));
        Add(new DataField<string>("executed_sz"), (w, f) => Strings(w, f, r => r.ExecutedSz));
        Add(new DataField<string>("executed_ntl"), (w, f) => Strings(w, f, r => r.ExecutedNtl));
        Add(new DataField<int>("minutes"), (w, f) => Values(w, f, r => r.Minutes));
        Add(new DataField<bool>("reduce_only"), (w, f) => Values(w, f, r => r.ReduceOnly));
        Add(new DataField<bool>("randomize"), (w, f) => Values(w, f, r => r.Randomize));
        Add(new DataField<long>("timestamp"), (w, f) => Values(w, f, r => r.TimestampMs));
        if (extraColumns)
        {
            Add(new DataField<string>("builder"), (w, f) => Strings(w, f, r => $"0xb{r.TwapId % 7}"));
            Add(new DataField<double>("state_slippage"), (w, f) => Values(w, f, r => 0.03));
        }

        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(columns.Select(c => (Field)c.Field)), stream))
        {
            using var group = writer.CreateRowGroup();
            foreach (var c in columns)
                await c.Write(group);
        }
        return stream.ToArray();
    }
}
