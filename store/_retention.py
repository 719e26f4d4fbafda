"""Retention: raw readings dropped a whole partition (or TimescaleDB chunk) at a time once past
their period, older daily features and dead letters deleted, and ended households whose care
records have outlived theirs named for erasure. The decisions are pure functions; `apply_retention`
talks to the database."""

import dataclasses
import datetime as dt
import logging

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow

log = logging.getLogger(__name__)

# Dropping a partition locks the readings table for an instant; behind a long report it would
# queue and stall ingest meanwhile. Give up instead, and try again on the next pass.
_LOCK_TIMEOUT = "5s"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RetentionPolicy:
    readings: dt.timedelta
    daily_features: dt.timedelta
    dead_letters: dt.timedelta
    care_records: dt.timedelta


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ReadingsPartition:
    name: str
    start: dt.datetime
    end: dt.datetime  # exclusive
    bytes: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RetentionPass:
    """What a pass dropped (or, in a dry run, would drop)."""

    dry_run: bool
    readings_cutoff: dt.datetime
    partitions: tuple[ReadingsPartition, ...] = ()  # native partitions
    chunks: tuple[str, ...] = ()  # TimescaleDB chunks
    policy_changed_to: dt.timedelta | None = None  # TimescaleDB retention policy, if it changed
    daily_features: int = 0
    dead_letters: int = 0
    due_for_erasure: tuple[str, ...] = ()
    # Partitions that were due but locked by other work: dropped on a later pass.
    postponed: tuple[str, ...] = ()


def readings_cutoff(now: dt.datetime, keep: dt.timedelta) -> dt.datetime:
    return now - keep


def partitions_to_drop(partitions: list[ReadingsPartition], cutoff: dt.datetime) -> list[ReadingsPartition]:
    """Partitions whose every reading is older than the cutoff. A partition straddling it is kept
    whole, so raw readings live at least the retention period and at most a month longer; and
    ingest, which refuses readings older than the period, never writes into a dropped month."""
    return [p for p in partitions if p.end <= cutoff]


def apply_retention(
    conn: psycopg.Connection[TupleRow], policy: RetentionPolicy, now: dt.datetime, *, dry_run: bool = False
) -> RetentionPass:
    """One retention pass over the whole store (each step in its own transaction)."""
    cutoff = readings_cutoff(now, policy.readings)
    if _is_hypertable(conn):
        result = _timescale_readings(conn, policy.readings, cutoff, dry_run=dry_run)
    else:
        result = _native_readings(conn, cutoff, dry_run=dry_run)
    features_before = (now - policy.daily_features).date()
    letters_before = now - policy.dead_letters
    with conn.transaction():
        features = _delete_or_count(conn, "daily_features", "day < %s", features_before, dry_run=dry_run)
        letters = _delete_or_count(
            conn, "dead_letters", "last_received_at < %s", letters_before, dry_run=dry_run
        )
        due = conn.execute(
            """SELECT id FROM households WHERE monitoring_state = 'ended' AND ended_at < %s ORDER BY id""",
            (now - policy.care_records,),
        ).fetchall()
    return dataclasses.replace(
        result,
        dry_run=dry_run,
        daily_features=features,
        dead_letters=letters,
        due_for_erasure=tuple(household for (household,) in due),
    )


def _is_hypertable(conn: psycopg.Connection[TupleRow]) -> bool:
    row = conn.execute(
        """SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')
                  AND (SELECT relkind FROM pg_class WHERE oid = 'readings'::regclass) <> 'p'"""
    ).fetchone()
    conn.commit()
    return bool(row and row[0])


def _native_partitions(conn: psycopg.Connection[TupleRow]) -> list[ReadingsPartition]:
    rows = conn.execute(
        r"""SELECT c.relname::text,
                   substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \(''([^'']+)''\)')::timestamptz,
                   substring(pg_get_expr(c.relpartbound, c.oid) FROM 'TO \(''([^'']+)''\)')::timestamptz,
                   pg_total_relation_size(c.oid)
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'readings'::regclass
              AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
            ORDER BY 2"""
    ).fetchall()
    return [ReadingsPartition(name=name, start=start, end=end, bytes=size) for name, start, end, size in rows]


def _native_readings(
    conn: psycopg.Connection[TupleRow], cutoff: dt.datetime, *, dry_run: bool
) -> RetentionPass:
    with conn.transaction():
        due = partitions_to_drop(_native_partitions(conn), cutoff)
    dropped, postponed = [], []
    for partition in due:
        if dry_run:
            dropped.append(partition)
            continue
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
                conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(partition.name)))
        except psycopg.errors.LockNotAvailable:
            log.warning("retention postponed partition=%s: readings busy", partition.name)
            postponed.append(partition.name)
            continue
        log.info("retention dropped partition=%s bytes=%d", partition.name, partition.bytes)
        dropped.append(partition)
    return RetentionPass(
        dry_run=dry_run, readings_cutoff=cutoff, partitions=tuple(dropped), postponed=tuple(postponed)
    )


def _timescale_readings(
    conn: psycopg.Connection[TupleRow], keep: dt.timedelta, cutoff: dt.datetime, *, dry_run: bool
) -> RetentionPass:
    """Keep TimescaleDB's own retention policy at the configured period (the migration set
    395 days), and drop the chunks already past it now, so a pass reports what went."""
    changed: dt.timedelta | None = None
    with conn.transaction():
        row = conn.execute(
            """SELECT (config->>'drop_after')::interval FROM timescaledb_information.jobs
               WHERE proc_name = 'policy_retention' AND hypertable_name = 'readings'"""
        ).fetchone()
        if row is None or row[0] != keep:
            changed = keep
            if not dry_run:
                conn.execute("SELECT remove_retention_policy('readings', if_exists => true)")
                conn.execute("SELECT add_retention_policy('readings', %s::interval)", (keep,))
                log.info("retention policy of readings set drop_after_days=%s", keep.days)
        chunks_sql = "show_chunks" if dry_run else "drop_chunks"
        chunks = conn.execute(
            sql.SQL("SELECT {}('readings', older_than => %s::timestamptz)::text").format(
                sql.Identifier(chunks_sql)
            ),
            (cutoff,),
        ).fetchall()
    if chunks and not dry_run:
        log.info("retention dropped chunks=%d", len(chunks))
    return RetentionPass(
        dry_run=dry_run, readings_cutoff=cutoff, chunks=tuple(c for (c,) in chunks), policy_changed_to=changed
    )


def _delete_or_count(
    conn: psycopg.Connection[TupleRow], table: str, condition: str, bound: object, *, dry_run: bool
) -> int:
    template = (
        "SELECT count(*) FROM {table} WHERE {condition}"
        if dry_run
        else "WITH gone AS (DELETE FROM {table} WHERE {condition} RETURNING 1) SELECT count(*) FROM gone"
    )
    query = sql.SQL(template).format(table=sql.Identifier(table), condition=sql.SQL(condition))
    row = conn.execute(query, (bound,)).fetchone()
    return int(row[0]) if row else 0
