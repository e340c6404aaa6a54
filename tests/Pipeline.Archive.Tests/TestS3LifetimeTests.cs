// Regression (session 5): after fresh-clone CI runs the ceph-mon, ceph-osd and radosgw daemons of the test S3 kept
// running when the test host exited without its exit handler finishing. radosgw-start.sh now ties them to the process
// that started it; this test starts the gateway from a shell that exits at once and expects every daemon gone.
using Pipeline.Embedded;
using Pipeline.Testing;

namespace Pipeline.Archive.Tests;

public sealed class TestS3LifetimeTests
{
    [Fact]
    public async Task The_test_S3_daemons_stop_when_the_process_that_started_them_exits()
    {
        var dir = TestDirectories.Create("radosgw-owner");
        var script = Path.Combine(AppContext.BaseDirectory, "s3", "radosgw-start.sh");
        // The owner is this bash: it runs the start script as its child and exits, like a test host killed after start-up
        // (two commands, so bash forks instead of replacing itself with the script).
        var owner = await ChildProcess.RunProgramAsync(
            "bash",
            [
                "-c",
                "bash \"$0\" \"$@\"; exit $?",
                script,
                dir,
                FreePort.Next().ToString(),
                FreePort.Next().ToString(),
                TestS3.AccessKey,
                TestS3.SecretKey,
            ]
        );
        Assert.True(owner.Exit == 0, $"radosgw-start.sh failed: {owner.Err}");
        Assert.Contains("radosgw listening", owner.Out);
        var pids = Directory.GetFiles(Path.Combine(dir, "run"), "*.pid").Select(f => int.Parse(File.ReadAllText(f).Trim())).ToList();
        Assert.Equal(3, pids.Count); // mon, osd, rgw

        await Eventually.TrueAsync(
            () => pids.All(pid => !Directory.Exists($"/proc/{pid}")),
            TimeSpan.FromSeconds(30),
            "the daemons of an S3 whose owner exited to stop"
        );
    }
}
