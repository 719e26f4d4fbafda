-- TimescaleDB for a large service. `telecare migrate` already does this when the extension is
-- available (store/migrations/0001_foundation.sql): readings become a hypertable of 1-day
-- chunks, compressed after 7 days (segmented by household, ordered by time) and dropped after
-- 395 days (13 months). These are the statements to adjust compression, e.g. sooner to save
-- disk. Retention is not set here: the platform's daily retention pass keeps the hypertable's
-- policy at TELECARE_READINGS_RETENTION_DAYS (the README's privacy section), so change that
-- setting instead (a policy set here by hand would be put back by the next pass).

-- What the retention policy is now:
SELECT config->>'drop_after' AS drop_after FROM timescaledb_information.jobs
WHERE proc_name = 'policy_retention' AND hypertable_name = 'readings';

-- Compress chunks older than 7 days: detection refits baselines from 28 days, which reads
-- compressed chunks fine; late readings from a hub's backlog land in uncompressed chunks.
SELECT remove_compression_policy('readings', if_exists => true);
SELECT add_compression_policy('readings', INTERVAL '7 days');

-- What compression saves, once a few chunks are compressed:
SELECT pg_size_pretty(before_compression_total_bytes) AS before,
       pg_size_pretty(after_compression_total_bytes) AS after
FROM hypertable_compression_stats('readings');
