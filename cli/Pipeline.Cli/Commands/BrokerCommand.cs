// `pipeline broker`: run the embedded Kafka-compatible broker in the foreground.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Embedded;
using Pipeline.Plumbing.Kafka;

namespace Pipeline.Cli.Commands;

public static class BrokerCommand
{
    public static Command Create(Option<string?> config)
    {
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0 picks a free one)", DefaultValueFactory = _ => 9092 };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for the broker's logs", DefaultValueFactory = _ => ".run/broker" };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of auto-created topics", DefaultValueFactory = _ => 1 };
        var autoCreate = new Option<bool>("--auto-create-topics") { Description = "Create unknown topics on first use (off by default, like the pipeline's own use)" };
        var command = new Command("broker", "Run the embedded single-node Kafka-compatible broker in the foreground (Ctrl-C stops it)")
        {
            port, dataDir, partitions, autoCreate,
        };
        command.SetAction((parse, _) => CliRunner.RunAsync(async ct =>
        {
            if (parse.GetValue(port) is < 0 or > 65535) throw new ArgumentException($"--port {parse.GetValue(port)} is out of range; use 0..65535");
            using var loggers = Pipeline.Cli.PipelineServices.CreateLoggerFactory();
            var log = loggers.CreateLogger("broker");
            log.LogInformation("librdkafka {Version} loaded from {Path}", LibrdkafkaLoader.EnsureLoaded(), LibrdkafkaLoader.LoadedFrom);
            if (parse.GetValue(partitions) < 1) throw new ArgumentException($"--partitions {parse.GetValue(partitions)} must be at least 1");
            await using var kafka = await EmbeddedKafka.StartAsync(parse.GetValue(dataDir)!, parse.GetValue(port), parse.GetValue(partitions), loggers,
                parse.GetValue(autoCreate), ct);
            log.LogInformation("Broker ({Kind}) listening at {Bootstrap}", kafka.Kind, kafka.BootstrapServers);
            Console.WriteLine($"LISTENING {kafka.BootstrapServers}");
            try { await Task.Delay(Timeout.Infinite, ct); } catch (OperationCanceledException) { }
            log.LogInformation("Broker stopping");
            return 0;
        }));
        return command;
    }
}
