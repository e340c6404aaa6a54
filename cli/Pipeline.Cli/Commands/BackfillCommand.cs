// `pipeline backfill`: a venue's candles for a time range into candles.exchange.raw, paged, rate-limited and resumable.
using System.CommandLine;
using Microsoft.Extensions.Logging;
using Pipeline.Producers;
using Pipeline.Producers.Backfill;
using Pipeline.Producers.Publishing;
using Pipeline.Producers.Venues;
using Spectre.Console;

namespace Pipeline.Cli.Commands;

public static class BackfillCommand
{
    public static Command Create(Option<string?> config)
    {
        var exchange = new Option<string>("--exchange")
        {
            Description = string.Join(", ", VenueRegistry.Default.Connected),
            Required = true,
        };
        var instrument = new Option<string>("--instrument")
        {
            Description = "a configured instrument: venue symbol (BTCUSDT) or BASE/QUOTE (BTC/USDT)",
            Required = true,
        };
        var interval = new Option<string>("--interval")
        {
            Description = "candle interval, e.g. 1m, 1h, 1d",
            DefaultValueFactory = _ => "1m",
        };
        var from = new Option<string?>("--from") { Description = "start (UTC), e.g. 2024-01-01 or 2024-01-01T12:00:00Z" };
        var to = new Option<string?>("--to") { Description = "end (UTC, exclusive); default: now" };
        var days = new Option<string?>("--days")
        {
            Description = "instead of --from: this many days back, or 'max' for as far as the venue serves",
        };
        var command = new Command(
            "backfill",
            "Fetch a venue's candles for a time range from its REST API into candles.exchange.raw; "
                + "an interrupted run resumes where it stopped. Uses Kafka:Bootstrap, "
                + "else the embedded broker of a running `pipeline up` (127.0.0.1:Kafka:EmbeddedPort)."
        );
        var metricsPort = MetricsServer.PortOption();
        foreach (var o in new Option[] { exchange, instrument, interval, from, to, days, metricsPort })
            command.Options.Add(o);
        command.SetAction(
            (parse, _) =>
                CliRunner.RunAsync(async ct =>
                {
                    var options = ConfigLoader.Load(parse, config);
                    // Check the arguments before connecting anywhere.
                    var request = BackfillRequest.Create(
                        new VenueListings(options.Instruments),
                        parse.GetValue(exchange)!,
                        parse.GetValue(instrument)!,
                        parse.GetValue(interval)!,
                        parse.GetValue(from),
                        parse.GetValue(to),
                        parse.GetValue(days),
                        DateTimeOffset.UtcNow
                    );

                    RunningPipeline.UseItsKafka(options);
                    await using var services = await StandaloneServices.StartAsync(
                        options,
                        parse.GetValue(metricsPort),
                        needsDatabase: false,
                        ct
                    );
                    var loggers = services.Loggers;
                    var log = loggers.CreateLogger("backfill");
                    var venue = VenueRegistry.Default.Get(request.Listing.Instrument.Exchange);
                    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                    using var guard = new VenueGuard(venue, options.Connections);
                    var history = venue.CreateHistory(
                        new VenueHttp(http, guard, log),
                        VenueEndpoints.Configured(venue, options.Exchanges).Rest
                    );
                    using var publisher = new TopicPublisher(services.Context.Kafka, "pipeline-backfill", log);
                    var checkpoints = new BackfillCheckpoints(Path.Combine(options.DataDir, "backfill", "checkpoints.json"));
                    var backfill = new CandleBackfill(history, publisher, checkpoints, log);

                    var result = await ProgressBars
                        .Create()
                        .StartAsync(async progress =>
                        {
                            var task = progress.AddTask($"{request.Listing.Instrument.Key} {request.Interval}", maxValue: 1000);
                            return await backfill.RunAsync(
                                request,
                                new Progress<BackfillProgress>(p =>
                                {
                                    task.Value = p.Fraction * 1000;
                                    task.Description =
                                        $"{request.Listing.Instrument.Key} {request.Interval}: {p.Pages:N0} pages, {p.Rows:N0} candles";
                                }),
                                ct
                            );
                        });
                    Console.WriteLine(
                        $"{request.Listing.Instrument.Key} {request.Interval}: {result.Rows:N0} candles in {result.Pages:N0} "
                            + $"pages{(result.Resumed ? " (resumed)" : "")}"
                    );
                    return 0;
                })
        );
        return command;
    }
}
