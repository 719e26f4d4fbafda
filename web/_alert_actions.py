"""What a responder does to an alert from the console or the API: acknowledge, note, escalate,
resolve. Each checks the viewer may see the alert's household, then goes through the alerts
lifecycle (one transaction: the alert, its audit trail, the messages it sends).

Escalating by hand and adding a note have no function in the alerts package yet; they are
here, built from its lifecycle pieces, and belong there once the package offers them.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, status

from alerts import (
    Alert,
    AlertConfig,
    AlertState,
    LifecycleError,
    Outcome,
    acknowledge_alert,
    record_audit,
    resolve_alert,
)
from alerts._lifecycle import MAX_ESCALATIONS, AuditEntry, Transition
from alerts._responder import _change as change_alert
from alerts._vocabulary import Event
from web._access import Viewer, require_household
from web._accounts import Conn

NOTE_MAX_LENGTH = 2000
T = TypeVar("T")


def acknowledge(
    conn: Conn, viewer: Viewer, alert_id: int, *, note: str | None, now: dt.datetime, config: AlertConfig
) -> Alert:
    _require_visible(conn, viewer, alert_id)
    return _lifecycle(
        lambda: acknowledge_alert(conn, alert_id, by=viewer.actor, note=note, now=now, config=config)
    )


def resolve(
    conn: Conn,
    viewer: Viewer,
    alert_id: int,
    outcome: Outcome,
    *,
    note: str | None,
    now: dt.datetime,
    config: AlertConfig,
) -> Alert:
    _require_visible(conn, viewer, alert_id)
    return _lifecycle(
        lambda: resolve_alert(conn, alert_id, outcome, by=viewer.actor, note=note, now=now, config=config)
    )


def escalate(
    conn: Conn, viewer: Viewer, alert_id: int, *, note: str | None, now: dt.datetime, config: AlertConfig
) -> Alert:
    """Hand the alert to the supervisor now: they and the duty team are told, and the supervisor
    has the severity's acknowledge period before the timer escalates it again."""
    _require_visible(conn, viewer, alert_id)
    return _lifecycle(
        lambda: change_alert(
            conn,
            alert_id,
            lambda alert: escalated_by(alert, by=viewer.actor, note=note, now=now, config=config),
            now,
            config,
        )
    )


def add_note(conn: Conn, viewer: Viewer, alert_id: int, text: str, *, now: dt.datetime) -> None:
    """A note on the alert's record (a resolved one too: follow-ups come later)."""
    household = _require_visible(conn, viewer, alert_id)
    record_audit(
        conn,
        actor=viewer.actor,
        action="alert.note",
        subject_type="alert",
        subject_id=str(alert_id),
        household=household,
        detail={"note": text},
        at=now,
    )


def escalated_by(
    alert: Alert, *, by: str, note: str | None, now: dt.datetime, config: AlertConfig
) -> Transition:
    """A responder's escalation, as a lifecycle transition (pure)."""
    if alert.state is AlertState.RESOLVED:
        raise LifecycleError(f"alert {alert.id} is already resolved ({alert.outcome})")
    level = alert.escalation_level + 1
    within = config.ack_within.get(alert.severity)
    escalated = dataclasses.replace(
        alert,
        state=AlertState.ESCALATED,
        escalation_level=level,
        raised_at=alert.raised_at or now,
        checkin_until=None,
        ack_deadline=now + within if within is not None and level < MAX_ESCALATIONS else None,
        updated_at=now,
    )
    entry = AuditEntry(
        action="escalated", actor=by, at=now, detail={"level": level, "note": note, "from_state": alert.state}
    )
    return Transition(alert=escalated, audit=(entry,), announce=(Event.ESCALATED,))


def _require_visible(conn: Conn, viewer: Viewer, alert_id: int) -> str:
    row = conn.execute("SELECT household_id FROM alerts WHERE id = %s", (alert_id,)).fetchone()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no alert {alert_id}")
    require_household(viewer, row[0], f"alert {alert_id}")
    return str(row[0])


def _lifecycle(action: Callable[[], T]) -> T:
    try:
        return action()
    except LifecycleError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
