// Reads Hyperliquid TWAP status rows from a Parquet object (flattened columns) into TwapStatus records.
using System.Globalization;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Twap;

/// <summary>
/// Maps the published columns onto <see cref="TwapStatus"/>. Column names are matched without case, underscores or a
/// "state." / "state_" prefix, so <c>executed_sz</c>, <c>executedSz</c> and <c>state.executedSz</c> are one column.
/// Required: time, twap_id, status, coin, user, side, sz, executed_sz, executed_ntl; optional: minutes, reduce_only,
/// randomize, timestamp. Extra columns are kept in raw_payload only. A row with a bad value is rejected on its own
/// (the caller dead-letters it); a missing required column or an unreadable file fails the whole object.
/// </summary>
public static class TwapParquetReader
{
    private static readonly string[] Required = ["time", "twapid", "status", "coin", "user", "side", "sz", "executedsz", "executedntl"];
    private static readonly string[] Optional = ["minutes", "reduceonly", "randomize", "timestamp"];

    /// <summary>Reads every row. Throws <see cref="InvalidDataException"/> when the object is not a readable Parquet
    /// file of this shape; rows with bad values come back in <see cref="TwapParquetContent.Rejected"/>.</summary>
    public static async Task<TwapParquetContent> ReadAsync(Stream parquet, string sourceObject, long generation, CancellationToken ct)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(
                parquet,
                new ParquetOptions { TreatByteArrayAsString = true },
                leaveStreamOpen: true,
                ct
            );
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InputFormatException($"not a readable Parquet file ({e.Message})", e);
        }
        await using (reader)
        {
            var fields = reader.Schema.GetDataFields();
            var byName = new Dictionary<string, DataField>();
            foreach (var f in fields)
            {
                if (f.IsArray)
                    continue;
                byName.TryAdd(Canonical(f.Name), f);
            }
            var missing = Required.Where(r => !byName.ContainsKey(r)).ToList();
            if (missing.Count > 0)
                throw new InputFormatException(
                    $"missing required column(s) {string.Join(", ", missing.Select(Documented))}; "
                        + $"the file has {string.Join(", ", fields.Select(f => f.Name))}"
                );

            var content = new TwapParquetContent();
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                ct.ThrowIfCancellationRequested();
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var columns = new List<(DataField Field, object?[] Values)>(fields.Length);
                try
                {
                    foreach (var f in fields)
                        columns.Add((f, await ReadColumnAsync(group, f, n, ct)));
                }
                catch (Exception e) when (e is not OperationCanceledException and not InvalidDataException)
                {
                    throw new InputFormatException($"row group {g} cannot be read ({e.Message})", e);
                }
                var index = columns
                    .Select((c, i) => (Canonical(c.Field.Name), i))
                    .GroupBy(p => p.Item1)
                    .ToDictionary(p => p.Key, p => p.First().i);
                for (var row = 0; row < n; row++)
                {
                    var raw = RawJson(columns, row);
                    var rowNumber = content.RowsRead++;
                    try
                    {
                        var status = ToStatus(columns, index, row);
                        status.RawPayload = raw;
                        status.SourceObject = sourceObject;
                        status.SourceGeneration = generation;
                        content.Rows.Add(status);
                    }
                    catch (FormatException e)
                    {
                        content.Rejected.Add(new TwapRowRejection(rowNumber, e.Message, raw));
                    }
                }
            }
            return content;
        }
    }

    /// <summary>The canonical form of a column name: lower case, no underscores or dots, no "state" prefix.</summary>
    public static string Canonical(string name)
    {
        var n = name.ToLowerInvariant();
        if (n.StartsWith("state.", StringComparison.Ordinal) || n.StartsWith("state_", StringComparison.Ordinal))
            n = n[6..];
        return n.Replace("_", "", StringComparison.Ordinal).Replace(".", "", StringComparison.Ordinal);
    }

    private static string Documented(string canonical) =>
        canonical switch
        {
            "twapid" => "twap_id",
            "executedsz" => "executed_sz (executedSz)",
            "executedntl" => "executed_ntl (executedNtl)",
            "user" => "user (state.user)",
            _ => canonical,
        };

    private static TwapStatus ToStatus(List<(DataField Field, object?[] Values)> columns, Dictionary<string, int> index, int row)
    {
        object? Get(string name) => index.TryGetValue(name, out var i) ? columns[i].Values[row] : null;
        object Need(string name) => Get(name) ?? throw new FormatException($"{Documented(name)} is null");

        var wallet = Text(Need("user"), "user").Trim().ToLowerInvariant();
        if (!IsWallet(wallet))
            throw new FormatException($"user '{wallet}' is not a wallet address (0x and 40 hex digits)");
        var side = Text(Need("side"), "side") switch
        {
            "B" or "b" => TwapSide.Buy,
            "A" or "a" or "S" or "s" => TwapSide.Sell,
            var s => throw new FormatException($"side '{s}' is not B (buy) or A (sell)"),
        };
        var status = new TwapStatus
        {
            TwapId = Integer(Need("twapid"), "twap_id"),
            Wallet = wallet,
            TimeUs = TwapTimestamp.ToMicroseconds(Need("time"), "time"),
            Status = Text(Need("status"), "status"),
            Coin = Text(Need("coin"), "coin"),
            Side = side,
            Size = Schemas.V1.Decimal.From(Number(Need("sz"), "sz")),
            ExecutedSize = Schemas.V1.Decimal.From(Number(Need("executedsz"), "executed_sz")),
            ExecutedNotional = Schemas.V1.Decimal.From(Number(Need("executedntl"), "executed_ntl")),
        };
        if (status.TwapId < 0)
            throw new FormatException($"twap_id {status.TwapId} is negative");
        if (status.Status.Length == 0)
            throw new FormatException("status is empty");
        if (status.Coin.Length == 0)
            throw new FormatException("coin is empty");
        if (Get("minutes") is { } minutes)
            status.Minutes = checked((int)Integer(minutes, "minutes"));
        if (Get("reduceonly") is { } reduceOnly)
            status.ReduceOnly = Flag(reduceOnly, "reduce_only");
        if (Get("randomize") is { } randomize)
            status.Randomize = Flag(randomize, "randomize");
        if (Get("timestamp") is { } placed)
            status.OrderTimeUs = TwapTimestamp.ToMicroseconds(placed, "timestamp");
        return status;
    }

    private static bool IsWallet(string s) =>
        s.Length == 42 && s.StartsWith("0x", StringComparison.Ordinal) && s.AsSpan(2).ContainsAnyExcept("0123456789abcdef") is false;

    private static string Text(object value, string name) =>
        value switch
        {
            string s => s,
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? throw new FormatException($"{name} is not text"),
        };

    private static long Integer(object value, string name) =>
        value switch
        {
            long l => l,
            int i => i,
            short s => s,
            sbyte b => b,
            byte b => b,
            ulong u when u <= long.MaxValue => (long)u,
            uint u => u,
            ushort u => u,
            decimal d when d == decimal.Truncate(d) => (long)d,
            string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            _ => throw new FormatException($"{name} '{value}' is not an integer"),
        };

    private static bool Flag(object value, string name) =>
        value switch
        {
            bool b => b,
            string s when bool.TryParse(s, out var b) => b,
            long or int or short or byte => Integer(value, name) switch
            {
                0 => false,
                1 => true,
                _ => throw new FormatException($"{name} '{value}' is not a boolean"),
            },
            _ => throw new FormatException($"{name} '{value}' is not a boolean"),
        };

    /// <summary>Exact decimals: strings and Parquet DECIMAL columns are exact; floating-point columns are taken at
    /// their shortest round-trip text ("R"), the value the writer meant.</summary>
    private static decimal Number(object value, string name)
    {
        var d = value switch
        {
            decimal m => m,
            string s
                when decimal.TryParse(
                    s,
                    NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent,
                    CultureInfo.InvariantCulture,
                    out var m
                ) => m,
            double x when double.IsFinite(x) => decimal.Parse(
                x.ToString("R", CultureInfo.InvariantCulture),
                NumberStyles.Float,
                CultureInfo.InvariantCulture
            ),
            float x when float.IsFinite(x) => decimal.Parse(
                x.ToString("R", CultureInfo.InvariantCulture),
                NumberStyles.Float,
                CultureInfo.InvariantCulture
            ),
            long or int or short or byte => Integer(value, name),
            _ => throw new FormatException($"{name} '{value}' is not a decimal number"),
        };
        if (d < 0)
            throw new FormatException($"{name} {d} is negative");
        return d;
    }

    private static string RawJson(List<(DataField Field, object?[] Values)> columns, int row)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var (field, values) in columns)
            {
                var v = values[row];
                switch (v)
                {
                    case null:
                        w.WriteNull(field.Name);
                        break;
                    case string s:
                        w.WriteString(field.Name, s);
                        break;
                    case bool b:
                        w.WriteBoolean(field.Name, b);
                        break;
                    case long l:
                        w.WriteNumber(field.Name, l);
                        break;
                    case int i:
                        w.WriteNumber(field.Name, i);
                        break;
                    case decimal m:
                        w.WriteNumber(field.Name, m);
                        break;
                    case double x when double.IsFinite(x):
                        w.WriteNumber(field.Name, x);
                        break;
                    case float x when float.IsFinite(x):
                        w.WriteNumber(field.Name, x);
                        break;
                    case DateTime t:
                        w.WriteString(
                            field.Name,
                            t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
                        );
                        break;
                    case DateTimeOffset t:
                        w.WriteString(field.Name, t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
                        break;
                    case byte[] bytes:
                        w.WriteBase64String(field.Name, bytes);
                        break;
                    default:
                        w.WriteString(field.Name, Convert.ToString(v, CultureInfo.InvariantCulture));
                        break;
                }
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task<object?[]> ReadColumnAsync(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
    {
        var t = Nullable.GetUnderlyingType(field.ClrType) ?? field.ClrType;
        // Parquet.Net 6 reports text columns as ReadOnlyMemory<char> (string with PreferUntypedString off).
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var values = new string[n];
            await group.ReadAsync(field, values.AsMemory(), null, ct);
            return values.Cast<object?>().ToArray();
        }
        if (t == typeof(byte[]) || t == typeof(ReadOnlyMemory<byte>))
        {
            var values = new byte[n][];
            await group.ReadAsync(field, values.AsMemory(), null, ct);
            return values.Cast<object?>().ToArray();
        }
        return t switch
        {
            _ when t == typeof(long) => await Values<long>(group, field, n, ct),
            _ when t == typeof(int) => await Values<int>(group, field, n, ct),
            _ when t == typeof(short) => await Values<short>(group, field, n, ct),
            _ when t == typeof(sbyte) => await Values<sbyte>(group, field, n, ct),
            _ when t == typeof(byte) => await Values<byte>(group, field, n, ct),
            _ when t == typeof(ulong) => await Values<ulong>(group, field, n, ct),
            _ when t == typeof(uint) => await Values<uint>(group, field, n, ct),
            _ when t == typeof(ushort) => await Values<ushort>(group, field, n, ct),
            _ when t == typeof(bool) => await Values<bool>(group, field, n, ct),
            _ when t == typeof(double) => await Values<double>(group, field, n, ct),
            _ when t == typeof(float) => await Values<float>(group, field, n, ct),
            _ when t == typeof(decimal) => await Values<decimal>(group, field, n, ct),
            _ when t == typeof(DateTime) => await Values<DateTime>(group, field, n, ct),
            _ when t == typeof(DateTimeOffset) => await Values<DateTimeOffset>(group, field, n, ct),
            _ => throw new InputFormatException($"column {field.Name} has an unsupported type {t.Name}"),
        };
    }

    private static async Task<object?[]> Values<T>(ParquetRowGroupReader group, DataField field, int n, CancellationToken ct)
        where T : struct
    {
        var result = new object?[n];
        if (!field.IsNullable)
        {
            // Required columns through the non-nullable overload: read through the nullable one, required INT32 columns came
            // back with wrong values and nulls in Parquet.Net 6.1.0 (found by the DuckDB oracle test).
            var plain = new T[n];
            await group.ReadAsync(field, plain.AsMemory(), null, ct);
            for (var i = 0; i < n; i++)
                result[i] = plain[i];
            return result;
        }
        var values = new T?[n];
        await group.ReadAsync(field, values.AsMemory(), null, ct);
        for (var i = 0; i < n; i++)
            result[i] = values[i] is { } v ? v : null;
        return result;
    }
}
