// Recognises a Binance dump file by its published name: SYMBOL-trades-…, SYMBOL-aggTrades-…, SYMBOL-<interval>-… (.csv or .zip).
using System.IO.Compression;
using System.Text.RegularExpressions;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Errors;
using Pipeline.Schemas;

namespace Pipeline.Producers.Venues.Binance.Dumps;

public sealed partial record BinanceDumpFile(string Path, string Symbol, BinanceDumpKind Kind, string? Interval)
{
    [GeneratedRegex(@"^(?<symbol>[A-Z0-9_]+)-(?<kind>trades|aggTrades|\d+[smhdwM]|1mo)-\d{4}-\d{2}(-\d{2})?\.(csv|zip)$")]
    private static partial Regex NamePattern();

    /// <summary>Recognises the file by its published name; a file renamed since needs <paramref name="symbol"/>, and
    /// its kind (and kline interval) is then told from its first row. Throws ArgumentException with one line.</summary>
    public static BinanceDumpFile Parse(string path, string? symbol = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"dump file '{path}' does not exist");
        var name = System.IO.Path.GetFileName(path);
        var m = NamePattern().Match(name);
        if (!m.Success)
        {
            if (string.IsNullOrWhiteSpace(symbol))
                throw new InputFormatException(
                    $"'{name}' is not a Binance dump file name; expected e.g. BTCUSDT-trades-2024-01-01.zip, "
                        + "BTCUSDT-aggTrades-2024-01.zip or BTCUSDT-1m-2024-01-01.csv as published on data.binance.vision, "
                        + "or pass --symbol BTCUSDT for a renamed file"
                );
            return FromContent(path, symbol.Trim().ToUpperInvariant());
        }
        var fileSymbol = string.IsNullOrWhiteSpace(symbol) ? m.Groups["symbol"].Value : symbol.Trim().ToUpperInvariant();
        var kind = m.Groups["kind"].Value;
        return kind switch
        {
            "trades" => new(path, fileSymbol, BinanceDumpKind.Trades, null),
            "aggTrades" => new(path, fileSymbol, BinanceDumpKind.AggTrades, null),
            _ when CandleInterval.Find(kind) is not null => new(path, fileSymbol, BinanceDumpKind.Klines, kind),
            _ => throw new InputFormatException(
                $"'{name}' has kline interval '{kind}', which the pipeline does not use; "
                    + $"use one of {string.Join(", ", CandleInterval.Names)}"
            ),
        };
    }

    /// <summary>trades rows have the time in field 5 and a boolean in field 6; aggTrades the time in field 6 and a
    /// boolean in field 7; klines have 12 fields, and close − open + 1 unit is the interval.</summary>
    private static BinanceDumpFile FromContent(string path, string symbol)
    {
        var probe = new BinanceDumpFile(path, symbol, BinanceDumpKind.Trades, null);
        string? row = null;
        using (var reader = probe.OpenText(out _))
            for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
                if (line.Length > 0 && !BinanceDumpParser.IsHeader(line))
                {
                    row = line;
                    break;
                }
        var name = System.IO.Path.GetFileName(path);
        if (row is null)
            throw new InputFormatException($"'{name}' has no data rows");
        var f = row.Split(',');
        static bool IsBool(string s) => s.Trim() is "True" or "False" or "true" or "false";
        if (f.Length >= 6 && IsBool(f[5]))
            return probe;
        if (f.Length >= 7 && IsBool(f[6]))
            return probe with { Kind = BinanceDumpKind.AggTrades };
        if (f.Length >= 11 && long.TryParse(f[0], out var open) && long.TryParse(f[6], out var close))
        {
            var length = (close - open + 1) * (BinanceTimestamps.IsMicroseconds(open) ? 1 : 1000);
            var interval =
                CandleInterval.WithDuration(length)?.Name
                ?? throw new InputFormatException(
                    $"'{name}' holds klines of a length ({length} µs) the pipeline does not use; "
                        + $"use one of {string.Join(", ", CandleInterval.Names)}"
                );
            return probe with { Kind = BinanceDumpKind.Klines, Interval = interval };
        }
        throw new InputFormatException(
            $"'{name}' is neither a Binance trades, aggTrades nor klines CSV (first row: {(row.Length > 120 ? row[..120] + "…" : row)})"
        );
    }

    /// <summary>Opens the CSV text: the file itself, or the single .csv entry of a .zip.</summary>
    public TextReader OpenText(out long length)
    {
        if (!Path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            length = new FileInfo(Path).Length;
            return new StreamReader(Path);
        }
        var zip = ZipFile.OpenRead(Path);
        var entry = zip.Entries.FirstOrDefault(e => e.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            zip.Dispose();
            throw new InputFormatException($"'{Path}' contains no .csv file; is it a Binance dump?");
        }
        length = entry.Length;
        return new ZipEntryReader(zip, entry.Open());
    }

    /// <summary>Keeps the archive open as long as its entry's reader.</summary>
    private sealed class ZipEntryReader(ZipArchive zip, Stream entry) : StreamReader(entry)
    {
        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
                zip.Dispose();
        }
    }
}
