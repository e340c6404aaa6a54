-- Versions of the derived data (ADR 0006): candles and indicators carry the version that wrote them ('live' for the
-- live processors, a replay's name otherwise); data_versions describes each version; current_data_version names the
-- one the API serves by default.

-- One row per version. 'live' always exists: the live processors write it continuously (state running) and it can
-- never be dropped.
CREATE TABLE data_versions (
    name           text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,31}$'),
    state          text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'running', 'complete', 'failed')),
    range_from     timestamptz,
    range_to       timestamptz,
    instruments    text[] NOT NULL DEFAULT '{}',
    intervals      text[] NOT NULL DEFAULT '{}',
    configuration  jsonb NOT NULL DEFAULT '{}',
    records_total  bigint,
    records_done   bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    error          text,
    CONSTRAINT data_versions_range_ordered CHECK (range_from IS NULL OR range_to IS NULL OR range_from < range_to)
);
INSERT INTO data_versions (name, state, configuration) VALUES ('live', 'running', '{"source": "live processors"}');

-- Exactly one row (the boolean key can only be true): promote is one UPDATE of it, so every reader sees either the
-- old or the new version, never a mix. The foreign key keeps the current version from being deleted.
CREATE TABLE current_data_version (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version      text NOT NULL REFERENCES data_versions (name),
    promoted_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO current_data_version (version) VALUES ('live');

-- Existing rows become 'live' (a constant default: no table rewrite). The version leads the primary keys: every query
-- names one version, then the instrument, interval and time range.
ALTER TABLE candles ADD COLUMN version text NOT NULL DEFAULT 'live';
ALTER TABLE indicators ADD COLUMN version text NOT NULL DEFAULT 'live';

-- The primary key's name differs between the two branches of 001 (candles_pkey natively, candles_h_pkey when the
-- TimescaleDB branch built candles as a copy): look it up rather than assume it.
DO $$
DECLARE
    pk text;
BEGIN
    SELECT conname INTO pk FROM pg_constraint WHERE conrelid = 'candles'::regclass AND contype = 'p';
    EXECUTE format('ALTER TABLE candles DROP CONSTRAINT %I', pk);
    ALTER TABLE candles ADD CONSTRAINT candles_pkey PRIMARY KEY (version, instrument_id, interval, source, time);
    SELECT conname INTO pk FROM pg_constraint WHERE conrelid = 'indicators'::regclass AND contype = 'p';
    EXECUTE format('ALTER TABLE indicators DROP CONSTRAINT %I', pk);
    ALTER TABLE indicators ADD CONSTRAINT indicators_pkey PRIMARY KEY (version, instrument_id, interval, indicator, time);
END $$;
