// The meters a pipeline process exports on /metrics: its own ("Pipeline.*"), .NET's runtime, ASP.NET Core's HTTP server.
namespace Pipeline.Plumbing.Metrics;

public static class PipelineMeters
{
    /// <summary>Meter names (with "*" wildcards, as OpenTelemetry's AddMeter takes them) every role exports.</summary>
    public static readonly string[] Exported =
    [
        "Pipeline.*",
        "System.Runtime",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
    ];

    /// <summary>Bucket boundaries (seconds) for latencies from sub-millisecond commits to multi-second database writes.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets =
    [
        0.0005,
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
        10,
        30,
    ];
}
