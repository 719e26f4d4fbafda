"""Findings in the store: each an episode of a condition, opened, kept up to date, cleared."""

import dataclasses
import datetime as dt
from collections.abc import Collection, Sequence

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A condition found in a household now, with its explanation and evidence."""

    household: str
    condition_key: str
    kind: str
    severity: str  # urgent, high, routine
    onset: dt.datetime
    message: str
    evidence: dict[str, object]
    device: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Reconciled:
    opened: int
    updated: int
    cleared: int


def reconcile_findings(
    conn: psycopg.Connection[TupleRow],
    kinds: Collection[str],
    current: Sequence[Finding],
    now: dt.datetime,
    *,
    households: Collection[str] | None = None,
) -> Reconciled:
    """Make the open findings of these kinds exactly `current`: open what is new, refresh what
    holds (keeping its onset and first detection), clear what no longer holds. One transaction,
    a fixed number of statements whatever the number of households. With `households`, only
    theirs are settled (a worker's share; the others belong to other workers)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            """SELECT household_id, condition_key FROM findings
               WHERE cleared_at IS NULL AND kind = ANY(%(kinds)s)
                 AND (%(scope)s::text[] IS NULL OR household_id = ANY(%(scope)s))""",
            {"kinds": list(kinds), "scope": None if households is None else list(households)},
        )
        open_now = set(cur.fetchall())
        found = {(f.household, f.condition_key): f for f in current}
        new = [f for key, f in found.items() if key not in open_now]
        holding = [f for key, f in found.items() if key in open_now]
        gone = [key for key in open_now if key not in found]
        cur.executemany(
            """INSERT INTO findings (household_id, condition_key, kind, severity, device_id, onset,
                                     detected_at, updated_at, message, evidence)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
            [
                (
                    f.household,
                    f.condition_key,
                    f.kind,
                    f.severity,
                    f.device,
                    f.onset,
                    now,
                    now,
                    f.message,
                    Jsonb(f.evidence),
                )
                for f in new
            ],
        )
        cur.executemany(
            """UPDATE findings SET message = %s, evidence = %s, severity = %s, updated_at = %s
               WHERE household_id = %s AND condition_key = %s AND cleared_at IS NULL""",
            [(f.message, Jsonb(f.evidence), f.severity, now, f.household, f.condition_key) for f in holding],
        )
        cur.executemany(
            """UPDATE findings SET cleared_at = %s, updated_at = %s
               WHERE household_id = %s AND condition_key = %s AND cleared_at IS NULL""",
            [(now, now, household, key) for household, key in gone],
        )
    return Reconciled(opened=len(new), updated=len(holding), cleared=len(gone))


def open_findings(
    conn: psycopg.Connection[TupleRow], *, household: str | None = None
) -> list[tuple[str, str, str, dt.datetime, str]]:
    """(household, kind, severity, onset, message) of every open finding, newest first."""
    rows = conn.execute(
        """SELECT household_id, kind, severity, onset, message FROM findings
           WHERE cleared_at IS NULL AND (%(h)s::text IS NULL OR household_id = %(h)s)
           ORDER BY detected_at DESC, id DESC""",
        {"h": household},
    ).fetchall()
    return [(h, k, s, o, m) for h, k, s, o, m in rows]
