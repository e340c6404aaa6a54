// Exact values out of venue JSON: decimals from strings or raw number text (never through double), RFC 3339 times to µs.
using System.Globalization;
using System.Text.Json;

namespace Pipeline.Producers.Venues;

internal static class JsonFields
{
    public static JsonElement Get(this JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v
            : throw new FormatException($"field '{name}' is missing");

    public static string Str(this JsonElement e, string name) =>
        e.Get(name) is { ValueKind: JsonValueKind.String } v
            ? v.GetString()!
            : throw new FormatException($"field '{name}' is not a string");

    /// <summary>The aggressor from a venue's side word: <paramref name="buy"/> when the taker bought, <paramref name="sell"/>
    /// when it sold (a venue that names the maker's side passes its words the other way round).</summary>
    public static Schemas.V1.AggressorSide Aggressor(string? side, string buy, string sell) =>
        side == buy ? Schemas.V1.AggressorSide.Buy
        : side == sell ? Schemas.V1.AggressorSide.Sell
        : throw new FormatException($"side '{side}' is neither {buy} nor {sell}");

    /// <summary>The named string fields that are present and not empty, joined by spaces: a venue's error frame as one line
    /// ("60012 Invalid request").</summary>
    public static string Joined(this JsonElement e, params ReadOnlySpan<string> names)
    {
        var parts = new List<string>(names.Length);
        foreach (var name in names)
            if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } text)
                parts.Add(text);
        return string.Join(' ', parts);
    }

    public static long Long(this JsonElement e, string name)
    {
        var v = e.Get(name);
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n))
            return n;
        if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n))
            return n;
        throw new FormatException($"field '{name}' is not an integer");
    }

    /// <summary>A decimal from a JSON string ("0.00001305") or a JSON number (Kraken v2), parsed from its text exactly.</summary>
    public static decimal Dec(this JsonElement v, string what)
    {
        if (
            v.ValueKind == JsonValueKind.String
            && decimal.TryParse(
                v.GetString(),
                NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign | NumberStyles.AllowExponent,
                CultureInfo.InvariantCulture,
                out var d
            )
        )
            return d;
        if (
            v.ValueKind == JsonValueKind.Number
            && decimal.TryParse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out d)
        )
            return d;
        throw new FormatException($"{what} is not a decimal number");
    }

    public static decimal Positive(this JsonElement v, string what) =>
        v.Dec(what) is > 0 and var d ? d : throw new FormatException($"{what} is not positive");

    public static Schemas.V1.Decimal Wire(decimal d) => Schemas.V1.Decimal.From(d);

    /// <summary>"2021-04-17T16:43:37.089723Z" → µs since the epoch; fractions beyond µs are cut, not rounded.
    /// Parsed by hand (this runs once per live trade): fixed layout, UTC only.</summary>
    public static long IsoMicros(string text)
    {
        var t = text.AsSpan();
        if (t.Length < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[^1] != 'Z')
            throw new FormatException($"time '{text}' is not RFC 3339 UTC (yyyy-MM-ddTHH:mm:ss[.ffffff]Z)");
        int year = Digits(t, 0, 4, text),
            month = Digits(t, 5, 2, text),
            day = Digits(t, 8, 2, text);
        int hour = Digits(t, 11, 2, text),
            minute = Digits(t, 14, 2, text),
            second = Digits(t, 17, 2, text);
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            throw new FormatException($"time '{text}' is not a valid date and time");
        long micros = 0;
        if (t.Length > 20)
        {
            if (t[19] != '.' || t.Length == 21)
                throw new FormatException($"time '{text}' has a bad fraction");
            var fraction = t[20..^1];
            for (var i = 0; i < 6; i++)
            {
                var c = i < fraction.Length ? fraction[i] : '0';
                if (!char.IsAsciiDigit(c))
                    throw new FormatException($"time '{text}' has a bad fraction");
                micros = micros * 10 + (c - '0');
            }
            foreach (var c in fraction[Math.Min(6, fraction.Length)..])
                if (!char.IsAsciiDigit(c))
                    throw new FormatException($"time '{text}' has a bad fraction");
        }
        var days = (new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc) - DateTime.UnixEpoch).Days;
        return ((days * 86_400L + hour * 3600 + minute * 60 + second) * 1_000_000) + micros;
    }

    private static int Digits(ReadOnlySpan<char> t, int start, int count, string text)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(t[i]))
                throw new FormatException($"time '{text}' is not RFC 3339 UTC");
            value = value * 10 + (t[i] - '0');
        }
        return value;
    }

    /// <summary>Epoch seconds with a fraction as text ("1688671969.993150") → µs, exactly.</summary>
    public static long SecondsTextToMicros(string text) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s)
            ? (long)decimal.Truncate(s * 1_000_000m)
            : throw new FormatException($"time '{text}' is not epoch seconds");
}
