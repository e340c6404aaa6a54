// One TWAP ingest in a separate OS process (Pipeline.Twap.Tests.Host, run by ChildProcess), so a test can kill -9 it
// mid-object.
using Pipeline.Testing;

namespace Pipeline.Twap.Tests;

public static class TwapIngestProcess
{
    public static ChildProcess Start(TwapPipeline p, long pauseAfterRows, string pauseInObject) =>
        ChildProcess.Start(
            "Pipeline.Twap.Tests.Host.dll",
            [p.Kafka.BootstrapServers, p.Database, p.S3.Endpoint, p.Bucket, TwapPipeline.Prefix, pauseAfterRows.ToString(), pauseInObject]
        );
}
