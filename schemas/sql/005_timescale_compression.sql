-- TimescaleDB only (a no-op on plain PostgreSQL): compress day chunks once they are old enough that nothing rewrites
-- them often. Candles are revised by late trades only within Processing:RevisionHorizonMs (1 h by default), so chunks
-- older than 7 days are settled; a backfill or import into a compressed chunk still works (TimescaleDB 2.11+ accepts
-- INSERT ... ON CONFLICT into compressed chunks), only slower. Segmenting by instrument (and version, interval) keeps a range
-- read of one instrument's history to its own compressed batches.
-- No continuous aggregates: the processors compute every interval's candles themselves (one copy of the interval
-- alignment, in the contracts), and the API reads them from `candles`.
-- The inner statements name TimescaleDB's views: PL/pgSQL plans them only when the outer test let them run.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        IF EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'trades') THEN
            ALTER TABLE trades SET (timescaledb.compress, timescaledb.compress_segmentby = 'instrument_id',
                timescaledb.compress_orderby = 'time DESC, trade_id DESC');
            PERFORM add_compression_policy('trades', compress_after => interval '7 days', if_not_exists => true);
        END IF;
        IF EXISTS (SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = 'candles') THEN
            ALTER TABLE candles SET (timescaledb.compress, timescaledb.compress_segmentby = 'version, instrument_id, interval, source',
                timescaledb.compress_orderby = 'time DESC');
            PERFORM add_compression_policy('candles', compress_after => interval '7 days', if_not_exists => true);
        END IF;
    END IF;
END $$;
