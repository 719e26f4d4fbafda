"""The append-only audit trail: who did what, when and why. The database refuses any change to
a written row; this module only adds rows and reads them back."""

import dataclasses
import datetime as dt
import enum
import functools
import json
from collections.abc import Mapping

import psycopg
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from telecare._workers import WorkerShare


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    id: int
    at: dt.datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    household: str | None
    detail: Mapping[str, object]


def record_audit(
    cur: psycopg.Cursor[TupleRow] | psycopg.Connection[TupleRow],
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    household: str | None,
    detail: Mapping[str, object],
    at: dt.datetime,
) -> None:
    """Add one event, in the caller's transaction (so it stands or falls with the change it
    records)."""
    cur.execute(
        """INSERT INTO audit_events (at, actor, action, subject_type, subject_id, household_id, detail)
           VALUES (%s, %s, %s, %s, %s, %s, %s)""",
        (at, actor, action, subject_type, subject_id, household, Jsonb(detail, dumps=_dumps)),
    )


def with_worker(detail: Mapping[str, object], worker: WorkerShare | None) -> Mapping[str, object]:
    """The detail, naming the alerts worker that acted when several share the households: which
    process raised, escalated or sent something is the first question when one misbehaves."""
    return detail if worker is None or worker.everything else {**detail, "worker": str(worker)}


def audit_trail(conn: psycopg.Connection[TupleRow], subject_type: str, subject_id: str) -> list[AuditRecord]:
    rows = conn.execute(
        """SELECT id, at, actor, action, subject_type, subject_id, household_id, detail
           FROM audit_events WHERE subject_type = %s AND subject_id = %s ORDER BY id""",
        (subject_type, subject_id),
    ).fetchall()
    return [
        AuditRecord(
            id=id_,
            at=at,
            actor=actor,
            action=action,
            subject_type=kind,
            subject_id=subject,
            household=household,
            detail=detail,
        )
        for id_, at, actor, action, kind, subject, household, detail in rows
    ]


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} has no JSON form in the audit trail")


_dumps = functools.partial(json.dumps, default=_plain)
