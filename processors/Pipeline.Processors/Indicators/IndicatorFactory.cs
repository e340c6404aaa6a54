// Builds indicators from their names as written in the configuration: "sma(20)", "macd(12,26,9)", "obv", "vwap(anchor=none)".
using System.Globalization;

namespace Pipeline.Processors.Indicators;

public static class IndicatorFactory
{
    public static IReadOnlyList<string> Defaults { get; } =
    [
        "sma(20)",
        "ema(20)",
        "wma(14)",
        "rsi(14)",
        "macd(12,26,9)",
        "bb(20,2)",
        "atr(14)",
        "stoch(14,3,3)",
        "obv",
        "vwap",
        "adx(14)",
        "cci(20)",
        "willr(14)",
    ];

    /// <summary>Parses one spec; throws ArgumentException with one line saying what is wrong and what is accepted.</summary>
    public static Indicator Create(string spec)
    {
        var s = spec.Replace(" ", "").ToLowerInvariant();
        var open = s.IndexOf('(');
        var name = open < 0 ? s : s[..open];
        if (open >= 0 && (!s.EndsWith(')') || s.Length < open + 2))
            throw new ArgumentException($"indicator '{spec}' has unreadable parameters; write e.g. sma(20) or macd(12,26,9)");
        var parameters = open < 0 ? [] : s[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (name == "vwap")
            return CreateVwap(spec, parameters);
        decimal[] args;
        try
        {
            args = parameters.Select(a => decimal.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new ArgumentException($"indicator '{spec}' has unreadable parameters; write e.g. sma(20) or macd(12,26,9)");
        }
        int P(int i, int def)
        {
            var v = i < args.Length ? args[i] : def;
            if (v < 1 || v > 10_000 || v != Math.Floor(v))
                throw new ArgumentException($"indicator '{spec}': period {v} must be a whole number 1..10000");
            return (int)v;
        }
        return name switch
        {
            "sma" => new Sma(P(0, 20)),
            "ema" => new Ema(P(0, 20)),
            "wma" => new Wma(P(0, 14)),
            "rsi" => new Rsi(P(0, 14)),
            "macd" => new Macd(P(0, 12), P(1, 26), P(2, 9)),
            "bb" => new BollingerBands(P(0, 20), args.Length > 1 && args[1] > 0 ? args[1] : 2m),
            "atr" => new Atr(P(0, 14)),
            "stoch" => new Stochastic(P(0, 14), P(1, 3), P(2, 3)),
            "obv" => new Obv(),
            "adx" => new Adx(P(0, 14)),
            "cci" => new Cci(P(0, 20)),
            "willr" => new WilliamsR(P(0, 14)),
            _ => throw new ArgumentException(
                $"indicator '{spec}' is unknown; use one of sma, ema, wma, rsi, macd, bb, atr, stoch, obv, vwap, adx, cci, willr"
            ),
        };
    }

    /// <summary>vwap = vwap(anchor=day): resets each UTC day; vwap(anchor=week) each Monday; vwap(anchor=none) never.</summary>
    private static Vwap CreateVwap(string spec, string[] parameters)
    {
        if (parameters.Length == 0)
            return new Vwap(VwapAnchor.Day);
        var anchor =
            parameters.Length == 1 && parameters[0].StartsWith("anchor=", StringComparison.Ordinal)
                ? parameters[0]["anchor=".Length..]
                : null;
        return anchor switch
        {
            "day" => new Vwap(VwapAnchor.Day),
            "week" => new Vwap(VwapAnchor.Week),
            "none" => new Vwap(VwapAnchor.None),
            _ => throw new ArgumentException(
                $"indicator '{spec}': vwap takes one parameter, anchor=day (the default: "
                    + "resets each UTC day), anchor=week or anchor=none (cumulative)"
            ),
        };
    }
}
