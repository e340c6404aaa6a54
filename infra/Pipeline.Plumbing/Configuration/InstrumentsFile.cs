// Reads the instruments YAML file (config/instruments.yaml): the registered listings and the venues' quote alias rules.
using System.Text.RegularExpressions;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Pipeline.Plumbing.Configuration;

public static partial class InstrumentsFile
{
    public const string DefaultPath = "config/instruments.yaml";

    /// <summary>Loads and checks the file; every problem becomes one line of a <see cref="PipelineConfigurationException"/>.</summary>
    /// <param name="venues">The venues instruments may name and their symbol rules; null checks only the file's shape
    /// (any exchange name, symbol as written or BASEQUOTE).</param>
    public static List<InstrumentOptions> Load(string path, IVenueCatalog? venues = null)
    {
        if (!File.Exists(path))
            throw new PipelineConfigurationException([
                $"configuration: instruments file '{path}' does not exist; create it (see config/instruments.yaml) "
                    + "or fix InstrumentsFile (PIPELINE__INSTRUMENTSFILE)",
            ]);
        return Parse(File.ReadAllText(path), path, venues);
    }

    public static List<InstrumentOptions> Parse(string yaml, string source, IVenueCatalog? venues = null)
    {
        Document document;
        try
        {
            document =
                new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Deserialize<Document?>(yaml)
                ?? new Document();
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Split('\n')[0];
            if (reason.Contains("not found on type", StringComparison.Ordinal) && PropertyName().Match(reason) is { Success: true } m)
                reason = $"unknown field '{m.Groups[1].Value}'";
            throw new PipelineConfigurationException([
                $"configuration: {source} line {e.Start.Line}: {reason}; fields are exchange, base, quote, market, symbol, "
                    + "intervals (and exchange, market, venue_quote, quote under aliases)",
            ]);
        }

        var problems = new List<string>();
        var aliases = new List<AliasEntry>();
        for (var i = 0; i < document.Aliases.Count; i++)
        {
            var a = document.Aliases[i];
            if (!IsKnown(venues, a.Exchange ?? ""))
                problems.Add($"configuration: {source} aliases[{i}] has exchange '{a.Exchange}'; {Allowed(venues)}");
            else if (string.IsNullOrWhiteSpace(a.VenueQuote) || string.IsNullOrWhiteSpace(a.Quote))
                problems.Add($"configuration: {source} aliases[{i}] needs venue_quote and quote (e.g. venue_quote: USDC, quote: USD)");
            else
                aliases.Add(a);
        }

        var result = new List<InstrumentOptions>();
        for (var i = 0; i < document.Instruments.Count; i++)
        {
            var e = document.Instruments[i];
            var where = $"configuration: {source} instruments[{i}] ({e.Exchange} {e.Base}/{e.Quote} {e.Market ?? "spot"})";
            if (string.IsNullOrWhiteSpace(e.Exchange) || string.IsNullOrWhiteSpace(e.Base) || string.IsNullOrWhiteSpace(e.Quote))
            {
                problems.Add($"{where} needs exchange, base and quote");
                continue;
            }
            var exchange = e.Exchange.Trim().ToLowerInvariant();
            if (!IsKnown(venues, exchange))
            {
                problems.Add($"{where}: unknown exchange '{e.Exchange}'; {Allowed(venues)}");
                continue;
            }
            if (!InstrumentRef.TryParseMarket(e.Market ?? "spot", out var market))
            {
                problems.Add($"{where}: market '{e.Market}' is not spot, perp or future");
                continue;
            }
            var @base = e.Base.Trim().ToUpperInvariant();
            var quote = e.Quote.Trim().ToUpperInvariant();
            if (!Asset().IsMatch(@base) || !Asset().IsMatch(quote))
            {
                problems.Add($"{where}: base and quote must be asset codes of letters and digits (e.g. BTC, USDT)");
                continue;
            }
            var marketName = InstrumentRef.MarketName(market);
            // The alias rule (e.g. Hyperliquid's USDC-settled perps presented as USD) maps the venue's quote to ours.
            var alias = aliases.FirstOrDefault(a =>
                a.Exchange == exchange
                && (a.Market is null || (InstrumentRef.TryParseMarket(a.Market, out var am) && am == market))
                && string.Equals(a.VenueQuote, quote, StringComparison.OrdinalIgnoreCase)
            );
            if (alias is not null)
                quote = alias.Quote!.ToUpperInvariant();
            var symbol = string.IsNullOrWhiteSpace(e.Symbol)
                ? venues?.DefaultSymbol(exchange, @base, quote, market) ?? $"{@base}{quote}"
                : e.Symbol.Trim();
            if (venues?.Problem(exchange, @base, quote, market, symbol) is { } problem)
            {
                problems.Add($"{where}: {problem}");
                continue;
            }
            result.Add(
                new InstrumentOptions
                {
                    Exchange = exchange,
                    Base = @base,
                    Quote = quote,
                    Market = marketName,
                    Symbol = symbol,
                    Intervals = e.Intervals ?? [.. CandleInterval.Names],
                }
            );
        }
        if (result.Count == 0 && problems.Count == 0)
            problems.Add($"configuration: {source} lists no instruments; add at least one under 'instruments:'");
        if (problems.Count > 0)
            throw new PipelineConfigurationException(problems);
        return result;
    }

    private static bool IsKnown(IVenueCatalog? venues, string exchange) =>
        venues is null ? Exchange().IsMatch(exchange) : venues.Exchanges.Contains(exchange);

    private static string Allowed(IVenueCatalog? venues) =>
        venues is null ? "use lower-case letters, digits and '-'" : $"use one of {string.Join(", ", venues.Exchanges)}";

    [GeneratedRegex("^[a-z0-9-]{1,30}$")]
    private static partial Regex Exchange();

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
