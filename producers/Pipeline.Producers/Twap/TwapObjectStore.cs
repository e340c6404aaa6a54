// Reads the published TWAP objects from S3: listing under the prefix and whole-object GETs, requester-pays on every
// request, each retried (3 attempts, exponential backoff with equal jitter, Plumbing's Backoff) on transient errors only.
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Resilience;

namespace Pipeline.Producers.Twap;

public sealed class TwapObjectStore(IAmazonS3 s3, string bucket, string prefix, bool requesterPays, ILogger log)
{
    public const int Attempts = 3;
    public string Bucket { get; } = bucket;
    public string Prefix { get; } = prefix;

    /// <summary>First backoff; attempt n waits between half and all of FirstDelay · 2^(n-1).</summary>
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    private RequestPayer? Payer => requesterPays ? RequestPayer.Requester : null;

    /// <summary>Every object under the prefix (paged), in key order.</summary>
    public async Task<List<TwapObjectInfo>> ListAsync(CancellationToken ct)
    {
        var result = new List<TwapObjectInfo>();
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request
            {
                BucketName = Bucket,
                Prefix = Prefix,
                ContinuationToken = token,
                RequestPayer = Payer,
            };
            var page = await RetryAsync($"listing s3://{Bucket}/{Prefix}", () => s3.ListObjectsV2Async(request, ct), ct);
            foreach (var o in page.S3Objects ?? [])
            {
                if (o.Key.EndsWith('/'))
                    continue; // folder markers
                result.Add(new TwapObjectInfo(o.Key, o.ETag?.Trim('"') ?? "", ToOffset(o.LastModified), o.Size ?? 0));
            }
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        result.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        return result;
    }

    /// <summary>One object's metadata (for --object-key).</summary>
    public async Task<TwapObjectInfo> HeadAsync(string key, CancellationToken ct)
    {
        var head = await RetryAsync(
            $"reading s3://{Bucket}/{key}",
            () =>
                s3.GetObjectMetadataAsync(
                    new GetObjectMetadataRequest
                    {
                        BucketName = Bucket,
                        Key = key,
                        RequestPayer = Payer,
                    },
                    ct
                ),
            ct
        );
        return new TwapObjectInfo(key, head.ETag?.Trim('"') ?? "", ToOffset(head.LastModified), head.ContentLength);
    }

    /// <summary>The whole object in memory, with the ETag and last-modified time of what was read.</summary>
    public Task<(MemoryStream Content, TwapObjectInfo Info)> GetAsync(string key, CancellationToken ct) =>
        RetryAsync(
            $"reading s3://{Bucket}/{key}",
            async () =>
            {
                using var response = await s3.GetObjectAsync(
                    new GetObjectRequest
                    {
                        BucketName = Bucket,
                        Key = key,
                        RequestPayer = Payer,
                    },
                    ct
                );
                var content = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 0);
                await response.ResponseStream.CopyToAsync(content, ct);
                content.Position = 0;
                return (content, new TwapObjectInfo(key, response.ETag?.Trim('"') ?? "", ToOffset(response.LastModified), content.Length));
            },
            ct
        );

    private static DateTimeOffset ToOffset(DateTime? t) =>
        t is { } v ? new DateTimeOffset(v.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.UnixEpoch;

    private async Task<T> RetryAsync<T>(string what, Func<Task<T>> action, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsTransient(e))
            {
                if (attempt >= Attempts)
                    throw new TwapSourceException($"{what} failed {Attempts} times: {Describe(e)}", transient: true, e);
                var delay = Backoff.Delay(attempt, FirstDelay, FirstDelay * (1 << (Attempts - 1)));
                log.LogWarning(
                    "{What} failed (attempt {Attempt} of {Attempts}, retrying in {Delay} ms): {Error}",
                    what,
                    attempt,
                    Attempts,
                    (int)delay.TotalMilliseconds,
                    Describe(e)
                );
                await Task.Delay(delay, ct);
            }
            catch (AmazonS3Exception e) when (!ct.IsCancellationRequested)
            {
                throw new TwapSourceException($"{what} was refused: {Describe(e)}", transient: false, e);
            }
        }
    }

    private static string Describe(Exception e) =>
        e switch
        {
            AmazonServiceException s when s.StatusCode != 0 => $"{(int)s.StatusCode} {s.ErrorCode} {s.Message}".Trim(),
            _ => e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message,
        };

    /// <summary>Network failures, timeouts, 5xx and throttling are transient; other S3 answers (403, 404, 400) are not.</summary>
    public static bool IsTransient(Exception e) =>
        e switch
        {
            AmazonServiceException s when s.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout => true,
            AmazonServiceException s when (int)s.StatusCode >= 500 => true,
            AmazonServiceException s when s.StatusCode == 0 => true, // no HTTP answer at all: the request never got through
            AmazonServiceException s when s.InnerException is not null && IsTransient(s.InnerException) => true,
            HttpRequestException or IOException or System.Net.Sockets.SocketException or TimeoutException => true,
            TaskCanceledException => true, // the SDK's own request timeout (the caller's token is checked before)
            _ => false,
        };
}
