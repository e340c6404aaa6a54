// Where the Hyperliquid TWAP status objects are published, and whether `pipeline up` ingests them on a schedule.
// The S3 endpoint, region and credentials come from the S3 section (and the standard AWS variables).
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Plumbing.Configuration;

public sealed partial class TwapOptions
{
    /// <summary>Bucket holding the TWAP status Parquet objects (PIPELINE__TWAP__BUCKET). Empty: no S3 ingest.</summary>
    public string? Bucket { get; set; }

    /// <summary>Key prefix of the objects (PIPELINE__TWAP__PREFIX).</summary>
    public string Prefix { get; set; } = "raw/twap_statuses/";

    /// <summary>Send x-amz-request-payer: requester on every request (the published bucket is requester-pays).</summary>
    public bool RequesterPays { get; set; } = true;

    /// <summary>Run an incremental ingest this often inside `pipeline up` (e.g. 24h, 30m); empty: not scheduled.</summary>
    public string? Every { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Bucket);

    /// <summary>The schedule, or null when not scheduled. Throws FormatException for text that is not a duration.</summary>
    public TimeSpan? Schedule => string.IsNullOrWhiteSpace(Every) ? null : ParseInterval(Every);

    /// <summary>"24h", "30m", "1d", "90s" or a TimeSpan ("1.00:00:00"); at least one minute.</summary>
    public static TimeSpan ParseInterval(string text)
    {
        var t = text.Trim();
        var m = Duration().Match(t);
        TimeSpan value;
        if (m.Success)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value = m.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(n),
                "m" => TimeSpan.FromMinutes(n),
                "h" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        else if (!TimeSpan.TryParse(t, CultureInfo.InvariantCulture, out value))
            throw new FormatException($"'{text}' is not a duration; use e.g. 24h, 30m or 1d");
        if (value < TimeSpan.FromMinutes(1))
            throw new FormatException($"'{text}' is shorter than one minute");
        return value;
    }

    public IEnumerable<string> Problems()
    {
        if (IsConfigured && !BucketName().IsMatch(Bucket!))
            yield return $"configuration: Twap:Bucket '{Bucket}' is not a valid bucket name; use 3-63 lowercase letters, digits, "
                + "'.' or '-' (PIPELINE__TWAP__BUCKET)";
        if (Prefix.StartsWith('/'))
            yield return $"configuration: Twap:Prefix '{Prefix}' must not start with '/'; "
                + "use e.g. raw/twap_statuses/ (PIPELINE__TWAP__PREFIX)";
        string? every = null;
        try
        {
            _ = Schedule;
        }
        catch (FormatException e)
        {
            every = e.Message;
        }
        if (every is not null)
            yield return $"configuration: Twap:Every {every} (PIPELINE__TWAP__EVERY)";
        if (Schedule is not null && !IsConfigured)
            yield return "configuration: Twap:Every is set but Twap:Bucket is empty; "
                + "set the bucket of the TWAP objects (PIPELINE__TWAP__BUCKET) or clear Twap:Every";
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)(s|m|h|d)$")]
    private static partial Regex Duration();

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();
}
