// The parameters of GET /twaps, validated: one problem+json line per bad parameter.
using System.Globalization;

namespace Pipeline.Api;

public sealed record TwapQuery(
    string Wallet,
    long StartUs,
    long EndUs,
    string? Asset,
    bool LatestPerTwap,
    int Limit,
    long Offset,
    TwapPosition? After
)
{
    /// <summary>The cursor kind of GET /twaps pages (see <see cref="ApiCursor"/>).</summary>
    public const string CursorKind = "twaps";
    public const int DefaultLimit = 500;
    public const int MaxLimit = 5000;
    public const long MaxOffset = 10_000_000;

    /// <summary>Without start/end: every status from the epoch to the year 3000.</summary>
    private const long FarFutureUs = 32_503_680_000_000_000;

    public static TwapQuery Parse(IQueryCollection query)
    {
        var wallet = query["wallet"].ToString().Trim();
        if (wallet.Length == 0)
            throw ApiProblem.BadParameter(
                "wallet",
                "wallet is required: the address whose TWAPs to list, e.g. wallet=0x0123456789abcdef0123456789abcdef01234567"
            );
        if (!IsAddress(wallet))
            throw ApiProblem.BadParameter("wallet", $"wallet '{Clip(wallet)}' is not an address; use 0x followed by 40 hex digits");
        long start = 0,
            end = FarFutureUs;
        if (query["start"].ToString() is { Length: > 0 } s && !ApiTime.TryParse(s, out start))
            throw ApiProblem.BadParameter(
                "start",
                $"start '{Clip(s)}' is not a time; use ISO-8601 UTC (2025-01-31T00:00:00Z) or Unix milliseconds"
            );
        if (query["end"].ToString() is { Length: > 0 } e && !ApiTime.TryParse(e, out end))
            throw ApiProblem.BadParameter(
                "end",
                $"end '{Clip(e)}' is not a time; use ISO-8601 UTC (2025-01-31T00:00:00Z) or Unix milliseconds"
            );
        if (start >= end)
            throw ApiProblem.BadParameter("start", $"start ({ApiTime.Format(start)}) must be before end ({ApiTime.Format(end)})");
        string? asset = null;
        if (query["asset"].ToString() is { Length: > 0 } a)
        {
            if (a.Length > 32 || a.Any(char.IsWhiteSpace))
                throw ApiProblem.BadParameter("asset", $"asset '{Clip(a)}' is not a coin name; use e.g. BTC or a spot id like @107");
            asset = a;
        }
        var latest = query["latest_per_twap"].ToString() switch
        {
            "" or "true" or "1" => true,
            "false" or "0" => false,
            var v => throw ApiProblem.BadParameter("latest_per_twap", $"latest_per_twap '{Clip(v)}' must be true or false"),
        };
        var limit = DefaultLimit;
        if (
            query["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
        )
            throw ApiProblem.BadParameter("limit", $"limit '{Clip(l)}' must be a whole number from 1 to {MaxLimit}");
        long offset = 0;
        if (
            query["offset"].ToString() is { Length: > 0 } o
            && (!long.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset > MaxOffset)
        )
            throw ApiProblem.BadParameter("offset", $"offset '{Clip(o)}' must be a whole number from 0 to {MaxOffset}");
        TwapPosition? after = null;
        if (ApiCursor.Read(query, CursorKind) is { } position)
        {
            if (!TwapPosition.TryParse(position, out var p))
                throw ApiCursor.Invalid();
            if (offset != 0)
                throw ApiProblem.BadParameter(
                    "offset",
                    "use either cursor (fast at any depth) or offset, not both: pass metadata.next_cursor alone"
                );
            after = p;
        }
        return new TwapQuery(wallet.ToLowerInvariant(), start, end, asset, latest, limit, offset, after);
    }

    public static bool IsAddress(string s) =>
        s.Length == 42 && s.StartsWith("0x", StringComparison.Ordinal) && !s.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF");

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
