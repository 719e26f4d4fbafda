-- Foundation: the registry, readings (time-partitioned), live state, dead letters.

CREATE TABLE households (
    id           text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    timezone     text NOT NULL,
    display_name text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    household_id text NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    id           text NOT NULL CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    role         text NOT NULL,
    room         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (household_id, id)
);

-- A device may carry several sensors (a multi-sensor reports motion, temperature, battery).
CREATE TABLE device_sensors (
    household_id text NOT NULL,
    device_id    text NOT NULL,
    sensor       text NOT NULL,
    PRIMARY KEY (household_id, device_id, sensor),
    FOREIGN KEY (household_id, device_id) REFERENCES devices (household_id, id) ON DELETE CASCADE
);

-- Readings are identified by (household, device, sensor, ts): a redelivered message hits the
-- primary key and is ignored. The key leads with household and time so that "this home's
-- readings between two instants" is an index range scan without a second index to maintain.
DO $migration$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN others THEN
            -- Available but not loadable (e.g. missing from shared_preload_libraries):
            -- native partitioning serves just as correctly.
            RAISE NOTICE 'timescaledb present but not loadable (%); using native partitions', SQLERRM;
        END;
    END IF;

    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        CREATE TABLE readings (
            ts           timestamptz NOT NULL,
            household_id text NOT NULL,
            device_id    text NOT NULL,
            sensor       text NOT NULL,
            value        double precision NOT NULL,
            received_at  timestamptz NOT NULL,
            PRIMARY KEY (household_id, ts, device_id, sensor)
        );
        PERFORM create_hypertable('readings', by_range('ts', INTERVAL '1 day'));
        ALTER TABLE readings SET (
            timescaledb.compress,
            timescaledb.compress_segmentby = 'household_id',
            timescaledb.compress_orderby = 'ts'
        );
        -- Late readings (a hub replaying a backlog) arrive within days; a week leaves room.
        PERFORM add_compression_policy('readings', INTERVAL '7 days');
        -- Raw readings are kept 13 months (the retention policy in the README).
        PERFORM add_retention_policy('readings', INTERVAL '395 days');
    ELSE
        CREATE TABLE readings (
            ts           timestamptz NOT NULL,
            household_id text NOT NULL,
            device_id    text NOT NULL,
            sensor       text NOT NULL,
            value        double precision NOT NULL,
            received_at  timestamptz NOT NULL,
            PRIMARY KEY (household_id, ts, device_id, sensor)
        ) PARTITION BY RANGE (ts);
    END IF;
END
$migration$;

-- Monthly partitions (UTC months) covering [first_ts, last_ts]; a no-op on a hypertable,
-- where TimescaleDB makes chunks itself. Ingest calls it for any month it has not seen yet,
-- so a reading is never refused for want of a partition.
CREATE FUNCTION ensure_reading_partitions(first_ts timestamptz, last_ts timestamptz)
RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
    month_start date;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass) <> 'p' THEN
        RETURN;
    END IF;
    -- Two ingest workers may meet the same new month at once.
    PERFORM pg_advisory_xact_lock(hashtext('telecare.ensure_reading_partitions'));
    month_start := date_trunc('month', first_ts AT TIME ZONE 'UTC')::date;
    WHILE month_start <= (last_ts AT TIME ZONE 'UTC')::date LOOP
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS %I PARTITION OF readings FOR VALUES FROM (%L) TO (%L)',
            'readings_' || to_char(month_start, 'YYYY_MM'),
            month_start::timestamp AT TIME ZONE 'UTC',
            (month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC'
        );
        month_start := (month_start + INTERVAL '1 month')::date;
    END LOOP;
END
$fn$;

-- Live state per device, kept by ingest with each batch: when we last heard from it, whether
-- it says it is online, its battery. last_seen_at is our clock, not the device's.
CREATE TABLE device_state (
    household_id      text NOT NULL,
    device_id         text NOT NULL,
    last_seen_at      timestamptz,
    online            boolean,
    status_changed_at timestamptz,
    battery           real,
    battery_at        timestamptz,
    PRIMARY KEY (household_id, device_id),
    FOREIGN KEY (household_id, device_id) REFERENCES devices (household_id, id) ON DELETE CASCADE
);

-- Live state per household: the last sign of a person (movement, a door, a bed or chair).
CREATE TABLE household_state (
    household_id         text PRIMARY KEY REFERENCES households (id) ON DELETE CASCADE,
    last_activity_at     timestamptz,
    last_activity_device text,
    last_reading_at      timestamptz
);

-- Messages ingest could not use, with the reason. The same bytes on the same topic are one
-- dead letter with a count, so a device repeating a bad message does not flood the table.
CREATE TABLE dead_letters (
    id                bigserial PRIMARY KEY,
    digest            bytea NOT NULL UNIQUE,
    topic             text NOT NULL,
    payload           bytea NOT NULL,
    reason            text NOT NULL,
    first_received_at timestamptz NOT NULL,
    last_received_at  timestamptz NOT NULL,
    occurrences       integer NOT NULL DEFAULT 1
);
CREATE INDEX dead_letters_last_received_at ON dead_letters (last_received_at);
