// Sink test host: runs PostgresSink until SIGTERM/SIGINT (or until killed).
// Usage: Pipeline.Sinks.Tests.Host <bootstrap> <connection string> <consumer name> <group id> <batch rows>
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Kafka;
using Pipeline.Sinks;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Pipeline.Sinks.Tests.Host <bootstrap> <connection string> <consumer name> <group id> <batch rows>");
    return 2;
}
LibrdkafkaLoader.EnsureLoaded();
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
    .SetMinimumLevel(LogLevel.Information));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
var sink = new PostgresSink(new KafkaClientSettings(args[0]), args[1],
    new SinkSettings { ConsumerName = args[2], GroupId = args[3], BatchRows = int.Parse(args[4]), BatchLinger = TimeSpan.FromMilliseconds(20) }, loggers);
await sink.RunAsync(stop.Token);
return 0;
