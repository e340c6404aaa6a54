// Reads the instruments YAML file (config/instruments.yaml): the registered listings and the venues' quote alias rules.
using System.Text.RegularExpressions;
using Pipeline.Schemas.V1;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Pipeline.Plumbing.Configuration;

public static partial class InstrumentsFile
{
    public const string DefaultPath = "config/instruments.yaml";

    /// <summary>Venues the producers know; anything else is a typo (simulated data uses "sim").</summary>
    public static readonly IReadOnlyList<string> Exchanges = ["sim", "binance", "coinbase", "kraken", "hyperliquid"];

    /// <summary>Loads and checks the file; every problem becomes one line of a <see cref="PipelineConfigurationException"/>.</summary>
    public static List<InstrumentOptions> Load(string path)
    {
        if (!File.Exists(path))
            throw new PipelineConfigurationException([$"configuration: instruments file '{path}' does not exist; create it (see config/instruments.yaml) or fix InstrumentsFile (PIPELINE__INSTRUMENTSFILE)"]);
        return Parse(File.ReadAllText(path), path);
    }

    public static List<InstrumentOptions> Parse(string yaml, string source)
    {
        Document document;
        try
        {
            document = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build()
                .Deserialize<Document?>(yaml) ?? new Document();
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            if (reason.Contains("not found on type", StringComparison.Ordinal) && PropertyName().Match(reason) is { Success: true } m)
                reason = $"unknown field '{m.Groups[1].Value}'";
            throw new PipelineConfigurationException([$"configuration: {source} line {e.Start.Line}: {reason}; fields are exchange, base, quote, market, symbol, intervals (and exchange, market, venue_quote, quote under aliases)"]);
        }

        var problems = new List<string>();
        var aliases = new List<AliasEntry>();
        for (var i = 0; i < document.Aliases.Count; i++)
        {
            var a = document.Aliases[i];
            if (!Exchanges.Contains(a.Exchange ?? ""))
                problems.Add($"configuration: {source} aliases[{i}] has exchange '{a.Exchange}'; use one of {string.Join(", ", Exchanges)}");
            else if (string.IsNullOrWhiteSpace(a.VenueQuote) || string.IsNullOrWhiteSpace(a.Quote))
                problems.Add($"configuration: {source} aliases[{i}] needs venue_quote and quote (e.g. venue_quote: USDC, quote: USD)");
            else aliases.Add(a);
        }

        var result = new List<InstrumentOptions>();
        for (var i = 0; i < document.Instruments.Count; i++)
        {
            var e = document.Instruments[i];
            var where = $"configuration: {source} instruments[{i}] ({e.Exchange} {e.Base}/{e.Quote} {e.Market ?? "spot"})";
            if (string.IsNullOrWhiteSpace(e.Exchange) || string.IsNullOrWhiteSpace(e.Base) || string.IsNullOrWhiteSpace(e.Quote))
            { problems.Add($"{where} needs exchange, base and quote"); continue; }
            var exchange = e.Exchange.Trim().ToLowerInvariant();
            if (!Exchanges.Contains(exchange))
            { problems.Add($"{where}: unknown exchange '{e.Exchange}'; use one of {string.Join(", ", Exchanges)}"); continue; }
            if (!InstrumentRef.TryParseMarket(e.Market ?? "spot", out var market))
            { problems.Add($"{where}: market '{e.Market}' is not spot, perp or future"); continue; }
            var @base = e.Base.Trim().ToUpperInvariant();
            var quote = e.Quote.Trim().ToUpperInvariant();
            if (!Asset().IsMatch(@base) || !Asset().IsMatch(quote))
            { problems.Add($"{where}: base and quote must be asset codes of letters and digits (e.g. BTC, USDT)"); continue; }
            var marketName = InstrumentRef.MarketName(market);
            // The alias rule (e.g. Hyperliquid's USDC-settled perps presented as USD) maps the venue's quote to ours.
            var alias = aliases.FirstOrDefault(a => a.Exchange == exchange
                && (a.Market is null || (InstrumentRef.TryParseMarket(a.Market, out var am) && am == market))
                && string.Equals(a.VenueQuote, quote, StringComparison.OrdinalIgnoreCase));
            if (alias is not null) quote = alias.Quote!.ToUpperInvariant();
            var symbol = string.IsNullOrWhiteSpace(e.Symbol) ? DefaultSymbol(exchange, @base, quote) : e.Symbol.Trim();
            if (ExpectedSymbols(exchange, @base, quote) is { } expected && !expected.Contains(symbol, StringComparer.OrdinalIgnoreCase))
            { problems.Add($"{where}: symbol '{symbol}' does not match {@base}/{quote} on {exchange}; expected {string.Join(" or ", expected)} (is the base, quote or symbol misspelled?)"); continue; }
            if (exchange == "hyperliquid" && market != MarketType.Perp)
            { problems.Add($"{where}: Hyperliquid instruments here are perps; set market: perp"); continue; }
            result.Add(new InstrumentOptions
            {
                Exchange = exchange,
                Base = @base,
                Quote = quote,
                Market = marketName,
                Symbol = symbol,
                Intervals = e.Intervals ?? [.. PipelineConfiguration.Intervals],
            });
        }
        if (result.Count == 0 && problems.Count == 0)
            problems.Add($"configuration: {source} lists no instruments; add at least one under 'instruments:'");
        if (problems.Count > 0) throw new PipelineConfigurationException(problems);
        return result;
    }

    private static string DefaultSymbol(string exchange, string @base, string quote) => exchange switch
    {
        "binance" => $"{@base}{quote}",
        "coinbase" => $"{@base}-{quote}",
        "kraken" => $"{@base}/{quote}",
        "hyperliquid" => @base,
        _ => $"SIM-{@base}{quote}",
    };

    /// <summary>The venue's symbol conventions, so "BTCUSTD" next to base BTC, quote USDT is caught as a typo.</summary>
    private static string[]? ExpectedSymbols(string exchange, string @base, string quote) => exchange switch
    {
        "binance" => [$"{@base}{quote}"],
        "coinbase" => [$"{@base}-{quote}"],
        // Kraken's REST API still says XBT for bitcoin; its WebSocket v2 says BTC.
        "kraken" => [$"{@base}/{quote}", $"{(@base == "BTC" ? "XBT" : @base)}/{quote}"],
        "hyperliquid" => [@base],
        _ => null,
    };

    [GeneratedRegex("^[A-Z0-9]{1,15}$")]
    private static partial Regex Asset();

    [GeneratedRegex("Property '([^']+)' not found")]
    private static partial Regex PropertyName();

    private sealed class Document
    {
        public List<AliasEntry> Aliases { get; set; } = new();
        public List<InstrumentEntry> Instruments { get; set; } = new();
    }

    private sealed class InstrumentEntry
    {
        public string? Exchange { get; set; }
        public string? Base { get; set; }
        public string? Quote { get; set; }
        public string? Market { get; set; }
        public string? Symbol { get; set; }
        public List<string>? Intervals { get; set; }
    }

    private sealed class AliasEntry
    {
        public string? Exchange { get; set; }
        public string? Market { get; set; }
        public string? VenueQuote { get; set; }
        public string? Quote { get; set; }
    }
}
