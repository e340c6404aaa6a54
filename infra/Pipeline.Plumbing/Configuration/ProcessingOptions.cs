namespace Pipeline.Plumbing.Configuration;

/// <summary>Settings of the stream processors (validation, candles, indicators, transactions).</summary>
public sealed class ProcessingOptions
{
    /// <summary>Consumer group and transactional-id prefix of the processor instances.</summary>
    public string GroupId { get; set; } = "pipeline-processors";

    /// <summary>Stable name of this instance: its transactional id is GroupId-InstanceId, so a restarted instance
    /// fences its crashed predecessor and aborts its open transaction. Give each concurrent instance its own.</summary>
    public string InstanceId { get; set; } = Environment.MachineName;

    /// <summary>Commit a transaction at least this often (milliseconds).</summary>
    public int CommitIntervalMs { get; set; } = 100;

    /// <summary>... or after this many input records, whichever comes first.</summary>
    public int CommitMaxRecords { get; set; } = 50_000;

    /// <summary>When the processor has processed everything its consumer had fetched (live flow, no backlog), it commits
    /// as soon as the open transaction is this old (milliseconds), so a live candle reaches read_committed readers
    /// sooner; while it catches up on a backlog it commits every <see cref="CommitIntervalMs"/>. 0: off.</summary>
    public int CaughtUpCommitIntervalMs { get; set; } = 10;

    /// <summary>Watermark lag: a candle closes once the newest event time of its instrument minus this passes its end.</summary>
    public int AllowedLatenessMs { get; set; } = 2_000;

    /// <summary>How long a closed candle stays revisable by late trades (after its end passes the watermark).</summary>
    public int RevisionHorizonMs { get; set; } = 3_600_000;

    /// <summary>Open-candle updates are emitted at most this often per instrument and interval.</summary>
    public int OpenUpdateThrottleMs { get; set; } = 1_000;

    /// <summary>Live records whose event time differs from their receive time by more than this are rejected.</summary>
    public int MaxClockSkewMs { get; set; } = 300_000;

    /// <summary>Trade ids are remembered per instrument as ranges of consecutive ids (one range for venues that number
    /// trades consecutively); this caps how many ranges, for venues with sparse ids. Beyond it the lowest are forgotten.</summary>
    public int DedupeWindow { get; set; } = 8_192;

    /// <summary>A trade whose price differs from the last accepted price by more than this fraction is flagged.</summary>
    public double PriceJumpFraction { get; set; } = 0.2;

    /// <summary>Indicators computed on closed candles, e.g. "rsi(14)", "macd(12,26,9)"; empty = the default 13.</summary>
    public List<string> Indicators { get; set; } = new();
}
