// Loads and validates PipelineOptions from a JSON file plus PIPELINE__SECTION__KEY environment variables.
using Microsoft.Extensions.Configuration;
using Pipeline.Schemas;
using Pipeline.Schemas.V1;

namespace Pipeline.Plumbing.Configuration;

public static class PipelineConfiguration
{
    public const string EnvironmentPrefix = "PIPELINE__";
    public const string DefaultFile = "config/pipeline.json";

    /// <summary>Reads the file (when given, it must exist; when null, config/pipeline.json is used if present),
    /// then environment variables and explicit overrides, then validates.</summary>
    /// <param name="venues">The venues instruments may name, with their symbol rules (the producers' registry);
    /// null checks the instruments' shape only.</param>
    public static PipelineOptions Load(
        string? file = null,
        IDictionary<string, string?>? overrides = null,
        IDictionary<string, string?>? environment = null,
        IVenueCatalog? venues = null
    )
    {
        var builder = new ConfigurationBuilder();
        if (file is not null)
        {
            if (!File.Exists(file))
                throw new PipelineConfigurationException([
                    $"configuration: file '{file}' does not exist; pass an existing JSON file with --config or leave it out",
                ]);
            builder.AddJsonFile(Path.GetFullPath(file), optional: false);
        }
        else if (File.Exists(DefaultFile))
        {
            builder.AddJsonFile(Path.GetFullPath(DefaultFile), optional: false);
        }
        if (environment is null)
            builder.AddEnvironmentVariables(EnvironmentPrefix);
        else
            builder.AddInMemoryCollection(
                environment
                    .Where(e => e.Key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                    .Select(e => new KeyValuePair<string, string?>(e.Key[EnvironmentPrefix.Length..].Replace("__", ":"), e.Value))
            );
        if (overrides is not null)
            builder.AddInMemoryCollection(overrides);

        IConfigurationRoot root;
        try
        {
            root = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new PipelineConfigurationException([
                $"configuration: {file ?? DefaultFile} is not valid JSON ({e.InnerException?.Message ?? e.Message})",
            ]);
        }

        var options = new PipelineOptions();
        try
        {
            root.Bind(options, o => o.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException e)
        {
            throw new PipelineConfigurationException([
                $"configuration: {e.InnerException?.Message ?? e.Message} — fix the value in the file or the PIPELINE__ variable",
            ]);
        }
        // Instruments come from one place: the instruments YAML file (InstrumentsFile, or config/instruments.yaml when it
        // exists), or the JSON Instruments list, or the built-in defaults. Two lists at once would hide one of them.
        var instrumentsFile = options.InstrumentsFile ?? (File.Exists(InstrumentsFile.DefaultPath) ? InstrumentsFile.DefaultPath : null);
        if (instrumentsFile is not null)
        {
            if (options.Instruments.Count > 0)
                throw new PipelineConfigurationException([
                    $"configuration: instruments are listed both in {instrumentsFile} and in Instruments of the JSON "
                        + "configuration; keep one list",
                ]);
            options.Instruments = InstrumentsFile.Load(instrumentsFile, venues);
        }
        if (options.Instruments.Count == 0)
            options.Instruments = DefaultInstruments();
        options.S3.ApplyAwsEnvironment(name =>
            environment is null ? Environment.GetEnvironmentVariable(name)
            : environment.TryGetValue(name, out var value) ? value
            : null
        );
        Validate(options, venues);
        return options;
    }

    public static void Validate(PipelineOptions options, IVenueCatalog? venues = null)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDir))
            problems.Add("configuration: DataDir is empty; set it to a writable folder (PIPELINE__DATADIR)");
        if (options.Kafka.Partitions is < 1 or > 10_000)
            problems.Add(
                $"configuration: Kafka:Partitions is {options.Kafka.Partitions}; it must be 1..10000 (PIPELINE__KAFKA__PARTITIONS)"
            );
        if (options.Kafka.ReplicationFactor < 1)
            problems.Add(
                $"configuration: Kafka:ReplicationFactor is {options.Kafka.ReplicationFactor}; "
                    + "it must be at least 1 (PIPELINE__KAFKA__REPLICATIONFACTOR)"
            );
        if (options.Kafka.MinInsyncReplicas is { } isr && (isr < 1 || isr > options.Kafka.ReplicationFactor))
            problems.Add(
                $"configuration: Kafka:MinInsyncReplicas is {isr}; it must be 1..ReplicationFactor ({options.Kafka.ReplicationFactor}), "
                    + "e.g. 2 with 3 replicas (PIPELINE__KAFKA__MININSYNCREPLICAS)"
            );
        if (!options.Kafka.UsesEmbeddedBroker)
        {
            foreach (var server in options.Kafka.Bootstrap!.Split(',', StringSplitOptions.TrimEntries))
            {
                var colon = server.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(server[(colon + 1)..], out var port) || port is < 1 or > 65535)
                    problems.Add(
                        $"configuration: Kafka:Bootstrap entry '{server}' is not host:port; "
                            + "use e.g. PIPELINE__KAFKA__BOOTSTRAP=broker1:9092,broker2:9092"
                    );
            }
        }
        if (options.Kafka.EmbeddedPort is < 0 or > 65535)
            problems.Add($"configuration: Kafka:EmbeddedPort is {options.Kafka.EmbeddedPort}; it must be 0..65535 (0 picks a free port)");
        if (options.Database.LocalPort is < 0 or > 65535)
            problems.Add($"configuration: Database:LocalPort is {options.Database.LocalPort}; it must be 0..65535 (0 picks a free port)");
        if (!options.Database.UsesLocalCluster)
        {
            try
            {
                _ = DatabaseConnectionString.Normalize(options.Database.Url!);
            }
            catch (FormatException e)
            {
                problems.Add(
                    $"configuration: Database:Url is not valid ({e.Message}); use postgres://user:pass@host:5432/db or "
                        + "Host=...;Database=..."
                );
            }
        }
        foreach (var url in options.Api.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                problems.Add($"configuration: Api:Urls entry '{url}' is not an http(s) URL; use e.g. http://127.0.0.1:8080");
        if (options.Simulator.TradesPerSecond is <= 0 or > 1_000_000)
            problems.Add(
                $"configuration: Simulator:TradesPerSecond is {options.Simulator.TradesPerSecond}; " + "it must be > 0 and ≤ 1000000"
            );

        if (options.Api.RateLimitPerSecond < 0)
            problems.Add(
                $"configuration: Api:RateLimitPerSecond is {options.Api.RateLimitPerSecond}; it must be 0 (off) "
                    + "or more (PIPELINE__API__RATELIMITPERSECOND)"
            );
        if (options.Api.RateLimitBurst < 1)
            problems.Add(
                $"configuration: Api:RateLimitBurst is {options.Api.RateLimitBurst}; it must be at least 1 (PIPELINE__API__RATELIMITBURST)"
            );
        if (options.Api.StreamsPerClient < 1)
            problems.Add(
                $"configuration: Api:StreamsPerClient is {options.Api.StreamsPerClient}; "
                    + "it must be at least 1 (PIPELINE__API__STREAMSPERCLIENT)"
            );
        if (options.Api.StreamsTotal < 1)
            problems.Add(
                $"configuration: Api:StreamsTotal is {options.Api.StreamsTotal}; it must be at least 1 (PIPELINE__API__STREAMSTOTAL)"
            );
        if (options.Api.StreamEventsPerSecond is < 0 or > 10_000)
            problems.Add(
                $"configuration: Api:StreamEventsPerSecond is {options.Api.StreamEventsPerSecond}; it must be 0..10000, "
                    + "0 = no throttle (PIPELINE__API__STREAMEVENTSPERSECOND)"
            );
        if (options.Api.SocketQueueLimit is < 16 or > 1_000_000)
            problems.Add(
                $"configuration: Api:SocketQueueLimit is {options.Api.SocketQueueLimit}; "
                    + "it must be 16..1000000 (PIPELINE__API__SOCKETQUEUELIMIT)"
            );
        if (options.Api.CandleStoreDepth is < 0 or > 1_000_000)
            problems.Add(
                $"configuration: Api:CandleStoreDepth is {options.Api.CandleStoreDepth}; it must be 0..1000000, "
                    + "0 = off (PIPELINE__API__CANDLESTOREDEPTH)"
            );
        problems.AddRange(options.Sink.Problems());
        problems.AddRange(options.S3.Problems());
        problems.AddRange(options.Twap.Problems());
        problems.AddRange(options.Archive.Problems());
        problems.AddRange(options.Backfill.Problems());
        var pr = options.Processing;
        if (string.IsNullOrWhiteSpace(pr.GroupId))
            problems.Add("configuration: Processing:GroupId is empty; set a consumer group name (PIPELINE__PROCESSING__GROUPID)");
        if (pr.CommitIntervalMs is < 1 or > 60_000)
            problems.Add(
                $"configuration: Processing:CommitIntervalMs is {pr.CommitIntervalMs}; "
                    + "it must be 1..60000 (PIPELINE__PROCESSING__COMMITINTERVALMS)"
            );
        if (pr.CaughtUpCommitIntervalMs < 0 || pr.CaughtUpCommitIntervalMs > pr.CommitIntervalMs)
            problems.Add(
                $"configuration: Processing:CaughtUpCommitIntervalMs is {pr.CaughtUpCommitIntervalMs}; it must be 0 (off) up to "
                    + $"Processing:CommitIntervalMs ({pr.CommitIntervalMs}) (PIPELINE__PROCESSING__CAUGHTUPCOMMITINTERVALMS)"
            );
        if (pr.CommitMaxRecords < 1)
            problems.Add($"configuration: Processing:CommitMaxRecords is {pr.CommitMaxRecords}; it must be at least 1");
        if (pr.AllowedLatenessMs < 0)
            problems.Add($"configuration: Processing:AllowedLatenessMs is {pr.AllowedLatenessMs}; it must be 0 or more");
        if (pr.RevisionHorizonMs < 0)
            problems.Add($"configuration: Processing:RevisionHorizonMs is {pr.RevisionHorizonMs}; it must be 0 or more");
        if (pr.OpenUpdateThrottleMs < 0)
            problems.Add($"configuration: Processing:OpenUpdateThrottleMs is {pr.OpenUpdateThrottleMs}; it must be 0 or more");
        if (pr.MaxClockSkewMs < 1)
            problems.Add($"configuration: Processing:MaxClockSkewMs is {pr.MaxClockSkewMs}; it must be at least 1");
        if (pr.DedupeWindow is < 1 or > 1_000_000)
            problems.Add($"configuration: Processing:DedupeWindow is {pr.DedupeWindow}; it must be 1..1000000");
        if (!(pr.PriceJumpFraction > 0))
            problems.Add(
                $"configuration: Processing:PriceJumpFraction is {pr.PriceJumpFraction}; it must be greater than 0 (e.g. 0.2 for 20%)"
            );

        ValidateConnections(options.Connections, problems);

        foreach (var (venue, endpoints) in options.Exchanges)
        {
            if (venues is not null && !venues.Connected.Contains(venue.ToLowerInvariant()))
            {
                var connected = string.Join(", ", venues.Connected);
                problems.Add($"configuration: Exchanges:{venue} is not a venue with a connector; use one of {connected}");
                continue;
            }
            foreach (
                var (name, url, schemes) in new[]
                {
                    ("WebSocket", endpoints.WebSocket, new[] { "ws", "wss" }),
                    ("Rest", endpoints.Rest, new[] { "http", "https" }),
                }
            )
                if (!string.IsNullOrWhiteSpace(url) && !(Uri.TryCreate(url, UriKind.Absolute, out var u) && schemes.Contains(u.Scheme)))
                    problems.Add(
                        $"configuration: Exchanges:{venue}:{name} '{url}' is not a {string.Join("/", schemes)} URL "
                            + $"(PIPELINE__EXCHANGES__{venue.ToUpperInvariant()}__{name.ToUpperInvariant()})"
                    );
        }

        var seen = new HashSet<string>();
        for (var i = 0; i < options.Instruments.Count; i++)
        {
            var ins = options.Instruments[i];
            var where = $"configuration: Instruments:{i}";
            if (string.IsNullOrWhiteSpace(ins.Exchange) || string.IsNullOrWhiteSpace(ins.Base) || string.IsNullOrWhiteSpace(ins.Quote))
            {
                problems.Add($"{where} needs Exchange, Base and Quote (e.g. binance, BTC, USDT)");
                continue;
            }
            if (!MarketTypes.TryParse(ins.Market, out var market))
            {
                problems.Add($"{where} ({ins.Exchange} {ins.Base}/{ins.Quote}) has market '{ins.Market}'; use spot, perp or future");
                continue;
            }
            foreach (var interval in ins.Intervals)
                if (CandleInterval.Find(interval) is null)
                    problems.Add(
                        $"{where} ({ins.Exchange} {ins.Base}/{ins.Quote}) has interval '{interval}'; "
                            + $"use one of {string.Join(", ", CandleInterval.Names)}"
                    );
            var key = InstrumentKey.FromParts(ins.Exchange, ins.Base, ins.Quote, market).Key;
            if (!seen.Add(key))
                problems.Add($"{where} repeats instrument {key}; list each instrument once");
        }
        if (problems.Count > 0)
            throw new PipelineConfigurationException(problems);
    }

    private static void ValidateConnections(ConnectionOptions c, List<string> problems)
    {
        void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
                problems.Add(
                    $"configuration: Connections:{name} is {value}; it must be positive, "
                        + $"e.g. 00:00:30 (PIPELINE__CONNECTIONS__{name.ToUpperInvariant()})"
                );
        }
        Positive(c.HeartbeatTimeout, "HeartbeatTimeout");
        Positive(c.PingInterval, "PingInterval");
        Positive(c.ReconnectBaseDelay, "ReconnectBaseDelay");
        Positive(c.BreakDuration, "BreakDuration");
        Positive(c.PollInterval, "PollInterval");
        if (c.ReconnectMaxDelay < c.ReconnectBaseDelay)
            problems.Add(
                $"configuration: Connections:ReconnectMaxDelay {c.ReconnectMaxDelay} is below ReconnectBaseDelay "
                    + $"{c.ReconnectBaseDelay}; raise it"
            );
        if (c.QueueCapacity is < 1 or > 10_000_000)
            problems.Add(
                $"configuration: Connections:QueueCapacity is {c.QueueCapacity}; "
                    + "it must be 1..10000000 (PIPELINE__CONNECTIONS__QUEUECAPACITY)"
            );
        if (c.MaxFrameBytes < 1024)
            problems.Add(
                $"configuration: Connections:MaxFrameBytes is {c.MaxFrameBytes}; "
                    + "it must be at least 1024 (PIPELINE__CONNECTIONS__MAXFRAMEBYTES)"
            );
        if (c.MaxGapTrades < 0)
            problems.Add(
                $"configuration: Connections:MaxGapTrades is {c.MaxGapTrades}; it must be 0 or more (PIPELINE__CONNECTIONS__MAXGAPTRADES)"
            );
        if (c.RestRequestsPerSecond is { } rest && !(rest > 0))
            problems.Add(
                $"configuration: Connections:RestRequestsPerSecond is {rest}; it must be greater than 0, "
                    + "or left out for each venue's budget"
            );
        if (!(c.ConnectsPerSecond > 0))
            problems.Add($"configuration: Connections:ConnectsPerSecond is {c.ConnectsPerSecond}; it must be greater than 0");
        if (!(c.BreakerFailureRatio is > 0 and <= 1))
            problems.Add($"configuration: Connections:BreakerFailureRatio is {c.BreakerFailureRatio}; it must be in (0, 1]");
    }

    /// <summary>Simulated instruments (venue "sim", never a real exchange's name) plus real listings so imports and backfills
    /// work.</summary>
    public static List<InstrumentOptions> DefaultInstruments()
    {
        static InstrumentOptions I(string ex, string b, string q, string m, string sym) =>
            new()
            {
                Exchange = ex,
                Base = b,
                Quote = q,
                Market = m,
                Symbol = sym,
                Intervals = [.. CandleInterval.Names],
            };
        return
        [
            I("sim", "BTC", "USD", "spot", "SIM-BTCUSD"),
            I("sim", "ETH", "USD", "spot", "SIM-ETHUSD"),
            I("sim", "SOL", "USD", "spot", "SIM-SOLUSD"),
            I("binance", "BTC", "USDT", "spot", "BTCUSDT"),
            I("binance", "ETH", "USDT", "spot", "ETHUSDT"),
            I("coinbase", "BTC", "USD", "spot", "BTC-USD"),
            I("kraken", "BTC", "USD", "spot", "BTC/USD"),
            I("hyperliquid", "BTC", "USD", "perp", "BTC"),
        ];
    }
}
