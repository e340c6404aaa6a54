-- GET /twaps pages run in (time, twap_id) order: an index in exactly that order lets a page stream from the index and
-- stop after offset + limit rows, where (wallet, time DESC) INCLUDE (twap_id) needed a sort of the whole range
-- (one-year first page of a 100,000-status wallet: see docs/benchmarks.md).
DROP INDEX IF EXISTS twap_status_wallet_time;
CREATE INDEX twap_status_wallet_time_id ON twap_status (wallet, time, twap_id);
