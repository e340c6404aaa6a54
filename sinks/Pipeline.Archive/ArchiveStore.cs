// The archive's S3 operations: put (multipart above a size), get, paged listing, existence with size.
using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;

namespace Pipeline.Archive;

public sealed class ArchiveStore(IAmazonS3 client, string bucket, long multipartThresholdBytes)
{
    public string Bucket { get; } = bucket;
    public IAmazonS3 Client { get; } = client;

    public async Task PutAsync(string key, byte[] bytes, CancellationToken ct)
    {
        if (bytes.LongLength < multipartThresholdBytes)
        {
            await client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = Bucket,
                    Key = key,
                    InputStream = new MemoryStream(bytes),
                },
                ct
            );
            return;
        }
        using var transfer = new TransferUtility(client, new TransferUtilityConfig { MinSizeBeforePartUpload = multipartThresholdBytes });
        await transfer.UploadAsync(
            new TransferUtilityUploadRequest
            {
                BucketName = Bucket,
                Key = key,
                InputStream = new MemoryStream(bytes),
                PartSize = Math.Max(5L * 1024 * 1024, multipartThresholdBytes / 2),
            },
            ct
        );
    }

    public async Task<byte[]> GetAsync(string key, CancellationToken ct)
    {
        using var response = await client.GetObjectAsync(new GetObjectRequest { BucketName = Bucket, Key = key }, ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    /// <summary>Every object under the prefix (after <paramref name="startAfter"/> when given), in key order, across pages.</summary>
    public async Task<List<S3Object>> ListAsync(string prefix, string? startAfter, CancellationToken ct)
    {
        var all = new List<S3Object>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(
                new ListObjectsV2Request
                {
                    BucketName = Bucket,
                    Prefix = prefix,
                    ContinuationToken = token,
                    StartAfter = token is null ? startAfter : null,
                },
                ct
            );
            all.AddRange(page.S3Objects ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        return all;
    }

    /// <summary>The sub-folders directly under the prefix (S3 common prefixes with delimiter '/'), in key order.</summary>
    public async Task<List<string>> ListFoldersAsync(string prefix, CancellationToken ct)
    {
        var all = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(
                new ListObjectsV2Request
                {
                    BucketName = Bucket,
                    Prefix = prefix,
                    Delimiter = "/",
                    ContinuationToken = token,
                },
                ct
            );
            all.AddRange(page.CommonPrefixes ?? []);
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);
        all.Sort(StringComparer.Ordinal);
        return all;
    }

    public Task DeleteAsync(string key, CancellationToken ct) =>
        client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Bucket, Key = key }, ct);

    /// <summary>The object's bytes, or null when there is none.</summary>
    public async Task<byte[]?> TryGetAsync(string key, CancellationToken ct)
    {
        try
        {
            return await GetAsync(key, ct);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Size of the object, or null when there is none.</summary>
    public async Task<long?> SizeAsync(string key, CancellationToken ct)
    {
        try
        {
            var meta = await client.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = Bucket, Key = key }, ct);
            return meta.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
