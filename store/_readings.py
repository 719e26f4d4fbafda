"""Readings in and out: the ingest batch write (COPY, idempotent) and the CSV export."""

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence

import psycopg
from psycopg.rows import TupleRow

from devices import DeviceStatus, Reading

# Channel on which each committed batch is announced (NOTIFY is delivered at commit), so
# detection and benchmarks learn of new readings without polling.
READINGS_CHANNEL = "telecare_readings"

_STAGING = "incoming_readings"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A message ingest could not use, kept with the reason so nothing vanishes."""

    topic: str
    payload: bytes
    reason: str
    received_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BatchOutcome:
    stored: int  # new rows in `readings`
    duplicates: int  # readings already stored (redeliveries, repeated publishes)


class ReadingWriter:
    """Writes ingest batches on one connection; remembers which monthly partitions exist."""

    def __init__(self, conn: psycopg.Connection[TupleRow]) -> None:
        self._conn = conn
        self._months_ready: set[tuple[int, int]] = set()
        conn.execute(
            f"""CREATE TEMP TABLE IF NOT EXISTS {_STAGING}
                (LIKE readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"""
        )
        conn.commit()

    def write(
        self,
        readings: Sequence[Reading],
        statuses: Sequence[DeviceStatus] = (),
        dead_letters: Sequence[DeadLetter] = (),
    ) -> BatchOutcome:
        """Store one batch in one transaction: every row of it is committed, or none."""
        new_months = {(r.ts.year, r.ts.month) for r in readings} - self._months_ready
        with self._conn.transaction(), self._conn.cursor() as cur:
            if new_months:
                _ensure_partitions(cur, new_months)
            stored = _store_readings(cur, readings) if readings else 0
            if statuses:
                _store_statuses(cur, statuses)
            if dead_letters:
                _store_dead_letters(cur, dead_letters)
            if readings:
                newest = max(r.received_at for r in readings)
                note = json.dumps({"readings": len(readings), "received_through": newest.isoformat()})
                cur.execute("SELECT pg_notify(%s, %s)", (READINGS_CHANNEL, note))
        # Remembered only after commit: a rollback would have undone the partitions' DDL too.
        self._months_ready |= new_months
        return BatchOutcome(stored=stored, duplicates=len(readings) - stored)


def _ensure_partitions(cur: psycopg.Cursor[TupleRow], months: set[tuple[int, int]]) -> None:
    first, last = min(months), max(months)
    cur.execute(
        "SELECT ensure_reading_partitions(%s, %s)",
        (dt.datetime(*first, 1, tzinfo=dt.UTC), dt.datetime(*last, 1, tzinfo=dt.UTC)),
    )


def _store_readings(cur: psycopg.Cursor[TupleRow], readings: Sequence[Reading]) -> int:
    with cur.copy(
        f"COPY {_STAGING} (ts, household_id, device_id, sensor, value, received_at)"
        " FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["timestamptz", "text", "text", "text", "float8", "timestamptz"])
        for r in readings:
            copy.write_row((r.ts, r.household, r.device, r.sensor.value, r.value, r.received_at))
    cur.execute(
        f"""INSERT INTO readings (ts, household_id, device_id, sensor, value, received_at)
            SELECT ts, household_id, device_id, sensor, value, received_at FROM {_STAGING}
            ON CONFLICT DO NOTHING"""
    )
    stored = cur.rowcount
    _update_live_state(cur)
    return stored


# A sign of the person: movement, a door or cupboard, a bed or chair. Appliance power is not,
# on its own: a fridge cycles with nobody home.
_IS_ACTIVITY = "(sensor IN ('contact', 'occupancy') OR (sensor = 'motion' AND value = 1))"


def _update_live_state(cur: psycopg.Cursor[TupleRow]) -> None:
    # Set-based over the staged batch: one statement per table, whatever the batch size.
    cur.execute(
        f"""INSERT INTO device_state (household_id, device_id, last_seen_at, last_activity_at)
            SELECT household_id, device_id, max(received_at), max(ts) FILTER (WHERE {_IS_ACTIVITY})
            FROM {_STAGING} GROUP BY 1, 2
            ON CONFLICT (household_id, device_id) DO UPDATE SET
                last_seen_at = GREATEST(device_state.last_seen_at, EXCLUDED.last_seen_at),
                last_activity_at = GREATEST(device_state.last_activity_at, EXCLUDED.last_activity_at)"""
    )
    cur.execute(
        f"""INSERT INTO device_state (household_id, device_id, battery, battery_at)
            SELECT DISTINCT ON (household_id, device_id) household_id, device_id, value, ts
            FROM {_STAGING} WHERE sensor = 'battery'
            ORDER BY household_id, device_id, ts DESC
            ON CONFLICT (household_id, device_id) DO UPDATE
            SET battery = EXCLUDED.battery, battery_at = EXCLUDED.battery_at
            WHERE device_state.battery_at IS NULL OR EXCLUDED.battery_at > device_state.battery_at"""
    )
    cur.execute(
        f"""WITH activity AS (
                SELECT DISTINCT ON (household_id) household_id, ts, device_id FROM {_STAGING}
                WHERE {_IS_ACTIVITY}
                ORDER BY household_id, ts DESC),
            latest AS (SELECT household_id, max(ts) AS ts FROM {_STAGING} GROUP BY household_id)
            INSERT INTO household_state
                (household_id, last_activity_at, last_activity_device, last_reading_at)
            SELECT latest.household_id, activity.ts, activity.device_id, latest.ts
            FROM latest LEFT JOIN activity USING (household_id)
            ON CONFLICT (household_id) DO UPDATE SET
                last_reading_at = GREATEST(household_state.last_reading_at, EXCLUDED.last_reading_at),
                last_activity_device = CASE
                    WHEN EXCLUDED.last_activity_at
                         > coalesce(household_state.last_activity_at, '-infinity')
                    THEN EXCLUDED.last_activity_device
                    ELSE household_state.last_activity_device END,
                last_activity_at = GREATEST(household_state.last_activity_at, EXCLUDED.last_activity_at)"""
    )


def _store_statuses(cur: psycopg.Cursor[TupleRow], statuses: Sequence[DeviceStatus]) -> None:
    # An offline status is the broker speaking for a vanished device (its last will): it
    # says nothing about when we last heard from the device itself.
    cur.executemany(
        """INSERT INTO device_state (household_id, device_id, online, status_changed_at, last_seen_at)
           VALUES (%(household)s, %(device)s, %(online)s, %(at)s, CASE WHEN %(online)s THEN %(at)s END)
           ON CONFLICT (household_id, device_id) DO UPDATE SET
               online = EXCLUDED.online,
               status_changed_at = EXCLUDED.status_changed_at,
               last_seen_at = GREATEST(device_state.last_seen_at, EXCLUDED.last_seen_at)
           WHERE device_state.status_changed_at IS NULL
              OR EXCLUDED.status_changed_at >= device_state.status_changed_at""",
        [
            {"household": s.household, "device": s.device, "online": s.online, "at": s.received_at}
            for s in statuses
        ],
    )


def _store_dead_letters(cur: psycopg.Cursor[TupleRow], dead_letters: Sequence[DeadLetter]) -> None:
    cur.executemany(
        """INSERT INTO dead_letters
               (digest, topic, payload, reason, first_received_at, last_received_at)
           VALUES (%s, %s, %s, %s, %s, %s)
           ON CONFLICT (digest) DO UPDATE SET
               occurrences = dead_letters.occurrences + 1,
               last_received_at = GREATEST(dead_letters.last_received_at, EXCLUDED.last_received_at)""",
        [(_digest(d), d.topic, d.payload, d.reason, d.received_at, d.received_at) for d in dead_letters],
    )


def _digest(dead_letter: DeadLetter) -> bytes:
    return hashlib.sha256(dead_letter.topic.encode() + b"\0" + dead_letter.payload).digest()


def iter_readings(
    conn: psycopg.Connection[TupleRow],
    *,
    household: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> Iterator[tuple[dt.datetime, str, str, str, float]]:
    """Stored readings as (ts, household, device, sensor, value), in time order, streamed."""
    with conn.cursor(name="export_readings") as cur:
        cur.execute(
            """SELECT ts, household_id, device_id, sensor, value FROM readings
               WHERE (%(household)s::text IS NULL OR household_id = %(household)s)
                 AND (%(since)s::timestamptz IS NULL OR ts >= %(since)s)
                 AND (%(until)s::timestamptz IS NULL OR ts < %(until)s)
               ORDER BY ts, household_id, device_id, sensor""",
            {"household": household, "since": since, "until": until},
        )
        yield from cur
