// Exact values out of venue JSON: decimals from strings or raw number text (never through double), RFC 3339 times to µs.
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Producers.Connectors;

internal static class JsonFields
{
    public static JsonElement Get(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : throw new FormatException($"field '{name}' is missing");

    public static string Str(this JsonElement e, string name) =>
        e.Get(name) is { ValueKind: JsonValueKind.String } v ? v.GetString()! : throw new FormatException($"field '{name}' is not a string");

    public static long Long(this JsonElement e, string name)
    {
        var v = e.Get(name);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n)) return n;
        throw new FormatException($"field '{name}' is not an integer");
    }

    /// <summary>A decimal from a JSON string ("0.00001305") or a JSON number (Kraken v2), parsed from its text exactly.</summary>
    public static decimal Dec(this JsonElement v, string what)
    {
        if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d))
            return d;
        if (v.ValueKind == JsonValueKind.Number && decimal.TryParse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out d))
            return d;
        throw new FormatException($"{what} is not a decimal number");
    }

    public static decimal Positive(this JsonElement v, string what) =>
        v.Dec(what) is > 0 and var d ? d : throw new FormatException($"{what} is not positive");

    public static Schemas.V1.Decimal Wire(decimal d) => Schemas.V1.Decimal.From(d);

    /// <summary>"2021-04-17T16:43:37.089723Z" → µs since the epoch; fractions beyond µs are cut, not rounded.</summary>
    public static long IsoMicros(string text)
    {
        var dot = text.IndexOf('.');
        var end = text.EndsWith('Z') ? text.Length - 1 : text.Length;
        var whole = dot >= 0 ? text[..dot] : text[..end];
        if (!DateTime.TryParseExact(whole, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t))
            throw new FormatException($"time '{text}' is not RFC 3339 UTC");
        long micros = 0;
        if (dot >= 0)
        {
            var fraction = text[(dot + 1)..end];
            if (fraction.Length == 0 || !fraction.All(char.IsAsciiDigit)) throw new FormatException($"time '{text}' has a bad fraction");
            fraction = fraction.Length >= 6 ? fraction[..6] : fraction.PadRight(6, '0');
            micros = long.Parse(fraction, CultureInfo.InvariantCulture);
        }
        return (t.Ticks - DateTime.UnixEpoch.Ticks) / 10 + micros;
    }

    /// <summary>Epoch seconds with a fraction as text ("1688671969.993150") → µs, exactly.</summary>
    public static long SecondsTextToMicros(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s)
            ? (long)decimal.Truncate(s * 1_000_000m) : throw new FormatException($"time '{text}' is not epoch seconds");
}
