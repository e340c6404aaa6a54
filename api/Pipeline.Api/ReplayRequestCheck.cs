// The rules a replay request must meet, with one clear problem per fault (the CLI's rules: a valid unused name, from
// before to, configured instruments, known intervals).
using System.Text.Json;
using Pipeline.Schemas;

namespace Pipeline.Api;

public static class ReplayRequestCheck
{
    public static RequestedReplay Parse(JsonElement body, IReadOnlySet<string> instruments, long nowUs)
    {
        if (body.ValueKind != JsonValueKind.Object)
            throw ApiProblem.BadParameter(
                "body",
                "the body must be a JSON object, e.g. {\"version\": \"v2\", \"from\": \"2025-01-01T00:00:00Z\"}"
            );
        foreach (var p in body.EnumerateObject())
            if (!Known.Contains(p.Name))
                throw ApiProblem.BadParameter(p.Name, $"unknown field '{p.Name}'; the fields are {string.Join(", ", Known)}");
        if (!DataVersion.TryParse(Text(body, "version"), out var version, out var problem))
            throw ApiProblem.BadParameter("version", problem);
        if (version.IsLive)
            throw ApiProblem.BadParameter("version", "'live' is the live processors' version; name the replay e.g. v2");
        var fromText =
            Text(body, "from")
            ?? throw ApiProblem.BadParameter("from", "from is required: the start of the range, e.g. 2025-01-01T00:00:00Z");
        if (!ApiTime.TryParse(fromText, out var from))
            throw ApiProblem.BadParameter("from", $"from '{fromText}' is not ISO-8601 UTC or Unix milliseconds");
        var to = nowUs;
        if (Text(body, "to") is { } toText && !ApiTime.TryParse(toText, out to))
            throw ApiProblem.BadParameter("to", $"to '{toText}' is not ISO-8601 UTC or Unix milliseconds");
        if (from >= to)
            throw ApiProblem.BadParameter("from", $"from ({ApiTime.Format(from)}) must be before to ({ApiTime.Format(to)})");
        var keys = List(body, "instruments");
        foreach (var k in keys)
            if (!instruments.Contains(k))
                throw ApiProblem.BadParameter(
                    "instruments",
                    $"instrument '{k}' is not configured; use one of {string.Join(", ", instruments.Order())}"
                );
        var intervals = List(body, "intervals");
        foreach (var i in intervals)
            if (!CandleInterval.TryParse(i, out _))
                throw ApiProblem.BadParameter("intervals", $"interval '{i}' is not one of {string.Join(", ", CandleInterval.Names)}");
        var indicators = List(body, "indicators");
        foreach (var i in indicators)
            if (i.Length is 0 or > 100)
                throw ApiProblem.BadParameter("indicators", "indicator names are 1-100 characters, e.g. rsi(21)");
        return new RequestedReplay
        {
            Version = version.Name,
            FromUs = from,
            ToUs = to,
            Instruments = keys,
            Intervals = intervals,
            Indicators = indicators,
            AllowedLatenessMs = Int(body, "allowed_lateness_ms"),
            RevisionHorizonMs = Int(body, "revision_horizon_ms"),
            Revalidate =
                body.TryGetProperty("revalidate", out var r)
                && r.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False or JsonValueKind.Null => false,
                    _ => throw ApiProblem.BadParameter("revalidate", "revalidate must be true or false"),
                },
            RequestedAtUs = nowUs,
        };
    }

    private static readonly string[] Known =
    [
        "version",
        "from",
        "to",
        "instruments",
        "intervals",
        "indicators",
        "allowed_lateness_ms",
        "revision_horizon_ms",
        "revalidate",
    ];

    private static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(), // Unix milliseconds
                JsonValueKind.Null => null,
                _ => throw ApiProblem.BadParameter(name, $"{name} must be a string"),
            }
            : null;

    private static List<string> List(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return [];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw ApiProblem.BadParameter(name, $"{name} must be an array of strings");
        return v.EnumerateArray().Select(e => e.GetString()!).Distinct().ToList();
    }

    private static int? Int(JsonElement body, string name)
    {
        if (!body.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0
            ? n
            : throw ApiProblem.BadParameter(name, $"{name} must be a whole number of milliseconds, 0 or more");
    }
}
