"""What a responder does to an alert from the console or the API: acknowledge, note, escalate,
resolve. Each checks the viewer may see the alert's household, then calls the alerts package's
own action (the command line calls the same ones), answering its refusals as HTTP errors."""

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, status

from alerts import (
    NOTE_MAX_LENGTH,
    Alert,
    AlertConfig,
    LifecycleError,
    Outcome,
    acknowledge_alert,
    add_alert_note,
    escalate_alert,
    resolve_alert,
)
from web._access import Viewer, require_household
from web._accounts import Conn

__all__ = ["NOTE_MAX_LENGTH", "acknowledge", "add_note", "escalate", "resolve"]
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
    """Hand the alert to the supervisor now (see `alerts.escalate_alert`)."""
    _require_visible(conn, viewer, alert_id)
    return _lifecycle(
        lambda: escalate_alert(conn, alert_id, by=viewer.actor, note=note, now=now, config=config)
    )


def add_note(conn: Conn, viewer: Viewer, alert_id: int, text: str, *, now: dt.datetime) -> None:
    """A note on the alert's record (a resolved one too: follow-ups come later)."""
    _require_visible(conn, viewer, alert_id)
    try:
        add_alert_note(conn, alert_id, text, by=viewer.actor, now=now)
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc


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
