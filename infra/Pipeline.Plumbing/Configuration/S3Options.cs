// Where the archive writes: any S3-compatible store (AWS S3, Ceph radosgw, MinIO ...). Empty Bucket: no archive.
using System.Text.RegularExpressions;

namespace Pipeline.Plumbing.Configuration;

public sealed partial class S3Options
{
    /// <summary>http(s) URL of an S3-compatible service (PIPELINE__S3__ENDPOINT, or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
    /// Empty: AWS S3 in <see cref="Region"/>.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Signing region (AWS_REGION / AWS_DEFAULT_REGION when not set here).</summary>
    public string? Region { get; set; }

    /// <summary>Bucket of the archive. Empty: the archive is off.</summary>
    public string? Bucket { get; set; }

    /// <summary>Key prefix inside the bucket; every dataset lives under it ("" for the bucket's root).</summary>
    public string Prefix { get; set; } = "pipeline";

    /// <summary>Access key (AWS_ACCESS_KEY_ID when not set here). Empty with SecretKey empty: the SDK's default credential chain.</summary>
    public string? AccessKey { get; set; }

    /// <summary>Secret key (AWS_SECRET_ACCESS_KEY when not set here).</summary>
    public string? SecretKey { get; set; }

    /// <summary>Session token of temporary credentials (AWS_SESSION_TOKEN when not set here).</summary>
    public string? SessionToken { get; set; }

    /// <summary>Path-style addressing (http://host/bucket/key): what radosgw and MinIO expect; AWS accepts it too.</summary>
    public bool ForcePathStyle { get; set; } = true;

    public const string DefaultRegion = "us-east-1";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Bucket);

    public string EffectiveRegion => string.IsNullOrWhiteSpace(Region) ? DefaultRegion : Region!;

    /// <summary>Fills what the PIPELINE__S3__* settings left empty from the standard AWS environment variables.</summary>
    public void ApplyAwsEnvironment(Func<string, string?> variable)
    {
        static string? First(Func<string, string?> v, params string[] names) =>
            names.Select(v).FirstOrDefault(s => !string.IsNullOrWhiteSpace(s));
        if (string.IsNullOrWhiteSpace(Endpoint))
            Endpoint = First(variable, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL");
        if (string.IsNullOrWhiteSpace(Region))
            Region = First(variable, "AWS_REGION", "AWS_DEFAULT_REGION");
        if (string.IsNullOrWhiteSpace(AccessKey) && string.IsNullOrWhiteSpace(SecretKey))
        {
            AccessKey = First(variable, "AWS_ACCESS_KEY_ID");
            SecretKey = First(variable, "AWS_SECRET_ACCESS_KEY");
            if (string.IsNullOrWhiteSpace(SessionToken))
                SessionToken = First(variable, "AWS_SESSION_TOKEN");
        }
    }

    /// <summary>One line per fault, empty when the settings are usable (or the archive is off).</summary>
    public IEnumerable<string> Problems()
    {
        if (!IsConfigured)
            yield break;
        if (!BucketName().IsMatch(Bucket!))
            yield return $"configuration: S3:Bucket '{Bucket}' is not a valid bucket name; use 3-63 lowercase letters, digits, "
                + "'.' or '-' (PIPELINE__S3__BUCKET)";
        if (
            !string.IsNullOrWhiteSpace(Endpoint)
            && !(Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https"))
        )
            yield return $"configuration: S3:Endpoint '{Endpoint}' is not an http(s) URL; "
                + "use e.g. http://127.0.0.1:7480 (PIPELINE__S3__ENDPOINT)";
        if (string.IsNullOrWhiteSpace(AccessKey) != string.IsNullOrWhiteSpace(SecretKey))
            yield return "configuration: S3 needs both AccessKey and SecretKey, or neither (then the AWS default credential chain "
                + "is used); "
                + "set PIPELINE__S3__ACCESSKEY and PIPELINE__S3__SECRETKEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)";
        if (Prefix.StartsWith('/') || Prefix.EndsWith('/') || Prefix.Contains("//"))
            yield return $"configuration: S3:Prefix '{Prefix}' must not start or end with '/' nor contain '//'; "
                + "use e.g. pipeline or archive/prod";
        if (!string.IsNullOrWhiteSpace(Region) && !RegionName().IsMatch(Region))
            yield return $"configuration: S3:Region '{Region}' is not a region name; use e.g. us-east-1 (PIPELINE__S3__REGION or "
                + "AWS_REGION)";
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")]
    private static partial Regex BucketName();

    [GeneratedRegex("^[a-z0-9-]{2,32}$")]
    private static partial Regex RegionName();
}
