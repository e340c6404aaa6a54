// `pipeline archive` in its own OS process, so a test can kill -9 it mid-upload.
using System.Diagnostics;
using Pipeline.Plumbing.Configuration;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class ArchiveProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ArchiveProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    public static ArchiveProcess Start(string bootstrap, int partitions, S3Options s3, long rollBytes, string logFile)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestDirectories.Create("archive-cwd"),
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        psi.ArgumentList.Add("archive");
        foreach (
            var (k, v) in new Dictionary<string, string?>
            {
                ["PIPELINE__KAFKA__BOOTSTRAP"] = bootstrap,
                ["PIPELINE__KAFKA__PARTITIONS"] = partitions.ToString(),
                ["PIPELINE__DATADIR"] = psi.WorkingDirectory,
                ["PIPELINE__S3__ENDPOINT"] = s3.Endpoint,
                ["PIPELINE__S3__BUCKET"] = s3.Bucket,
                ["PIPELINE__S3__PREFIX"] = s3.Prefix,
                ["PIPELINE__S3__ACCESSKEY"] = s3.AccessKey,
                ["PIPELINE__S3__SECRETKEY"] = s3.SecretKey,
                ["PIPELINE__ARCHIVE__ROLLBYTES"] = rollBytes.ToString(),
                ["PIPELINE__ARCHIVE__ROLLSECONDS"] = "1",
            }
        )
            psi.Environment[k] = v;
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start pipeline archive");
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (log)
                    log.WriteLine(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (log)
                    log.WriteLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ArchiveProcess(process, log);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no shutdown code runs; whatever upload was under way is cut off.</summary>
    public void KillNine()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        KillNine();
        _process.Dispose();
        lock (_log)
            _log.Dispose();
    }
}
