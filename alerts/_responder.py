"""What a responder does with an alert (acknowledge, resolve) and what they see of it."""

import dataclasses
import datetime as dt
from collections.abc import Callable

import psycopg
from psycopg.rows import TupleRow

from alerts._alert_store import ALERT_COLUMNS, alert_from_row, load_households
from alerts._apply import apply_transition
from alerts._audit import AuditRecord, audit_trail
from alerts._config import AlertConfig
from alerts._lifecycle import Transition, acknowledge, resolve
from alerts._records import Alert
from alerts._vocabulary import Audience, Event, Outcome


class AlertNotFound(LookupError):
    pass


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NotificationStatus:
    id: int
    event: Event
    audience: Audience
    contact: str | None
    scheme: str  # the channel's kind only: the full URL holds addresses and secrets
    state: str
    attempts: int
    deliver_after: dt.datetime
    sent_at: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AlertHistory:
    alert: Alert
    audit: list[AuditRecord]
    notifications: list[NotificationStatus]


def acknowledge_alert(
    conn: psycopg.Connection[TupleRow],
    alert_id: int,
    *,
    by: str,
    note: str | None,
    now: dt.datetime,
    config: AlertConfig,
) -> Alert:
    """LifecycleError if the alert is not waiting for acknowledgement, AlertNotFound if none."""
    return _change(conn, alert_id, lambda alert: acknowledge(alert, by=by, note=note, now=now), now, config)


def resolve_alert(
    conn: psycopg.Connection[TupleRow],
    alert_id: int,
    outcome: Outcome,
    *,
    by: str,
    note: str | None,
    now: dt.datetime,
    config: AlertConfig,
) -> Alert:
    return _change(
        conn, alert_id, lambda alert: resolve(alert, outcome, by=by, note=note, now=now), now, config
    )


def list_alerts(
    conn: psycopg.Connection[TupleRow], *, include_resolved: bool = False, limit: int = 200
) -> list[Alert]:
    """The queue: most severe first, then oldest first (the one waiting longest)."""
    rows = conn.execute(
        f"""SELECT {ALERT_COLUMNS} FROM alerts
            WHERE %s OR state <> 'resolved'
            ORDER BY state = 'resolved', array_position(ARRAY['urgent', 'high', 'routine'], severity),
                     created_at, id
            LIMIT %s""",
        (include_resolved, limit),
    ).fetchall()
    return [alert_from_row(row) for row in rows]


def alert_history(conn: psycopg.Connection[TupleRow], alert_id: int) -> AlertHistory:
    row = conn.execute(f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = %s", (alert_id,)).fetchone()
    if row is None:
        raise AlertNotFound(f"there is no alert {alert_id}")
    notifications = [
        NotificationStatus(
            id=id_,
            event=Event(event),
            audience=Audience(audience),
            contact=contact,
            scheme=channel.split("://", 1)[0],
            state=state,
            attempts=attempts,
            deliver_after=deliver_after,
            sent_at=sent_at,
        )
        for id_, event, audience, contact, channel, state, attempts, deliver_after, sent_at in conn.execute(
            """SELECT n.id, n.event, n.audience, c.name, n.channel, n.state, n.attempts, n.deliver_after,
                      n.sent_at
               FROM notifications n LEFT JOIN contacts c ON c.id = n.contact_id
               WHERE n.alert_id = %s ORDER BY n.id""",
            (alert_id,),
        )
    ]
    return AlertHistory(
        alert=alert_from_row(row),
        audit=audit_trail(conn, "alert", str(alert_id)),
        notifications=notifications,
    )


def _change(
    conn: psycopg.Connection[TupleRow],
    alert_id: int,
    decide: Callable[[Alert], Transition],
    now: dt.datetime,
    config: AlertConfig,
) -> Alert:
    with conn.transaction(), conn.cursor() as cur:
        row = cur.execute(
            f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = %s FOR UPDATE", (alert_id,)
        ).fetchone()
        if row is None:
            raise AlertNotFound(f"there is no alert {alert_id}")
        alert = alert_from_row(row)
        household = load_households(cur, [alert.household])[alert.household]
        return apply_transition(cur, decide(alert), household, config, now)
