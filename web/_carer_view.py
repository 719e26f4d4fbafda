"""What a family carer's page shows of one household: today in one sentence, the recent alerts
their routing lets the family hear of with what was done, the week's routine in words, their own
notification preferences, and whether routine alerts are paused. Each read is audited."""

import dataclasses
import datetime as dt
import zoneinfo

from alerts import AlertState, Audience, household_day_status, record_audit
from alerts._alert_store import ALERT_COLUMNS, alert_from_row, load_households
from alerts._messages import _progress as family_progress
from alerts._messages import what_happened
from alerts._records import Household
from alerts._routing import audiences_for
from detection import weekly_picture
from devices import MonitoringState
from web._access import Viewer
from web._accounts import Conn
from web._carer_pause import PauseReason, consent_in_force, pause_reason, pause_refusal

# How far back "recent alerts" reach, and how many are listed at most.
RECENT_ALERTS = dt.timedelta(days=30)
RECENT_ALERTS_SHOWN = 20


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CarerAlert:
    what: str  # "The pendant alarm was pressed"
    noticed_at: dt.datetime
    explanation: str  # the finding's own words, with its numbers
    progress: str  # what was done, as the family's messages say it
    resolved: bool


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CarerContact:
    """The carer as one of the household's contacts: their own channels in full."""

    id: int
    name: str
    channels: tuple[str, ...]
    quiet_from: dt.time | None
    quiet_until: dt.time | None
    digest_at: dt.time | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CarerHousehold:
    id: str
    name: str  # the display name, or a kind stand-in
    timezone: str
    monitoring_state: MonitoringState
    away_until: dt.datetime | None
    pause_reason: PauseReason | None
    pause_refusal: str | None  # why the carer may not pause from here; None: they may
    today: str
    alerts: tuple[CarerAlert, ...]
    week: tuple[str, ...]
    contact: CarerContact | None  # None: the carer is not linked as one of its contacts


def linked_households(conn: Conn, viewer: Viewer) -> list[tuple[str, str | None]]:
    """(id, display name) of each household the carer is linked to."""
    return [
        (household, name)
        for household, name in conn.execute(
            """SELECT h.id, h.display_name FROM carer_households c JOIN households h ON h.id = c.household_id
               WHERE c.user_id = %s ORDER BY h.id""",
            (viewer.user.id,),
        )
    ]


def carer_household(conn: Conn, viewer: Viewer, household_id: str, *, now: dt.datetime) -> CarerHousehold:
    """The carer's page of one household they are linked to (the caller has checked)."""
    household = load_households(conn, [household_id])[household_id]
    row = conn.execute("SELECT away_until FROM households WHERE id = %s", (household_id,)).fetchone()
    assert row is not None
    local_today = now.astimezone(zoneinfo.ZoneInfo(household.timezone)).date()
    view = CarerHousehold(
        id=household.id,
        name=household.display_name or "the person you care for",
        timezone=household.timezone,
        monitoring_state=household.monitoring_state,
        away_until=row[0],
        pause_reason=pause_reason(conn, household_id),
        pause_refusal=pause_refusal(consent_in_force(conn, household_id), local_today),
        today=household_day_status(conn, household_id, now=now).sentence,
        alerts=_recent_alerts(conn, household, now),
        week=weekly_picture(conn, household_id, local_today - dt.timedelta(days=1)).sentences,
        contact=own_contact(conn, viewer, household_id),
    )
    record_audit(
        conn,
        actor=viewer.actor,
        action="read.household_status",
        subject_type="household",
        subject_id=household_id,
        household=household_id,
        detail={"via": "carer", "shown": ["today", "alerts_30d", "week", "own_contact"]},
        at=now,
    )
    return view


def _recent_alerts(conn: Conn, household: Household, now: dt.datetime) -> tuple[CarerAlert, ...]:
    """Alerts people were told of in the last 30 days that the household's routing lets its family
    hear of, newest first (one still waiting for the person's own "I'm fine" is not yet news)."""
    rows = conn.execute(
        f"""SELECT {ALERT_COLUMNS} FROM alerts
            WHERE household_id = %s AND raised_at IS NOT NULL AND raised_at >= %s AND raised_at <= %s
            ORDER BY raised_at DESC, id DESC""",
        (household.id, now - RECENT_ALERTS, now),
    ).fetchall()
    heard = [a for a in map(alert_from_row, rows) if Audience.FAMILY in audiences_for(a, household)]
    return tuple(
        CarerAlert(
            what=what_happened(alert.kind),
            noticed_at=alert.onset,
            explanation=alert.message,
            progress=family_progress(alert, household),
            resolved=alert.state is AlertState.RESOLVED,
        )
        for alert in heard[:RECENT_ALERTS_SHOWN]
    )


def own_contact(conn: Conn, viewer: Viewer, household: str) -> CarerContact | None:
    """The contact the carer is linked as (None: linked to the household, as no contact)."""
    row = conn.execute(
        """SELECT k.id, k.name, k.channels, k.quiet_from, k.quiet_until, k.digest_at
           FROM carer_households c JOIN contacts k ON k.id = c.contact_id
           WHERE c.user_id = %s AND c.household_id = %s""",
        (viewer.user.id, household),
    ).fetchone()
    if row is None:
        return None
    id_, name, channels, quiet_from, quiet_until, digest_at = row
    return CarerContact(
        id=id_, name=name, channels=tuple(channels), quiet_from=quiet_from, quiet_until=quiet_until,
        digest_at=digest_at,
    )  # fmt: skip
