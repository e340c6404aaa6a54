// `pipeline import binance-dump FILE…`: seed history from Binance public data dumps (trades, aggTrades, klines).
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Plumbing.Errors;
using Pipeline.Producers;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Pipeline.Producers.Venues.Binance.Dumps;
using Pipeline.Schemas.V1;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

public static class ImportCommand
{
    public static Command Create(Option<string?> config)
    {
        var command = new Command("import", "Import history files into the raw topics");
        var files = new Argument<string[]>("FILE")
        {
            Description = "Binance dump files (.csv or .zip) as published on data.binance.vision, e.g. BTCUSDT-trades-2024-01-01.zip",
            Arity = ArgumentArity.OneOrMore,
        };
        var binance = new Command(
            "binance-dump",
            "Publish Binance public dump files (trades, aggTrades, klines) in exchange-time order, "
                + "then an end-of-input mark per instrument. Uses Kafka:Bootstrap, "
                + "else the embedded broker of a running `pipeline up` (127.0.0.1:Kafka:EmbeddedPort)."
        );
        var symbol = new Option<string?>("--symbol")
        {
            Description = "Binance symbol of the files (e.g. BTCUSDT) when they were renamed; their kind is then told from their rows",
        };
        var wait = new Option<int>("--wait")
        {
            Description =
                "Seconds to wait for the processor to take the published rows, to report how many it accepted and dead-lettered "
                + "(0: do not wait)",
            DefaultValueFactory = _ => 60,
        };
        var market = new Option<string?>("--market")
        {
            Description = "spot, or perp for USD-M/COIN-M futures dumps, when the symbol is configured on both (BTCUSDT)",
        };
        binance.Arguments.Add(files);
        binance.Options.Add(symbol);
        binance.Options.Add(wait);
        binance.Options.Add(market);
        var metricsPort = MetricsServer.PortOption();
        binance.Options.Add(metricsPort);
        binance.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    var paths = parse.GetValue(files) ?? [];
                    // Check names and symbols before connecting anywhere: a typo is reported at once.
                    MarketType? dumpMarket = null;
                    if (parse.GetValue(market) is { } marketText)
                        dumpMarket =
                            InstrumentRef.TryParseMarket(marketText, out var m) && m is MarketType.Spot or MarketType.Perp
                                ? m
                                : throw new InvalidRequestException($"--market '{marketText}' is neither spot nor perp");
                    var listings = new VenueListings(options.Instruments);
                    foreach (var p in paths)
                        listings.Find(BinanceDumpImporter.Exchange, BinanceDumpFile.Parse(p, parse.GetValue(symbol)).Symbol, dumpMarket);

                    RunningPipeline.UseItsKafka(options);
                    await using var services = await StandaloneServices.StartAsync(
                        options,
                        parse.GetValue(metricsPort),
                        needsDatabase: false,
                        ct
                    );
                    var loggers = services.Loggers;
                    var log = loggers.CreateLogger("import");
                    using var publisher = new TopicPublisher(services.Context.Kafka, "pipeline-import", log);
                    var importer = new BinanceDumpImporter(listings, publisher, log);
                    var started = DateTime.UtcNow;
                    BinanceDumpResult result;
                    try
                    {
                        result = await ProgressBars
                            .Create()
                            .StartAsync(async progress =>
                            {
                                var tasks = paths.ToDictionary(p => p, p => progress.AddTask(Path.GetFileName(p), maxValue: 1));
                                return await importer.ImportAsync(
                                    paths,
                                    new Progress<BinanceDumpProgress>(p =>
                                    {
                                        var task = tasks[p.File];
                                        task.MaxValue = Math.Max(1, p.BytesTotal);
                                        task.Value = Math.Min(p.BytesRead, task.MaxValue);
                                        task.Description = $"{Path.GetFileName(p.File)} ({p.Records:N0} rows)";
                                    }),
                                    ct,
                                    parse.GetValue(symbol),
                                    dumpMarket
                                );
                            });
                    }
                    catch (InputFormatException e)
                    {
                        Console.Error.WriteLine($"error: {e.Message}");
                        return CliRunner.ExitFailure;
                    }
                    foreach (var (key, n) in result.Trades)
                        Console.WriteLine($"{key}: {n:N0} trades published");
                    foreach (var (key, n) in result.Candles)
                        Console.WriteLine($"{key}: {n:N0} candles published");
                    return await ReportOutcomeAsync(
                        services.Context.Kafka,
                        options.Processing.GroupId,
                        publisher,
                        started,
                        TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(wait))),
                        ct
                    );
                })
        );
        command.Subcommands.Add(binance);
        return command;
    }

    /// <summary>Prints how many of the published rows the processor accepted and dead-lettered (by reason); exit 1 when
    /// rows were published and none was accepted.</summary>
    private static async Task<int> ReportOutcomeAsync(
        Pipeline.Plumbing.Kafka.KafkaClientSettings kafka,
        string processorGroup,
        TopicPublisher publisher,
        DateTime started,
        TimeSpan wait,
        CancellationToken ct
    )
    {
        var raw = new[]
        {
            Pipeline.Plumbing.Topics.TopicCatalog.RawTrades.Name,
            Pipeline.Plumbing.Topics.TopicCatalog.RawExchangeCandles.Name,
        };
        var published = publisher.DeliveredRanges.Where(r => raw.Contains(r.Key.Topic)).ToDictionary();
        if (wait <= TimeSpan.Zero)
        {
            Console.WriteLine(
                $"Not waiting for the processor: rows it rejects appear in topic {Pipeline.Plumbing.Topics.TopicCatalog.DeadLetters.Name} "
                    + "with their source partition and offset"
            );
            return 0;
        }
        var outcome = await ImportOutcome.ReadAsync(kafka, processorGroup, published, started, wait, ct, publisher.EndOfInputMarks);
        var reasons = string.Join(", ", outcome.DeadLettersByReason.OrderByDescending(r => r.Value).Select(r => $"{r.Key} {r.Value:N0}"));
        Console.WriteLine(
            $"Processed {outcome.Processed:N0} of {outcome.Published:N0} rows: {outcome.Accepted:N0} accepted, "
                + $"{outcome.DeadLettered:N0} dead-lettered"
                + (reasons.Length > 0 ? $" ({reasons})" : "")
        );
        if (!outcome.Complete)
            Console.WriteLine(
                $"The processor (group {processorGroup}) has not taken the other {outcome.Published - outcome.Processed:N0} rows "
                    + $"within {wait.TotalSeconds:0} s (is `pipeline process` running?); rows it rejects appear in topic "
                    + $"{Pipeline.Plumbing.Topics.TopicCatalog.DeadLetters.Name} with their source partition and offset"
            );
        if (outcome.Complete && outcome.Published > 0 && outcome.Accepted == 0)
        {
            Console.Error.WriteLine("error: none of the imported rows was accepted; see the dead-letter reasons above");
            return CliRunner.ExitFailure;
        }
        return 0;
    }
}
