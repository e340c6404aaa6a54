// `pipeline import binance-dump`: publishes Binance public dump files into the raw topics in exchange-time order.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers.Publishing;
using Pipeline.Schemas.V1;

namespace Pipeline.Producers.Venues.Binance.Dumps;

public sealed class BinanceDumpImporter(VenueListings listings, TopicPublisher publisher, ILogger log)
{
    public const string Exchange = "binance";

    /// <summary>Checks every file name and symbol first (so a typo fails before anything is published), then
    /// publishes each instrument's files ordered by their first timestamp, then one EndOfInput per instrument
    /// that received trades.</summary>
    /// <param name="symbol">The venue symbol of every file, for files renamed since they were published (their kind is then
    /// told from their content); null reads it from the published names.</param>
    /// <param name="market">The market of every file (spot, or perp for USD-M and COIN-M futures dumps) when a symbol is
    /// configured on more than one; null when the symbol alone says it.</param>
    public async Task<BinanceDumpResult> ImportAsync(
        IReadOnlyList<string> paths,
        IProgress<BinanceDumpProgress>? progress,
        CancellationToken ct,
        string? symbol = null,
        MarketType? market = null
    )
    {
        if (paths.Count == 0)
            throw new InvalidRequestException("no dump file given; pass one or more Binance dump files (.csv or .zip)");
        progress = ImportMetrics.Observing(progress);
        var files = paths.Select(p => BinanceDumpFile.Parse(p, symbol)).ToList();
        var byFile = files.ToDictionary(f => f, f => listings.Find(Exchange, f.Symbol, market));
        var ordered = new List<(BinanceDumpFile File, long FirstTime)>();
        foreach (var f in files)
            ordered.Add((f, FirstTimestamp(f)));

        var trades = new Dictionary<string, long>();
        var candles = new Dictionary<string, long>();
        var through = new Dictionary<string, (InstrumentRef Instrument, long TimeUs)>();
        var unordered = 0;
        foreach (var (file, _) in ordered.OrderBy(o => byFile[o.File].Instrument.Key).ThenBy(o => o.File.Kind).ThenBy(o => o.FirstTime))
        {
            var listing = byFile[file];
            var key = listing.Instrument.Key;
            var receiveUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            using var reader = file.OpenText(out var total);
            long bytes = 0,
                records = 0,
                lineNo = 0,
                lastTime = long.MinValue;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lineNo++;
                bytes += line.Length + 1;
                if (line.Length == 0 || (lineNo == 1 && BinanceDumpParser.IsHeader(line)))
                    continue;
                long time;
                try
                {
                    if (file.Kind == BinanceDumpKind.Klines)
                    {
                        var candle = BinanceDumpParser.ParseKline(line, listing.Instrument, file.Interval!, Origin.Import);
                        time = candle.OpenTimeUs;
                        await publisher.PublishAsync(candle, ct);
                        candles[key] = candles.GetValueOrDefault(key) + 1;
                    }
                    else
                    {
                        var trade = BinanceDumpParser.ParseTrade(line, file.Kind, listing.Instrument, file.Symbol, receiveUs);
                        time = trade.EventTimeUs;
                        await publisher.PublishAsync(trade, ct);
                        trades[key] = trades.GetValueOrDefault(key) + 1;
                        if (!through.TryGetValue(key, out var t) || t.TimeUs < time)
                            through[key] = (listing.Instrument, time);
                    }
                }
                catch (FormatException e)
                {
                    // Everything before this row is published; re-running is safe (duplicates are removed by trade id downstream).
                    throw new InputFormatException(
                        $"{Path.GetFileName(file.Path)} line {lineNo}: {e.Message}; is this an unmodified Binance {file.Kind} dump?"
                    );
                }
                if (time < lastTime)
                    unordered++;
                lastTime = Math.Max(lastTime, time);
                if (++records % 10_000 == 0)
                {
                    progress?.Report(new(file.Path, bytes, total, records));
                    ImportMetrics.Published(key, 10_000);
                }
            }
            progress?.Report(new(file.Path, total, total, records));
            ImportMetrics.Published(key, records % 10_000);
            log.LogInformation("Imported {Records} rows of {File} as {Key}", records, Path.GetFileName(file.Path), key);
        }
        foreach (var (key, (instrument, timeUs)) in through)
            await publisher.PublishAsync(
                new EndOfInput
                {
                    Instrument = instrument,
                    Origin = Origin.Import,
                    ThroughTimeUs = timeUs,
                },
                ct
            );
        await publisher.FlushAsync(ct);
        if (unordered > 0)
            log.LogWarning("{Rows} rows were earlier than the row before them; they are published as they appear in the files", unordered);
        return new BinanceDumpResult(trades, candles, files.Count, unordered);
    }

    private static long FirstTimestamp(BinanceDumpFile file)
    {
        using var reader = file.OpenText(out _);
        var placeholder = InstrumentRef.Create(Exchange, "X", "Y", MarketType.Spot);
        for (var n = 0; reader.ReadLine() is { } line && n < 3; n++)
        {
            if (line.Length == 0 || BinanceDumpParser.IsHeader(line))
                continue;
            try
            {
                return file.Kind == BinanceDumpKind.Klines
                    ? BinanceDumpParser.ParseKline(line, placeholder, file.Interval!, Origin.Import).OpenTimeUs
                    : BinanceDumpParser.ParseTrade(line, file.Kind, placeholder, file.Symbol, 0).EventTimeUs;
            }
            catch (FormatException e)
            {
                throw new InputFormatException($"{Path.GetFileName(file.Path)}: first row is not a Binance {file.Kind} row ({e.Message})");
            }
        }
        return long.MaxValue;
    }
}
