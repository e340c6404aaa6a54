// The one place an S3 client is built from S3Options, with the settings S3-compatible stores need.
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Pipeline.Plumbing.Configuration;

namespace Pipeline.Plumbing.ObjectStorage;

public static class S3ClientFactory
{
    /// <summary>A client for the configured store. Checksums are computed and validated only WHEN_REQUIRED: with the
    /// SDK's default (always, via aws-chunked trailers) radosgw answers XAmzContentSHA256Mismatch to every PUT. Requests go
    /// through <see cref="S3HttpClientFactory"/>, so a response torn by a dying connection is retried by the SDK.</summary>
    public static IAmazonS3 Create(S3Options options, TimeSpan? timeout = null) => Create(options, timeout, null);

    /// <param name="transport">The handler below the torn-response handler; null for the sockets. Tests put a
    /// fault-injecting transport here.</param>
    internal static IAmazonS3 Create(S3Options options, TimeSpan? timeout, Func<HttpMessageHandler>? transport)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            AuthenticationRegion = options.EffectiveRegion,
            Timeout = timeout ?? TimeSpan.FromSeconds(60),
            HttpClientFactory = new S3HttpClientFactory(transport),
        };
        if (string.IsNullOrWhiteSpace(options.Endpoint))
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.EffectiveRegion);
        else
            config.ServiceURL = options.Endpoint;

        if (string.IsNullOrWhiteSpace(options.AccessKey))
            return new AmazonS3Client(config);
        AWSCredentials credentials = string.IsNullOrWhiteSpace(options.SessionToken)
            ? new BasicAWSCredentials(options.AccessKey, options.SecretKey)
            : new SessionAWSCredentials(options.AccessKey, options.SecretKey, options.SessionToken);
        return new AmazonS3Client(credentials, config);
    }
}
