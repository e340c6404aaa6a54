// One incremental TWAP ingest in its own process: args BOOTSTRAP DB S3_ENDPOINT BUCKET PREFIX PAUSE_AFTER_ROWS PAUSE_OBJECT.
// With PAUSE_AFTER_ROWS > 0 it prints "paused" once that many rows of the object whose key ends with PAUSE_OBJECT are in
// the open Kafka transaction and
// then waits forever, so the test can kill -9 it mid-object.
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Plumbing.ObjectStorage;
using Pipeline.Producers.Twap;

LibrdkafkaLoader.EnsureLoaded();
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var log = loggers.CreateLogger("twap-host");
var pauseAfter = long.Parse(args[5]);
var s3Options = new S3Options
{
    Endpoint = args[2],
    AccessKey = "PIPELINETESTKEY",
    SecretKey = "pipeline-test-secret-0123456789",
    ForcePathStyle = true,
};
using var s3 = S3ClientFactory.Create(s3Options);
if (s3.Config is ClientConfig config)
    config.MaxErrorRetry = 0;
await using var db = NpgsqlDataSource.Create(args[1]);
var paused = new ManualResetEventSlim();
using var publisher = new TwapPublisher(new KafkaClientSettings(args[0]), log)
{
    AfterRow = (source, n) =>
    {
        if (pauseAfter <= 0 || n != pauseAfter || !source.Key.EndsWith(args[6], StringComparison.Ordinal))
            return;
        Console.WriteLine("paused");
        paused.Wait(); // never set: the test kills this process here
    },
};
var job = new TwapIngestJob(new TwapObjectStore(s3, args[3], args[4], true, log), new TwapIngestLog(db), publisher, log);
var result = await job.RunAsync(new TwapIngestRequest(), null, CancellationToken.None);
Console.WriteLine($"done {result.ObjectsIngested} {result.RowsPublished}");
