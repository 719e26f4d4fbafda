-- Detection follows new readings by when they were received (`received_at > cursor`), every
-- second or so. Without an index that is a scan of every partition. Readings are appended in
-- roughly received order, so a BRIN index (a few kilobytes per month of readings, next to
-- nothing to maintain on ingest's write path) finds the last seconds' pages at once; the
-- newest, not yet summarised pages are always read, which is where new readings are.
CREATE INDEX IF NOT EXISTS readings_received_at ON readings USING brin (received_at)
    WITH (pages_per_range = 32, autosummarize = on);
