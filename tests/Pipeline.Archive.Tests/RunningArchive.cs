// The archive role in this test process (for tests that watch its state), stopped on dispose.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Archive.Tests;

public sealed class RunningArchive : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private RunningArchive(Task task) => Task = task;

    public Task Task { get; }

    public static RunningArchive Start(KafkaClientSettings kafka, S3Options s3, ArchiveOptions? archive = null)
    {
        var options = new PipelineOptions { S3 = s3, Archive = archive ?? new ArchiveOptions { RollSeconds = 1, RetryMaxBackoffMs = 500 } };
        var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        var context = new PipelineContext(options, kafka, null, loggers);
        var cts = new CancellationTokenSource();
        var running = new RunningArchive(Task.Run(() => ArchiveRole.RunAsync(context, cts.Token)));
        running._stop.Token.Register(cts.Cancel);
        return running;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task;
        }
        catch (OperationCanceledException) { }
    }
}
