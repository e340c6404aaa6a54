// `pipeline broker`: run the embedded Kafka-compatible broker in the foreground.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Embedded;
using Pipeline.Plumbing.Errors;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Cli.Commands;

public static class BrokerCommand
{
    public static Command Create(Option<string?> config)
    {
        var port = new Option<int>("--port")
        {
            Description = "TCP port on 127.0.0.1 (0 picks a free one)",
            DefaultValueFactory = _ => 9092,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Folder for the broker's logs",
            DefaultValueFactory = _ => ".run/broker",
        };
        var partitions = new Option<int>("--partitions")
        {
            Description = "Partitions of auto-created topics",
            DefaultValueFactory = _ => 1,
        };
        var autoCreate = new Option<bool>("--auto-create-topics")
        {
            Description = "Create unknown topics on first use (off by default, like the pipeline's own use)",
        };
        var registryPort = new Option<int>("--registry-port")
        {
            Description = "Also serve the built-in Schema Registry on this 127.0.0.1 port (0 picks a free one; off when not given)",
            DefaultValueFactory = _ => -1,
        };
        var command = new Command("broker", "Run the embedded single-node Kafka-compatible broker in the foreground (Ctrl-C stops it)")
        {
            port,
            dataDir,
            partitions,
            autoCreate,
            registryPort,
        };
        var metricsPort = MetricsServer.PortOption();
        command.Options.Add(metricsPort);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    if (parse.GetValue(port) is < 0 or > 65535)
                        throw new InvalidRequestException($"--port {parse.GetValue(port)} is out of range; use 0..65535");
                    using var loggers = Pipeline.Cli.PipelineServices.CreateLoggerFactory();
                    var log = loggers.CreateLogger("broker");
                    await using var metricsServer = await MetricsServer.StartAsync(parse.GetValue(metricsPort), log, ct);
                    log.LogInformation(
                        "librdkafka {Version} loaded from {Path}",
                        LibrdkafkaLoader.EnsureLoaded(),
                        LibrdkafkaLoader.LoadedFrom
                    );
                    if (parse.GetValue(partitions) < 1)
                        throw new InvalidRequestException($"--partitions {parse.GetValue(partitions)} must be at least 1");
                    await using var kafka = await EmbeddedKafka.StartAsync(
                        parse.GetValue(dataDir)!,
                        parse.GetValue(port),
                        parse.GetValue(partitions),
                        loggers,
                        parse.GetValue(autoCreate),
                        ct
                    );
                    log.LogInformation("Broker listening at {Bootstrap}", kafka.BootstrapServers);
                    if (parse.GetValue(registryPort) is < -1 or > 65535)
                        throw new InvalidRequestException($"--registry-port {parse.GetValue(registryPort)} is out of range; use 0..65535");
                    await using var registry =
                        parse.GetValue(registryPort) < 0
                            ? null
                            : await PipelineServices.StartRegistryAsync(
                                Path.Combine(parse.GetValue(dataDir)!, "..", "registry"),
                                parse.GetValue(registryPort),
                                ct
                            );
                    if (registry is not null)
                    {
                        log.LogInformation("Built-in Schema Registry at {Url}", registry.Url);
                        Console.WriteLine($"REGISTRY {registry.Url}");
                    }
                    Console.WriteLine($"LISTENING {kafka.BootstrapServers}");
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    catch (OperationCanceledException) { }
                    log.LogInformation("Broker stopping");
                    return 0;
                })
        );
        return command;
    }
}
