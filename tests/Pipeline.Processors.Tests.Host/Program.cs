// Usage: Pipeline.Processors.Tests.Host <bootstrap> <group> <instance>. Runs ProcessorRole until stdin closes.
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing;
using Pipeline.Plumbing.Configuration;
using Pipeline.Plumbing.Kafka;
using Pipeline.Processors;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Pipeline.Processors.Tests.Host <bootstrap> <group> <instance>");
    return 2;
}
var options = PipelineConfiguration.Load(file: null, environment: new Dictionary<string, string?>
{
    ["PIPELINE__KAFKA__BOOTSTRAP"] = args[0],
    ["PIPELINE__PROCESSING__GROUPID"] = args[1],
    ["PIPELINE__PROCESSING__INSTANCEID"] = args[2],
    ["PIPELINE__PROCESSING__ALLOWEDLATENESSMS"] = "0",
});
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
LibrdkafkaLoader.EnsureLoaded();
var context = new PipelineContext(options, new KafkaClientSettings(args[0]), null, loggers);
using var stop = new CancellationTokenSource();
_ = Task.Run(() => { Console.In.ReadToEnd(); stop.Cancel(); });
Console.WriteLine("processor started");
await ProcessorRole.RunAsync(context, stop.Token);
Console.WriteLine("processor stopped");
return 0;
