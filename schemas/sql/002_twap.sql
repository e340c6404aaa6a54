-- Hyperliquid TWAP history: status updates ingested from the published Parquet objects (issue 14).

-- One row per status update; the sink upserts by the primary key and deletes rows of an object's older ingest
-- generations when the object changed (see docs/twap.md).
CREATE TABLE twap_status (
    twap_id           bigint      NOT NULL,
    wallet            text        NOT NULL,
    time              timestamptz NOT NULL,
    status            text        NOT NULL,
    coin              text        NOT NULL,
    side              char(1)     NOT NULL CHECK (side IN ('B', 'A')),
    size              numeric     NOT NULL,
    executed_size     numeric     NOT NULL,
    executed_notional numeric     NOT NULL,
    minutes           integer,
    reduce_only       boolean,
    randomize         boolean,
    order_time        timestamptz,
    raw_payload       jsonb       NOT NULL,
    source_object     text        NOT NULL,
    source_generation bigint      NOT NULL,
    PRIMARY KEY (twap_id, wallet, time)
);
-- GET /twaps: a wallet's statuses in a time range (optionally one asset), newest first.
CREATE INDEX twap_status_wallet_time ON twap_status (wallet, time DESC) INCLUDE (twap_id);
-- Replacing the rows of a changed object.
CREATE INDEX twap_status_source ON twap_status (source_object, source_generation);

-- One row per object (or local file) the ETL has seen: what it was when last ingested, and what happened.
CREATE TABLE twap_ingest_log (
    object_key     text        PRIMARY KEY,
    etag           text,
    last_modified  timestamptz,
    size_bytes     bigint,
    generation     bigint      NOT NULL DEFAULT 0,
    -- 'ingesting' while its rows are published; then 'ingested', 'failed' (bad content: skipped until the object
    -- changes) or 'unavailable' (S3 failed after retries: tried again on the next run).
    state          text        NOT NULL CHECK (state IN ('ingesting', 'ingested', 'failed', 'unavailable')),
    rows           bigint,
    error          text,
    attempts       integer     NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
