-- Instruments, trades, candles and indicators. Trades and candles are TimescaleDB hypertables with
-- 1-day chunks when the extension is available, and natively range-partitioned by day otherwise.

CREATE TABLE instruments (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    exchange      text NOT NULL,
    base          text NOT NULL,
    quote         text NOT NULL,
    market        text NOT NULL CHECK (market IN ('spot', 'perp', 'future')),
    venue_symbol  text,
    intervals     text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (exchange, base, quote, market)
);

CREATE TABLE trades (
    time          timestamptz NOT NULL,
    instrument_id integer NOT NULL,
    trade_id      bigint NOT NULL,
    price         numeric NOT NULL CHECK (price > 0),
    size          numeric NOT NULL CHECK (size > 0),
    aggressor     smallint NOT NULL DEFAULT 0,
    receive_time  timestamptz,
    origin        smallint NOT NULL DEFAULT 0
) PARTITION BY RANGE (time);

CREATE TABLE candles (
    time                    timestamptz NOT NULL,
    instrument_id           integer NOT NULL,
    interval                text NOT NULL,
    source                  smallint NOT NULL DEFAULT 1,
    open                    numeric NOT NULL,
    high                    numeric NOT NULL,
    low                     numeric NOT NULL,
    close                   numeric NOT NULL,
    volume                  numeric NOT NULL,
    quote_volume            numeric NOT NULL,
    trade_count             bigint NOT NULL,
    taker_buy_volume        numeric,
    taker_buy_quote_volume  numeric,
    vwap                    numeric,
    first_trade_id          bigint,
    last_trade_id           bigint,
    closed                  boolean NOT NULL,
    revision                integer NOT NULL DEFAULT 0,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT candles_prices_positive CHECK (open > 0 AND high > 0 AND low > 0 AND close > 0),
    CONSTRAINT candles_high_is_highest CHECK (high >= open AND high >= close AND high >= low),
    CONSTRAINT candles_low_is_lowest CHECK (low <= open AND low <= close),
    CONSTRAINT candles_volume_not_negative CHECK (volume >= 0 AND quote_volume >= 0 AND trade_count >= 0),
    PRIMARY KEY (instrument_id, interval, source, time)
) PARTITION BY RANGE (time);

CREATE TABLE indicators (
    time            timestamptz NOT NULL,
    instrument_id   integer NOT NULL,
    interval        text NOT NULL,
    indicator       text NOT NULL,
    fields          jsonb NOT NULL,
    candle_revision integer NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instrument_id, interval, indicator, time)
);

-- Kafka positions of what the sink has written, in the same transaction as the rows (exactly once).
CREATE TABLE sink_positions (
    consumer    text NOT NULL,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    next_offset bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);

-- Creates the daily partitions of a natively partitioned table that cover [from_time, to_time].
-- A no-op for hypertables (TimescaleDB makes chunks itself).
CREATE FUNCTION pipeline_ensure_day_partitions(tbl regclass, from_time timestamptz, to_time timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    day date := (from_time AT TIME ZONE 'UTC')::date;
    last_day date := (to_time AT TIME ZONE 'UTC')::date;
    part text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = tbl) THEN
        RETURN;
    END IF;
    WHILE day <= last_day LOOP
        part := format('%s_%s', tbl::text, to_char(day, 'YYYYMMDD'));
        IF to_regclass(part) IS NULL THEN
            BEGIN
                EXECUTE format('CREATE TABLE %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                    part, tbl::text, (day::timestamp AT TIME ZONE 'UTC'), ((day + 1)::timestamp AT TIME ZONE 'UTC'));
            EXCEPTION WHEN duplicate_table THEN
                NULL; -- another writer created it first
            END;
        END IF;
        day := day + 1;
    END LOOP;
END $$;

-- With TimescaleDB, turn the partitioned tables into hypertables with 1-day chunks instead.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        CREATE EXTENSION IF NOT EXISTS timescaledb;
        DROP TABLE trades;
        CREATE TABLE trades (
            time timestamptz NOT NULL, instrument_id integer NOT NULL, trade_id bigint NOT NULL,
            price numeric NOT NULL CHECK (price > 0), size numeric NOT NULL CHECK (size > 0),
            aggressor smallint NOT NULL DEFAULT 0, receive_time timestamptz, origin smallint NOT NULL DEFAULT 0);
        PERFORM create_hypertable('trades', 'time', chunk_time_interval => interval '1 day');
        CREATE TABLE candles_h (LIKE candles INCLUDING ALL);
        DROP TABLE candles;
        ALTER TABLE candles_h RENAME TO candles;
        PERFORM create_hypertable('candles', 'time', chunk_time_interval => interval '1 day');
    END IF;
END $$;

CREATE INDEX trades_time_brin ON trades USING brin (time);
CREATE INDEX trades_instrument_time ON trades (instrument_id, time);
CREATE INDEX candles_time_brin ON candles USING brin (time);
CREATE INDEX indicators_time_brin ON indicators USING brin (time);
