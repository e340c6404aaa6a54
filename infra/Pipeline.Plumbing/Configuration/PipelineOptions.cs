// The one typed configuration model: read from config/pipeline.json (or --config) plus PIPELINE__* environment variables.
namespace Pipeline.Plumbing.Configuration;

public sealed class PipelineOptions
{
    /// <summary>Folder for embedded services' data (broker log, PostgreSQL cluster, state).</summary>
    public string DataDir { get; set; } = ".run";
    public KafkaOptions Kafka { get; set; } = new();
    public DatabaseOptions Database { get; set; } = new();
    public ApiOptions Api { get; set; } = new();
    public SimulatorOptions Simulator { get; set; } = new();
    public ProcessingOptions Processing { get; set; } = new();
    public SinkOptions Sink { get; set; } = new();

    /// <summary>S3-compatible object store of the Parquet archive; off while S3:Bucket is empty.</summary>
    public S3Options S3 { get; set; } = new();

    /// <summary>Hyperliquid TWAP history objects (issue 14): source bucket and schedule.</summary>
    public TwapOptions Twap { get; set; } = new();

    /// <summary>Schema Registry framing of values; off while SchemaRegistry:Url is empty.</summary>
    public SchemaRegistryOptions SchemaRegistry { get; set; } = new();
    public ArchiveOptions Archive { get; set; } = new();

    /// <summary>Backfill jobs and the live listings' catch-up.</summary>
    public BackfillOptions Backfill { get; set; } = new();
    public List<InstrumentOptions> Instruments { get; set; } = new();

    /// <summary>YAML file listing the instruments (default: config/instruments.yaml when it exists); replaces Instruments.</summary>
    public string? InstrumentsFile { get; set; }

    /// <summary>Live exchange connections; off in the offline default.</summary>
    public bool LiveExchanges { get; set; }

    /// <summary>Per-exchange endpoint overrides for the live connectors and backfill
    /// (PIPELINE__EXCHANGES__BINANCE__WEBSOCKET=...).</summary>
    public Dictionary<string, ExchangeEndpointOptions> Exchanges { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Timing, size and rate limits of the live connectors and REST history.</summary>
    public ConnectionOptions Connections { get; set; } = new();
}
