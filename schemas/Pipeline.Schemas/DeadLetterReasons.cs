// The catalog of dead-letter reasons (like the topic catalog): every code any stage may write, defined once.
namespace Pipeline.Schemas;

public static class DeadLetterReasons
{
    // Any record
    public static readonly DeadLetterReason UnknownTopic = new("unknown_topic", "the record came from a topic the stage does not read");
    public static readonly DeadLetterReason EmptyValue = new("empty_value", "the record has no value");
    public static readonly DeadLetterReason Malformed = new("malformed", "the value is not the Protobuf message the topic carries");
    public static readonly DeadLetterReason WrongKey = new("wrong_key", "the record key is not the instrument key of its value");
    public static readonly DeadLetterReason MissingInstrument = new("missing_instrument", "the instrument is incomplete");
    public static readonly DeadLetterReason UnknownInstrument = new("unknown_instrument", "the instrument is not configured");
    public static readonly DeadLetterReason UnknownInterval = new("unknown_interval", "the interval is not a pipeline interval");
    public static readonly DeadLetterReason TooLarge = new(
        "too_large",
        "the value is larger than any real record (RecordBounds.MaxRecordBytes)"
    );
    public static readonly DeadLetterReason ProcessingFailed = new(
        "processing_failed",
        "processing threw; the record was set aside so the partition moves on"
    );
    public static readonly DeadLetterReason TimeOutOfRange = new("time_out_of_range", "a time is outside 1990..2200 (RecordBounds)");
    public static readonly DeadLetterReason ValueOutOfRange = new(
        "value_out_of_range",
        "a price, size or notional is above what sums can hold (RecordBounds)"
    );
    public static readonly DeadLetterReason UnknownSchema = new(
        "unknown_schema",
        "the value is framed with a schema id the registry does not know (or no registry is configured)"
    );
    public static readonly DeadLetterReason UnsupportedSchemaVersion = new(
        "unsupported_schema_version",
        "the pipeline.schema-version header names a contracts version this reader does not know (written by a newer pipeline)"
    );

    // Trades
    public static readonly DeadLetterReason MissingPrice = new("missing_price", "a price is missing");
    public static readonly DeadLetterReason MissingSize = new("missing_size", "the size is missing");
    public static readonly DeadLetterReason PriceNotPositive = new("price_not_positive", "a price is zero or negative");
    public static readonly DeadLetterReason SizeNotPositive = new("size_not_positive", "the size is zero or negative");
    public static readonly DeadLetterReason TradeIdNegative = new("trade_id_negative", "the trade id is negative");
    public static readonly DeadLetterReason MissingEventTime = new("missing_event_time", "the event time is missing");
    public static readonly DeadLetterReason MissingReceiveTime = new("missing_receive_time", "a live trade has no receive time");
    public static readonly DeadLetterReason MissingOrigin = new("missing_origin", "the origin is missing");
    public static readonly DeadLetterReason ClockSkew = new("clock_skew", "event and receive time differ by more than the allowed skew");
    public static readonly DeadLetterReason DuplicateTradeId = new("duplicate_trade_id", "the trade id was already processed");

    // No longer written (issue 18: history is accepted in any order); kept so older dead letters still decode.
    public static readonly DeadLetterReason OutOfOrder = new("out_of_order", "the trade was older than the previous one of its stream");
    public static readonly DeadLetterReason TooLate = new("too_late", "the trade is older than the revision horizon");

    // Exchange candles
    public static readonly DeadLetterReason MisalignedOpenTime = new(
        "misaligned_open_time",
        "the open time is not aligned to the interval"
    );
    public static readonly DeadLetterReason WrongCloseTime = new("wrong_close_time", "the close time does not end the interval");
    public static readonly DeadLetterReason InconsistentOhlc = new("inconsistent_ohlc", "high and low do not enclose open and close");
    public static readonly DeadLetterReason VolumeNegative = new("volume_negative", "the volume is negative or malformed");

    // The archive and the TWAP history
    public static readonly DeadLetterReason ArchiveUnwritable = new(
        "archive_unwritable",
        "the archive cannot write the record to Parquet (a value outside the columns' exact types)"
    );
    public static readonly DeadLetterReason InvalidTwapRow = new("invalid_twap_row", "a row of a TWAP history object fails validation");
    public static readonly DeadLetterReason InvalidTwapStatus = new(
        "invalid_twap_status",
        "the TWAP sink cannot store the record as it is"
    );

    // The sink
    public static readonly DeadLetterReason InvalidTrade = new("invalid_trade", "the sink cannot store the trade as it is");
    public static readonly DeadLetterReason InvalidCandle = new("invalid_candle", "the sink cannot store the candle as it is");
    public static readonly DeadLetterReason InvalidIndicator = new(
        "invalid_indicator",
        "the sink cannot store the indicator value as it is"
    );

    public static IReadOnlyList<DeadLetterReason> All { get; } =
    [
        UnknownTopic,
        EmptyValue,
        Malformed,
        WrongKey,
        MissingInstrument,
        UnknownInstrument,
        UnknownInterval,
        TooLarge,
        ProcessingFailed,
        TimeOutOfRange,
        ValueOutOfRange,
        UnknownSchema,
        UnsupportedSchemaVersion,
        MissingPrice,
        MissingSize,
        PriceNotPositive,
        SizeNotPositive,
        TradeIdNegative,
        MissingEventTime,
        MissingReceiveTime,
        MissingOrigin,
        ClockSkew,
        DuplicateTradeId,
        OutOfOrder,
        TooLate,
        MisalignedOpenTime,
        WrongCloseTime,
        InconsistentOhlc,
        VolumeNegative,
        InvalidTrade,
        InvalidCandle,
        InvalidIndicator,
        ArchiveUnwritable,
        InvalidTwapRow,
        InvalidTwapStatus,
    ];

    public static DeadLetterReason? Find(string code)
    {
        foreach (var r in All)
            if (r.Code == code)
                return r;
        return null;
    }
}
