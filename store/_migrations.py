"""Plain-SQL migrations, applied in order at start and recorded in `schema_migrations`.

Files are `NNNN_name.sql` in `store/migrations/`. All pending migrations run in one transaction
(a failed one leaves the schema as it was) under an advisory lock, so two workers booting
together apply each migration once.
"""

import importlib.resources
import logging
import re

import psycopg
from psycopg.rows import TupleRow

log = logging.getLogger(__name__)

_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")
# Any constant unique to us; all processes of the platform agree on it.
_LOCK_KEY = 0x7E1EC4_0001


def available() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the package, in order."""
    found = []
    for entry in importlib.resources.files("store").joinpath("migrations").iterdir():
        match = _FILE_NAME.fullmatch(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found)


class SchemaBehind(RuntimeError):
    """A read-only server (a streaming replica) lacks migrations only its primary can apply."""


def migrate(conn: psycopg.Connection[TupleRow]) -> list[int]:
    """Apply every migration not yet applied; return the versions applied now.

    On a read-only server (a standby, where reports run) nothing can be applied: the schema is
    checked instead, and one the primary has not migrated yet is a clear error."""
    if _read_only(conn):
        _check_current(conn)
        return []
    applied_now: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in available():
            if version in done:
                continue
            conn.execute(sql.encode())
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
            applied_now.append(version)
            log.info("migration applied version=%04d name=%s", version, name)
    return applied_now


def _read_only(conn: psycopg.Connection[TupleRow]) -> bool:
    row = conn.execute("SELECT current_setting('transaction_read_only') = 'on'").fetchone()
    conn.rollback()
    return bool(row and row[0])


def missing_migrations(conn: psycopg.Connection[TupleRow]) -> list[int]:
    """The versions this code ships that the database has not applied (all of them on a new one)."""
    wanted = {version for version, _, _ in available()}
    present = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    done = (
        {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        if present and present[0]
        else set()
    )
    conn.rollback()
    return sorted(wanted - done)


def _check_current(conn: psycopg.Connection[TupleRow]) -> None:
    if missing := missing_migrations(conn):
        raise SchemaBehind(
            "this database server is read-only (a standby?) and lacks migrations "
            f"{', '.join(f'{v:04d}' for v in missing)}: run `telecare migrate` against the primary first"
        )
    log.info("read-only database server: schema current, no migrations applied")
