// `pipeline topics`: print the topic catalog.
using System.CommandLine;
using Pipeline.Plumbing.Topics;

namespace Pipeline.Cli.Commands;

public static class TopicsCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command("topics", "List the topic catalog: name, key, value type, retention");
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    foreach (var t in TopicCatalog.All)
                    {
                        var kept =
                            t.Compacted ? "compacted"
                            : t.Retention is { } r ? $"retention={r.TotalDays}d"
                            : "retention=forever";
                        Console.WriteLine(
                            $"{t.Name, -28} key={t.Key, -26} value={t.ValueType.Name, -15} "
                                + $"partitions={t.Partitions ?? options.Kafka.Partitions, -3} {kept}"
                        );
                    }
                    return Task.FromResult(0);
                })
        );
        return command;
    }
}
