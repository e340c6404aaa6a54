// The Dockerfile checked without a Docker daemon: its publish line, run here, builds the CLI the other tests run; the
// image runs that CLI as a non-root user with a health check the CLI itself answers.
using System.Net;
using System.Text.RegularExpressions;
using Pipeline.Testing;

namespace Pipeline.Production.Tests;

public class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(RepositoryFiles.Path("Dockerfile"));

    [Fact]
    public async Task The_Dockerfile_publish_line_builds_the_same_cli_the_tests_run()
    {
        var run = Assert.Single(Lines, l => l.StartsWith("RUN dotnet publish ", StringComparison.Ordinal));
        var args = run["RUN dotnet ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        // Only the two paths of the image differ here: its output folder and the dashboard-asset cache of its first stage.
        var output = Pipeline.Testing.TestDirectories.Create("publish");
        var cache =
            Environment.GetEnvironmentVariable("PIPELINE_CACHE")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "pipeline");
        var o = args.IndexOf("-o");
        Assert.Equal("/app", args[o + 1]);
        args[o + 1] = output;
        Assert.Contains("-p:PipelineCache=/cache", args);
        args[args.IndexOf("-p:PipelineCache=/cache")] = $"-p:PipelineCache={cache}";
        args.AddRange(["-nologo", "-v", "quiet", "-clp:ErrorsOnly"]);
        var publish = await ChildProcess.RunProgramAsync(
            "dotnet",
            args,
            workingDirectory: RepositoryFiles.Root,
            timeout: TimeSpan.FromMinutes(8)
        );
        Assert.True(publish.Exit == 0, $"dotnet {string.Join(' ', args)}\n{publish}");

        // The image's entry point is the apphost /app/pipeline: run it the same way.
        var entry = Assert.Single(Lines, l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal));
        Assert.Equal("ENTRYPOINT [\"/app/pipeline\"]", entry);
        var published = Path.Combine(output, "pipeline");
        var (imageVersion, testedVersion) = (
            await ChildProcess.RunProgramAsync(published, ["--version"]),
            await ChildProcess.RunAsync("pipeline.dll", ["--version"])
        );
        Assert.Equal(0, imageVersion.Exit);
        Assert.Equal(testedVersion.Out, imageVersion.Out);
        var (imageHelp, testedHelp) = (
            await ChildProcess.RunProgramAsync(published, ["--help"]),
            await ChildProcess.RunAsync("pipeline.dll", ["--help"])
        );
        Assert.Equal(0, imageHelp.Exit);
        Assert.Equal(testedHelp.Out, imageHelp.Out);
        foreach (var role in new[] { "produce", "process", "sink", "api", "archive", "health" })
            Assert.Matches(new Regex($@"^\s+{role}\s", RegexOptions.Multiline), imageHelp.Out);
        // The native Kafka client travels with it (librdkafka.redist), for the image's linux-x64.
        Assert.True(
            Directory.EnumerateFiles(output, "*librdkafka*.so", SearchOption.AllDirectories).Any(),
            "no librdkafka in the published CLI"
        );
        // The dashboard's chart library is embedded when the cache holds it (the image's first stage builds it).
        Assert.True(File.Exists(Path.Combine(cache, "lightweight-charts-5.2.1", "lightweight-charts.standalone.production.js")));
    }

    [Fact]
    public void The_image_runs_the_cli_as_a_non_root_user_with_a_health_check()
    {
        var final = Array.FindLastIndex(Lines, l => l.StartsWith("FROM ", StringComparison.Ordinal));
        Assert.StartsWith("FROM mcr.microsoft.com/dotnet/aspnet:", Lines[final]);
        var runtime = Lines[final..];
        Assert.Contains("USER $APP_UID", runtime);
        Assert.DoesNotContain(runtime, l => l.StartsWith("USER root", StringComparison.Ordinal) || l == "USER 0");
        var health = Assert.Single(runtime, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.EndsWith("CMD [\"/app/pipeline\", \"health\"]", health);
        var ignore = File.ReadAllLines(RepositoryFiles.Path(".dockerignore"));
        foreach (var excluded in new[] { ".git", "**/bin", "**/obj", ".run", "*.env", "**/*.env" })
            Assert.Contains(excluded, ignore);
    }

    [Fact]
    public async Task Health_exits_0_when_the_endpoint_answers_and_1_with_one_line_when_it_does_not()
    {
        var port = Pipeline.Embedded.FreePort.Next();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            context.Response.StatusCode = 200;
            context.Response.Close();
        });
        var healthy = await ChildProcess.RunAsync("pipeline.dll", ["health", "--url", $"http://127.0.0.1:{port}/metrics"]);
        await serving;
        Assert.True(healthy.Exit == 0, healthy.ToString());
        listener.Stop();

        var down = await ChildProcess.RunAsync(
            "pipeline.dll",
            ["health", "--url", $"http://127.0.0.1:{Pipeline.Embedded.FreePort.Next()}/metrics"]
        );
        Assert.Equal(1, down.Exit);
        var line = Assert.Single(down.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: http://127.0.0.1:", line);
        Assert.Contains("does not answer", line);
    }
}
