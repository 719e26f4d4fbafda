"""Everything a responder needs about one alert: what was found and why, the household and its
contacts, the notes and history, the last day of readings and the last weeks of activity.
Reading it is a read of personal data, so each read is written to the audit trail."""

import dataclasses
import datetime as dt
import zoneinfo

from fastapi import HTTPException, status

from alerts import AlertHistory, AlertNotFound, AuditRecord, alert_history, record_audit
from web._access import Viewer, require_household
from web._accounts import Conn
from web._activity import ActivityMap, Reading, Timeline, activity_map, timeline

TIMELINE_SPAN = dt.timedelta(hours=24)
ACTIVITY_DAYS = 28
# The household's earlier alerts shown beside this one: enough to see a pattern.
EARLIER_ALERTS = 10


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdCard:
    id: str
    display_name: str | None
    timezone: str
    address_area: str | None
    monitoring_state: str
    away_until: dt.datetime | None
    known_to_wander: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ContactCard:
    name: str
    relationship: str | None
    # Only the kinds of channel (mailto, ntfy, ...): the URLs hold addresses and secrets.
    channel_kinds: tuple[str, ...]
    quiet_hours: str | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EarlierAlert:
    id: int
    kind: str
    created_at: dt.datetime
    outcome: str | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AlertDetail:
    history: AlertHistory
    household: HouseholdCard
    contacts: tuple[ContactCard, ...]
    notes: tuple[AuditRecord, ...]
    earlier: tuple[EarlierAlert, ...]
    readings: Timeline
    activity: ActivityMap


def visible_history(conn: Conn, viewer: Viewer, alert_id: int) -> AlertHistory:
    """The alert with its trail, or 404 if there is none or it is in a household not theirs."""
    try:
        history = alert_history(conn, alert_id)
    except AlertNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"there is no alert {alert_id}") from exc
    require_household(viewer, history.alert.household, f"alert {alert_id}")
    return history


def alert_detail(conn: Conn, viewer: Viewer, alert_id: int, *, now: dt.datetime, via: str) -> AlertDetail:
    history = visible_history(conn, viewer, alert_id)
    household = _household(conn, history.alert.household)
    detail = AlertDetail(
        history=history,
        household=household,
        contacts=_contacts(conn, household.id),
        notes=tuple(entry for entry in history.audit if entry.detail.get("note")),
        earlier=_earlier(conn, household.id, alert_id),
        readings=timeline(
            _readings(conn, household.id, now - TIMELINE_SPAN, now), start=now - TIMELINE_SPAN, end=now
        ),
        activity=_activity(conn, household, now),
    )
    record_audit(
        conn,
        actor=viewer.actor,
        action="read.alert_detail",
        subject_type="alert",
        subject_id=str(alert_id),
        household=household.id,
        detail={
            "via": via,
            "shown": ["household", "contacts", "notes", "readings_24h", f"activity_{ACTIVITY_DAYS}d"],
        },
        at=now,
    )
    return detail


def _household(conn: Conn, household: str) -> HouseholdCard:
    row = conn.execute(
        """SELECT id, display_name, timezone, address_area, monitoring_state, away_until, known_to_wander
           FROM households WHERE id = %s""",
        (household,),
    ).fetchone()
    assert row is not None, "an alert's household is kept as long as the alert (ON DELETE CASCADE)"
    return HouseholdCard(
        id=row[0], display_name=row[1], timezone=row[2], address_area=row[3], monitoring_state=row[4],
        away_until=row[5], known_to_wander=row[6],
    )  # fmt: skip


def _contacts(conn: Conn, household: str) -> tuple[ContactCard, ...]:
    rows = conn.execute(
        """SELECT name, relationship, channels, quiet_from, quiet_until FROM contacts
           WHERE household_id = %s ORDER BY id""",
        (household,),
    ).fetchall()
    return tuple(
        ContactCard(
            name=name,
            relationship=relationship,
            channel_kinds=tuple(sorted({channel.split("://", 1)[0] for channel in channels})),
            quiet_hours=f"{quiet_from:%H:%M}-{quiet_until:%H:%M}" if quiet_from is not None else None,
        )
        for name, relationship, channels, quiet_from, quiet_until in rows
    )


def _earlier(conn: Conn, household: str, alert_id: int) -> tuple[EarlierAlert, ...]:
    rows = conn.execute(
        """SELECT id, kind, created_at, outcome FROM alerts WHERE household_id = %s AND id <> %s
           ORDER BY created_at DESC LIMIT %s""",
        (household, alert_id, EARLIER_ALERTS),
    ).fetchall()
    return tuple(EarlierAlert(id=r[0], kind=r[1], created_at=r[2], outcome=r[3]) for r in rows)


def _readings(conn: Conn, household: str, start: dt.datetime, end: dt.datetime) -> list[Reading]:
    rows = conn.execute(
        """SELECT r.ts, d.room, d.role, r.sensor, r.value FROM readings r
           JOIN devices d ON d.household_id = r.household_id AND d.id = r.device_id
           WHERE r.household_id = %s AND r.ts >= %s AND r.ts <= %s
             AND r.sensor IN ('motion', 'contact', 'occupancy', 'alarm', 'power')
           ORDER BY r.ts""",
        (household, start, end),
    ).fetchall()
    return [
        Reading(at=ts, room=room, role=role, sensor=sensor, value=value)
        for ts, room, role, sensor, value in rows
    ]


def _activity(conn: Conn, household: HouseholdCard, now: dt.datetime) -> ActivityMap:
    zone = zoneinfo.ZoneInfo(household.timezone)
    local_now = now.astimezone(zone)
    first_day = local_now.date() - dt.timedelta(days=ACTIVITY_DAYS - 1)
    since = dt.datetime.combine(first_day, dt.time(), zone)
    # Signs of the person, as ingest's live state counts them: movement, a door, a bed or chair.
    rows = conn.execute(
        """SELECT date_trunc('hour', ts AT TIME ZONE %(tz)s) AS local_hour, count(*) FROM readings
           WHERE household_id = %(household)s AND ts >= %(since)s AND ts <= %(now)s
             AND (sensor IN ('contact', 'occupancy') OR (sensor = 'motion' AND value = 1))
           GROUP BY 1""",
        {"tz": household.timezone, "household": household.id, "since": since, "now": now},
    ).fetchall()
    hourly = {(local_hour.date(), local_hour.hour): count for local_hour, count in rows}
    return activity_map(hourly, today=local_now.date(), hours_today=local_now.hour, days=ACTIVITY_DAYS)
