// Usage: Pipeline.Processors.Tests.Host <bootstrap> <group> <instance>. Runs ProcessorRole until stdin closes.
// Or: Pipeline.Processors.Tests.Host replay <bootstrap> <version> <from> <to>: plans (or resumes) and runs a replay
// with the default processing configuration (lateness 0), printing "replay progress <records>" as it goes.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Processors;

if (args.Length == 5 && args[0] == "replay")
    return await RunReplayAsync(args);
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Pipeline.Processors.Tests.Host <bootstrap> <group> <instance>");
    return 2;
}
var options = PipelineConfiguration.Load(
    file: null,
    environment: new Dictionary<string, string?>
    {
        ["PIPELINE__KAFKA__BOOTSTRAP"] = args[0],
        ["PIPELINE__PROCESSING__GROUPID"] = args[1],
        ["PIPELINE__PROCESSING__INSTANCEID"] = args[2],
        ["PIPELINE__PROCESSING__ALLOWEDLATENESSMS"] = "0",
    }
);
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
LibrdkafkaLoader.EnsureLoaded();

// A long transaction timeout lets a test tell a fenced predecessor (its open transaction aborted at once) from one
// the broker aborts only when the timeout expires (ADR 0008).
var txTimeout = Environment.GetEnvironmentVariable("PIPELINE_TEST_TRANSACTION_TIMEOUT_MS");
var kafka = txTimeout is null
    ? new KafkaClientSettings(args[0])
    : new KafkaClientSettings(args[0], new Dictionary<string, string> { ["transaction.timeout.ms"] = txTimeout });
var context = new PipelineContext(options, kafka, null, loggers);
using var stop = new CancellationTokenSource();
_ = Task.Run(() =>
{
    Console.In.ReadToEnd();
    stop.Cancel();
});
Console.WriteLine("processor started");
await ProcessorRole.RunAsync(context, stop.Token);
Console.WriteLine("processor stopped");
return 0;

static async Task<int> RunReplayAsync(string[] args)
{
    var options = PipelineConfiguration.Load(
        file: null,
        environment: new Dictionary<string, string?>
        {
            ["PIPELINE__KAFKA__BOOTSTRAP"] = args[1],
            ["PIPELINE__PROCESSING__ALLOWEDLATENESSMS"] = "0",
        }
    );
    using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
    LibrdkafkaLoader.EnsureLoaded();
    var kafka = new KafkaClientSettings(args[1]);
    var request = new Pipeline.Processors.Replay.ReplayRequest
    {
        Version = Pipeline.Schemas.DataVersion.Parse(args[2]),
        FromUs = Pipeline.Schemas.UnixMicros.TryParseIso(args[3], out var from) ? from.Value : throw new ArgumentException(args[3]),
        ToUs = Pipeline.Schemas.UnixMicros.TryParseIso(args[4], out var to) ? to.Value : throw new ArgumentException(args[4]),
        Processing = options.Processing,
    };
    var instruments = options.Instruments.Select(i => i.ToInstrumentRef().Key).ToList();
    var job = await Pipeline.Processors.Replay.ReplayJob.PlanAsync(kafka, request, instruments, loggers);
    Console.WriteLine($"replay planned {job.Plan.Total} resumed={job.Resumed}");
    var result = await job.RunAsync(new SyncProgress(p => Console.WriteLine($"replay progress {p.Records}")), CancellationToken.None);
    Console.WriteLine($"replay complete={result.Complete} records={result.Records}");
    return 0;
}

/// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
sealed class SyncProgress(Action<Pipeline.Processors.Replay.ReplayProgress> report) : IProgress<Pipeline.Processors.Replay.ReplayProgress>
{
    public void Report(Pipeline.Processors.Replay.ReplayProgress value) => report(value);
}
