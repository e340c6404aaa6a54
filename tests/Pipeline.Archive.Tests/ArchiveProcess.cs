// `pipeline archive` in its own OS process (ChildProcess), so a test can kill -9 it mid-upload.
using Pipeline.Plumbing.Configuration;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public static class ArchiveProcess
{
    public static ChildProcess Start(string bootstrap, int partitions, S3Options s3, long rollBytes, string logFile)
    {
        var folder = TestDirectories.Create("archive-cwd");
        var environment = new Dictionary<string, string?>
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = bootstrap,
            ["PIPELINE__KAFKA__PARTITIONS"] = partitions.ToString(),
            ["PIPELINE__DATADIR"] = folder,
            ["PIPELINE__S3__ENDPOINT"] = s3.Endpoint,
            ["PIPELINE__S3__BUCKET"] = s3.Bucket,
            ["PIPELINE__S3__PREFIX"] = s3.Prefix,
            ["PIPELINE__S3__ACCESSKEY"] = s3.AccessKey,
            ["PIPELINE__S3__SECRETKEY"] = s3.SecretKey,
            ["PIPELINE__ARCHIVE__ROLLBYTES"] = rollBytes.ToString(),
            ["PIPELINE__ARCHIVE__ROLLSECONDS"] = "1",
        };
        return ChildProcess.Start("pipeline.dll", ["archive"], environment, logFile, folder);
    }
}
