"""What a person does to an alert besides acknowledging and resolving it: escalate it to the
supervisor by hand, and add a note to its record. The console, the API and the command line all
come here, so each action is decided and recorded one way."""

import dataclasses
import datetime as dt

import psycopg
from psycopg.rows import TupleRow

from alerts._audit import record_audit
from alerts._config import AlertConfig
from alerts._lifecycle import MAX_ESCALATIONS, AuditEntry, LifecycleError, Transition
from alerts._records import Alert
from alerts._responder import AlertNotFound, _change
from alerts._vocabulary import AlertState, Event

# A note is a few sentences for the next person on the case, not a document store.
NOTE_MAX_LENGTH = 2000


def escalated_by(
    alert: Alert, *, by: str, note: str | None, now: dt.datetime, config: AlertConfig
) -> Transition:
    """A person's escalation, as a lifecycle transition (pure): the supervisor and the duty team
    are told, and the supervisor has the severity's acknowledge period before the timer escalates
    it again (no further period once the rounds are used up, as the timer's own escalation)."""
    if alert.state is AlertState.RESOLVED:
        raise LifecycleError(f"alert {alert.id} is already resolved ({alert.outcome})")
    level = alert.escalation_level + 1
    within = config.ack_within.get(alert.severity)
    escalated = dataclasses.replace(
        alert,
        state=AlertState.ESCALATED,
        escalation_level=level,
        # One still waiting for a check-in is raised by being escalated: people are told now.
        raised_at=alert.raised_at or now,
        checkin_until=None,
        ack_deadline=now + within if within is not None and level < MAX_ESCALATIONS else None,
        updated_at=now,
    )
    entry = AuditEntry(
        action="escalated", actor=by, at=now, detail={"level": level, "note": note, "from_state": alert.state}
    )
    return Transition(alert=escalated, audit=(entry,), announce=(Event.ESCALATED,))


def escalate_alert(
    conn: psycopg.Connection[TupleRow],
    alert_id: int,
    *,
    by: str,
    note: str | None,
    now: dt.datetime,
    config: AlertConfig,
) -> Alert:
    """Hand the alert to the supervisor now. LifecycleError if it is resolved, AlertNotFound if none."""

    def decide(alert: Alert) -> Transition:
        return escalated_by(alert, by=by, note=note, now=now, config=config)

    return _change(conn, alert_id, decide, now, config)


def add_alert_note(
    conn: psycopg.Connection[TupleRow], alert_id: int, text: str, *, by: str, now: dt.datetime
) -> None:
    """A note on the alert's record, in its audit trail (a resolved alert's too: follow-ups come
    later). ValueError for an empty or overlong note, AlertNotFound if there is no such alert."""
    if not text:
        raise ValueError("a note needs some text")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValueError(f"a note is at most {NOTE_MAX_LENGTH} characters ({len(text)} given)")
    if "\x00" in text:
        raise ValueError("a note cannot contain NUL characters")
    row = conn.execute("SELECT household_id FROM alerts WHERE id = %s", (alert_id,)).fetchone()
    if row is None:
        raise AlertNotFound(f"there is no alert {alert_id}")
    with conn.transaction():
        record_audit(
            conn,
            actor=by,
            action="alert.note",
            subject_type="alert",
            subject_id=str(alert_id),
            household=str(row[0]),
            detail={"note": text},
            at=now,
        )
