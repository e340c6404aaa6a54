// Recognises a Binance dump file by its published name: SYMBOL-trades-…, SYMBOL-aggTrades-…, SYMBOL-<interval>-… (.csv or .zip).
using System.IO.Compression;
using System.Text.RegularExpressions;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Producers.Import;

public sealed partial record BinanceDumpFile(string Path, string Symbol, BinanceDumpKind Kind, string? Interval)
{
    [GeneratedRegex(@"^(?<symbol>[A-Z0-9]+)-(?<kind>trades|aggTrades|\d+[smhdwM]|1mo)-\d{4}-\d{2}(-\d{2})?\.(csv|zip)$")]
    private static partial Regex NamePattern();

    /// <summary>Parses the file name; throws ArgumentException with one line saying what is expected.</summary>
    public static BinanceDumpFile Parse(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"dump file '{path}' does not exist");
        var name = System.IO.Path.GetFileName(path);
        var m = NamePattern().Match(name);
        if (!m.Success)
            throw new ArgumentException($"'{name}' is not a Binance dump file name; expected e.g. BTCUSDT-trades-2024-01-01.zip, BTCUSDT-aggTrades-2024-01.zip or BTCUSDT-1m-2024-01-01.csv as published on data.binance.vision");
        var kind = m.Groups["kind"].Value;
        return kind switch
        {
            "trades" => new(path, m.Groups["symbol"].Value, BinanceDumpKind.Trades, null),
            "aggTrades" => new(path, m.Groups["symbol"].Value, BinanceDumpKind.AggTrades, null),
            _ when PipelineConfiguration.Intervals.Contains(kind) => new(path, m.Groups["symbol"].Value, BinanceDumpKind.Klines, kind),
            _ => throw new ArgumentException($"'{name}' has kline interval '{kind}', which the pipeline does not use; use one of {string.Join(", ", PipelineConfiguration.Intervals)}"),
        };
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
            throw new ArgumentException($"'{Path}' contains no .csv file; is it a Binance dump?");
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
            if (disposing) zip.Dispose();
        }
    }
}
