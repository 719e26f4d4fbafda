-- TimescaleDB for a large service. `telecare migrate` already does this when the extension is
-- available (store/migrations/0001_foundation.sql): readings become a hypertable of 1-day
-- chunks, compressed after 7 days (segmented by household, ordered by time) and dropped after
-- 395 days (13 months). These are the statements to adjust them, e.g. a longer retention
-- agreed with the data controller, or compression sooner to save disk.

-- Retention of raw readings (the README's privacy section: 13 months by default).
SELECT remove_retention_policy('readings', if_exists => true);
SELECT add_retention_policy('readings', INTERVAL '395 days');

-- Compress chunks older than 7 days: detection refits baselines from 28 days, which reads
-- compressed chunks fine; late readings from a hub's backlog land in uncompressed chunks.
SELECT remove_compression_policy('readings', if_exists => true);
SELECT add_compression_policy('readings', INTERVAL '7 days');

-- What compression saves, once a few chunks are compressed:
SELECT pg_size_pretty(before_compression_total_bytes) AS before,
       pg_size_pretty(after_compression_total_bytes) AS after
FROM hypertable_compression_stats('readings');
