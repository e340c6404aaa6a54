// A real S3 for tests: Ceph radosgw (one monitor, one in-memory OSD, one gateway) on free ports in a temp folder,
// started by infra/s3/radosgw-start.sh and stopped by the daemons' pids. One per test run; a fresh bucket per caller.
using Amazon.S3.Model;
using Pipeline.Embedded;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.ObjectStorage;

namespace Pipeline.Testing;

public sealed class TestS3 : IAsyncDisposable
{
    public const string AccessKey = "PIPELINETESTKEY";
    public const string SecretKey = "pipeline-test-secret-0123456789";
    private static readonly Lazy<Task<TestS3>> Shared = new(StartSharedAsync);
    private static int _buckets;
    private readonly string _dir;
    private bool _stopped;

    private TestS3(string dir, int port)
    {
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The run's shared gateway (started on first use, ~15 s; stopped when the test process exits).</summary>
    public static Task<TestS3> SharedAsync() => Shared.Value;

    private static async Task<TestS3> StartSharedAsync()
    {
        var s3 = await StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => s3.StopAsync().GetAwaiter().GetResult();
        return s3;
    }

    /// <summary>A gateway of the caller's own (for tests that must stop it); dispose to stop it.</summary>
    public static async Task<TestS3> StartAsync()
    {
        var dir = TestDirectories.Create("radosgw");
        var port = FreePort.Next();
        var monPort = FreePort.Next();
        var s3 = new TestS3(dir, port);
        try
        {
            await RunScriptAsync("radosgw-start.sh", dir, monPort.ToString(), port.ToString(), AccessKey, SecretKey);
        }
        catch
        {
            await s3.StopAsync();
            throw;
        }
        return s3;
    }

    /// <summary>Settings for a new, empty bucket of this gateway.</summary>
    public async Task<S3Options> CreateBucketAsync(string prefix = "pipeline")
    {
        var options = Options($"test-{Environment.ProcessId}-{Interlocked.Increment(ref _buckets)}", prefix);
        using var client = S3ClientFactory.Create(options);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = options.Bucket });
        return options;
    }

    public S3Options Options(string bucket, string prefix = "pipeline") =>
        new()
        {
            Endpoint = Endpoint,
            Bucket = bucket,
            Prefix = prefix,
            AccessKey = AccessKey,
            SecretKey = SecretKey,
            ForcePathStyle = true,
        };

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await RunScriptAsync("radosgw-stop.sh", _dir);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        { /* stop-stale-test-servers.sh removes what is left */
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private static async Task RunScriptAsync(string script, params string[] args)
    {
        var run = await ChildProcess.RunProgramAsync("bash", [Path.Combine(AppContext.BaseDirectory, "s3", script), .. args]);
        if (run.Exit != 0)
            throw new InvalidOperationException($"{script} failed (exit {run.Exit}): {run.Err.Trim()} {run.Out.Trim()}".Trim());
    }
}
