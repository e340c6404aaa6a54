// The S3 plumbing against a real S3 (Ceph radosgw): signed requests, byte-identical objects, paged listings.
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class S3PlumbingTests
{
    [Fact]
    public async Task An_object_put_through_the_factory_client_reads_back_byte_identical()
    {
        var s3 = await TestS3.SharedAsync();
        var options = await s3.CreateBucketAsync();
        using var client = S3ClientFactory.Create(options);
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        await client.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = options.Bucket,
                Key = "a/b.bin",
                InputStream = new MemoryStream(bytes),
            }
        );
        using var got = await client.GetObjectAsync(options.Bucket, "a/b.bin");
        using var read = new MemoryStream();
        await got.ResponseStream.CopyToAsync(read);

        Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(read.ToArray()));
    }

    [Fact]
    public async Task A_request_signed_with_a_wrong_secret_is_refused()
    {
        var s3 = await TestS3.SharedAsync();
        var options = await s3.CreateBucketAsync();
        options.SecretKey = "not-the-secret";
        using var client = S3ClientFactory.Create(options);

        var e = await Assert.ThrowsAsync<AmazonS3Exception>(() =>
            client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = options.Bucket,
                    Key = "refused.txt",
                    ContentBody = "x",
                }
            )
        );

        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("SignatureDoesNotMatch", e.ErrorCode);
    }

    [Fact]
    public async Task A_listing_longer_than_one_page_returns_every_key_once()
    {
        var s3 = await TestS3.SharedAsync();
        var options = await s3.CreateBucketAsync();
        using var client = S3ClientFactory.Create(options);
        var keys = Enumerable.Range(0, 23).Select(i => $"p/k{i:D3}").ToList();
        await Task.WhenAll(
            keys.Select(k =>
                client.PutObjectAsync(
                    new PutObjectRequest
                    {
                        BucketName = options.Bucket,
                        Key = k,
                        ContentBody = k,
                    }
                )
            )
        );

        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await client.ListObjectsV2Async(
                new ListObjectsV2Request
                {
                    BucketName = options.Bucket,
                    Prefix = "p/",
                    MaxKeys = 5,
                    ContinuationToken = token,
                }
            );
            listed.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        } while (token is not null);

        Assert.Equal(keys, listed);
    }
}
