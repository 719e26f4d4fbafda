"""What the store holds about a household, found from the catalog, and the two rights that
reach all of it: subject access (an export to a zip of CSV files) and erasure.

Tables are found, not listed: every table of the schema with a `household_id` column is
covered as it is. The few that hold a household's data by reference (a delivery attempt of
its notification) say how their rows are found in `LINKED_TABLES`; tables that hold nothing
about households say why in `UNRELATED_TABLES`. A table in none of these fails
tests/test_privacy_coverage.py, and one that refers to household data by a foreign key stops
an export or erasure here, so a table added later is never silently left out.
"""

import dataclasses
import datetime as dt
import json
import zipfile
from collections.abc import Mapping
from typing import IO

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

# In the conditions below, {household} stands for the household id (a literal, bound by
# `_condition`).
_ID = "{household}"
# Dead letters name no household column; a dead letter is the household's when its topic has
# the household id or one of its devices' vendor ids as a segment (or segments), or its reason
# or payload names the household in quotes (as ingest's reasons and JSON payloads do). Quoted
# or bounded by '/', so erasing "h-1" never touches "h-10".
_DEAD_LETTER_IS_THE_HOUSEHOLDS = f"""
    strpos('/' || topic || '/', '/' || {_ID} || '/') > 0
    OR strpos(reason, '''' || {_ID} || '''') > 0
    OR position(convert_to('"' || {_ID} || '"', 'UTF8') IN payload) > 0
    OR EXISTS (SELECT 1 FROM devices d
               WHERE d.household_id = {_ID} AND d.vendor_id IS NOT NULL
                 AND strpos('/' || topic || '/', '/' || split_part(d.vendor_id, ':', 1) || '/') > 0)"""

# Tables whose household rows are found other than by `household_id = id`.
LINKED_TABLES: Mapping[str, str] = {
    "households": f"id = {_ID}",
    # The household's own trail, and what was done to it as a subject.
    "audit_events": f"household_id = {_ID} OR (subject_type = 'household' AND subject_id = {_ID})",
    "notification_attempts": f"notification_id IN (SELECT id FROM notifications WHERE household_id = {_ID})",
    "digest_entries": f"""contact_id IN (SELECT id FROM contacts WHERE household_id = {_ID})
                          OR alert_id IN (SELECT id FROM alerts WHERE household_id = {_ID})""",
    "alert_findings": f"finding_id IN (SELECT id FROM findings WHERE household_id = {_ID})",
    "alert_finding_inbox": f"finding_id IN (SELECT id FROM findings WHERE household_id = {_ID})",
    "dead_letters": _DEAD_LETTER_IS_THE_HOUSEHOLDS,
}

# Tables that hold nothing about any household, and why.
UNRELATED_TABLES: Mapping[str, str] = {
    "schema_migrations": "the schema's own history",
    "users": "staff and carers' own accounts (a carer's link to a home is in carer_households)",
    "teams": "responder teams (the homes each covers are in team_households)",
    "team_members": "who is in which responder team",
    "web_sessions": "signed-in browsers of staff and carers",
    "api_tokens": "staff and carers' API tokens",
    "login_attempts": "sign-in attempts, by username and client address",
}

# What each table is, for the README inside an export (a table not named here is still
# exported; it is then described by its name alone).
DESCRIPTIONS: Mapping[str, str] = {
    "households": "the registry entry: timezone, name, area, monitoring state",
    "consents": "consent records, the latest in force, earlier ones kept as history",
    "contacts": "family carers and others told of alerts, with their channels and quiet hours",
    "devices": "devices installed, with dialect, vendor id and service dates",
    "device_sensors": "what each device measures",
    "device_state": "when each device was last heard from, its battery, whether online",
    "household_state": "the last sign of activity and the last reading",
    "readings": "every stored sensor reading (raw data, kept for the retention period)",
    "dead_letters": "messages from the home's devices that could not be used, with the reason",
    "findings": "what detection and device health concluded, with evidence",
    "baselines": "the routine detection learned, version by version",
    "daily_features": "one row per day: rising, bedtime, night-time visits, outings and more",
    "threshold_adjustments": "how responders' outcomes widened or narrowed the watchdogs' limits",
    "alerts": "alerts raised, their handling and outcome",
    "alert_findings": "which findings each alert took in",
    "alert_finding_inbox": "findings waiting to be routed",
    "alert_routes": "who is told of what, where it differs from the defaults",
    "notifications": "every message sent or to be sent about the home's alerts and digests",
    "notification_attempts": "each delivery attempt of those messages",
    "digests": "daily reassurance digests sent to family carers",
    "digest_entries": "routine news queued for those digests",
    "checkins": "'I'm fine' check-ins from the person",
    "checkin_tokens": "the home's check-in links (only their SHA-256 is held)",
    "audit_events": "the audit trail: who did or saw what about the home, when",
    "mqtt_accounts": "the hub's broker account (only its password hash is held)",
    "team_households": "which responder teams cover the home",
    "carer_households": "which carers' web accounts are linked to the home",
}

ERASURE_ACTION = "household.erased"
EXPORT_ACTION = "household.exported"


class UnknownHouseholdData(RuntimeError):
    """A table refers to household data but this module does not know how to find its rows."""


class NothingHeld(LookupError):
    """The store holds nothing about this household."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HeldTable:
    """A table holding household data, and the SQL condition that finds one household's rows."""

    name: str
    where: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # primary key columns, to export rows in a stable order


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ExportSummary:
    household: str
    rows: Mapping[str, int]


def household_tables(conn: psycopg.Connection[TupleRow]) -> list[HeldTable]:
    """Every table of the schema holding household data, found from the catalog."""
    columns = _table_columns(conn)
    keys = _primary_keys(conn)
    held = []
    for table, names in sorted(columns.items()):
        if table in LINKED_TABLES:
            where = LINKED_TABLES[table]
        elif "household_id" in names:
            where = f"household_id = {_ID}"
        elif any("household" in name for name in names):
            raise UnknownHouseholdData(
                f"table {table} has a household column other than household_id: say in "
                "store/_privacy.py LINKED_TABLES how its rows are found"
            )
        else:
            continue
        held.append(HeldTable(name=table, where=where, columns=names, key=keys.get(table, ())))
    _refuse_unknown_references(conn, columns, {t.name for t in held})
    return held


def unclassified_tables(conn: psycopg.Connection[TupleRow]) -> list[str]:
    """Tables this module neither covers nor knows to be unrelated to households."""
    held = {t.name for t in household_tables(conn)}
    return sorted(set(_table_columns(conn)) - held - set(UNRELATED_TABLES))


def export_household(
    conn: psycopg.Connection[TupleRow], household: str, out: IO[bytes], *, by: str, now: dt.datetime
) -> ExportSummary:
    """Write everything held about `household` to `out` as a zip: one CSV per table, a
    manifest.json and a README.txt. The export is audited in the same transaction, so there is
    no export without its audit record (and no record of one that failed)."""
    fresh = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        if fresh:  # otherwise the caller's transaction (and its snapshot) is ours
            # One snapshot for every table, so the files agree with each other.
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        tables = household_tables(conn)
        rows = _row_counts(conn, tables, household)
        if not any(rows.values()):
            raise NothingHeld(f"nothing is held about household {household!r}")
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for table in tables:
                with archive.open(f"{table.name}.csv", "w", force_zip64=True) as entry:
                    _copy_csv(conn, table, household, entry)
            manifest = _manifest(household, tables, rows, by=by, now=now)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
            archive.writestr("README.txt", _readme(household, tables, rows, now=now))
        _audit(conn, by=by, action=EXPORT_ACTION, household=household, detail={"rows": rows}, now=now)
    return ExportSummary(household=household, rows=rows)


def erase_household(
    conn: psycopg.Connection[TupleRow], household: str, *, by: str, now: dt.datetime
) -> dict[str, int]:
    """Remove every row held about `household`, in every table, in one transaction; leave only
    the audit record that it was erased (the bare id, who did it, when, and how many rows each
    table lost). Returns those counts."""
    with conn.transaction():
        # Hold the registry entry: anything adding rows for the home waits, then finds it gone.
        conn.execute("SELECT 1 FROM households WHERE id = %s FOR UPDATE", (household,))
        tables = household_tables(conn)
        rows = _row_counts(conn, tables, household)
        if not any(rows.values()):
            raise NothingHeld(f"nothing is held about household {household!r}")
        # The record comes first: the audit trail lets the household's own rows go only once
        # the erasure is on record (store/migrations/0030_privacy.sql).
        _audit(conn, by=by, action=ERASURE_ACTION, household=household, detail={"rows": rows}, now=now)
        conn.execute("SELECT set_config('telecare.erasing_household', %s, true)", (household,))
        for table in _erasure_order(tables):
            where = _condition(table, household)
            if table.name == "audit_events":
                where = sql.SQL("({}) AND action <> {}").format(where, sql.Literal(ERASURE_ACTION))
            conn.execute(sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table.name), where))
        # Other homes' audit rows that name this one (a registry import listing several).
        conn.execute(
            """UPDATE audit_events SET detail = replace(detail::text, %(quoted)s, '"[erased]"')::jsonb
               WHERE strpos(detail::text, %(quoted)s) > 0 AND action <> %(erased)s""",
            {"quoted": f'"{household}"', "erased": ERASURE_ACTION},
        )
        conn.execute("SELECT set_config('telecare.erasing_household', '', true)")
    return rows


def _erasure_order(tables: list[HeldTable]) -> list[HeldTable]:
    # Rows found through another table go before it (their condition reads it), the registry
    # entry last (every cascade from it has nothing left to do).
    linked_first = {
        name: n for n, name in enumerate(LINKED_TABLES) if name not in ("households", "audit_events")
    }
    last = {"audit_events": 1, "households": 2}
    return sorted(tables, key=lambda t: (last.get(t.name, 0), linked_first.get(t.name, len(LINKED_TABLES))))


def _table_columns(conn: psycopg.Connection[TupleRow]) -> dict[str, tuple[str, ...]]:
    """Base and partitioned tables of the schema (not partitions, not temporary tables) and
    their columns, from information_schema."""
    rows = conn.execute(
        """SELECT c.table_name::text, array_agg(c.column_name::text ORDER BY c.ordinal_position)
           FROM information_schema.columns c
           JOIN pg_class k ON k.relname = c.table_name
           JOIN pg_namespace n ON n.oid = k.relnamespace AND n.nspname = c.table_schema
           WHERE c.table_schema = current_schema() AND k.relkind IN ('r', 'p') AND NOT k.relispartition
           GROUP BY c.table_name"""
    ).fetchall()
    return {table: tuple(names) for table, names in rows}


def _primary_keys(conn: psycopg.Connection[TupleRow]) -> dict[str, tuple[str, ...]]:
    rows = conn.execute(
        """SELECT tc.table_name::text, array_agg(kcu.column_name::text ORDER BY kcu.ordinal_position)
           FROM information_schema.table_constraints tc
           JOIN information_schema.key_column_usage kcu
             ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
            AND kcu.table_name = tc.table_name
           WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
           GROUP BY tc.table_name"""
    ).fetchall()
    return {table: tuple(names) for table, names in rows}


def _refuse_unknown_references(
    conn: psycopg.Connection[TupleRow], columns: Mapping[str, tuple[str, ...]], held: set[str]
) -> None:
    """A table neither covered nor declared unrelated that refers to a covered one by a foreign
    key holds household data we would miss: stop rather than export or erase part of it."""
    references = conn.execute(
        """SELECT DISTINCT child.relname::text, parent.relname::text
           FROM pg_constraint f
           JOIN pg_class child ON child.oid = f.conrelid
           JOIN pg_class parent ON parent.oid = f.confrelid
           WHERE f.contype = 'f' AND child.relnamespace = current_schema()::regnamespace"""
    ).fetchall()
    for child, parent in references:
        if child in columns and child not in held and child not in UNRELATED_TABLES and parent in held:
            raise UnknownHouseholdData(
                f"table {child} refers to household data in {parent} but store/_privacy.py does not say "
                "how to find a household's rows in it: add it to LINKED_TABLES (or UNRELATED_TABLES)"
            )


def _condition(table: HeldTable, household: str) -> sql.Composed:
    return sql.SQL(table.where).format(household=sql.Literal(household))


def _row_counts(
    conn: psycopg.Connection[TupleRow], tables: list[HeldTable], household: str
) -> dict[str, int]:
    counts = {}
    for table in tables:
        query = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
            sql.Identifier(table.name), _condition(table, household)
        )
        row = conn.execute(query).fetchone()
        counts[table.name] = int(row[0]) if row else 0
    return counts


def _copy_csv(conn: psycopg.Connection[TupleRow], table: HeldTable, household: str, out: IO[bytes]) -> None:
    """Stream the household's rows of one table as CSV with a header, straight from COPY (which
    takes no parameters, hence the id as a literal)."""
    order = sql.SQL(", ").join(sql.Identifier(c) for c in table.key) if table.key else sql.SQL("1")
    statement = sql.SQL("COPY (SELECT * FROM {} WHERE {} ORDER BY {}) TO STDOUT (FORMAT csv, HEADER)").format(
        sql.Identifier(table.name), _condition(table, household), order
    )
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for chunk in copy:
            out.write(chunk)


def _manifest(
    household: str, tables: list[HeldTable], rows: Mapping[str, int], *, by: str, now: dt.datetime
) -> dict[str, object]:
    return {
        "household": household,
        "exported_at": now.isoformat(),
        "exported_by": by,
        "format": "one CSV file per table, with a header row; see README.txt",
        "tables": {
            t.name: {
                "file": f"{t.name}.csv",
                "rows": rows[t.name],
                "columns": list(t.columns),
                "what": DESCRIPTIONS.get(t.name, ""),
            }
            for t in tables
        },
    }


def _readme(household: str, tables: list[HeldTable], rows: Mapping[str, int], *, now: dt.datetime) -> str:
    lines = [
        f"Everything the telecare platform held about household {household} on {now:%Y-%m-%d %H:%M} UTC.",
        "",
        "Each table is one CSV file with a header row (an empty file says the platform holds",
        "nothing of that kind). Times are ISO-8601 in UTC; lists are written {a,b}; JSON fields",
        "are JSON; binary fields (the raw bytes of a device's message) are hexadecimal after \\x.",
        "manifest.json lists the files, their columns and row counts.",
        "",
    ]
    for t in tables:
        what = DESCRIPTIONS.get(t.name, "")
        lines.append(f"{t.name}.csv ({rows[t.name]} rows){': ' + what if what else ''}")
    return "\n".join(lines) + "\n"


def _audit(
    conn: psycopg.Connection[TupleRow],
    *,
    by: str,
    action: str,
    household: str,
    detail: Mapping[str, object],
    now: dt.datetime,
) -> None:
    # The same row alerts.record_audit writes; the store cannot import alerts (it sits below).
    conn.execute(
        """INSERT INTO audit_events (at, actor, action, subject_type, subject_id, household_id, detail)
           VALUES (%s, %s, %s, 'household', %s, %s, %s)""",
        (now, by, action, household, household, Jsonb(detail)),
    )
