"""What a family carer's page shows of one household: today in one sentence, the recent alerts
their routing lets the family hear of with what was done, the week's routine in words, their own
notification preferences, and whether routine alerts are paused. Each read is audited."""

import dataclasses
import datetime as dt
import zoneinfo

from alerts import FamilyAlert, family_alerts, household_day_status, monitoring_state_at, record_audit
from detection import weekly_picture
from devices import MonitoringState
from web._access import Viewer
from web._accounts import Conn
from web._carer_pause import PauseReason, consent_in_force, pause_reason, pause_refusal

# How far back "recent alerts" reach, and how many are listed at most.
RECENT_ALERTS = dt.timedelta(days=30)
RECENT_ALERTS_SHOWN = 20


# Each as the family's messages tell it: what happened, its explanation, what was done.
CarerAlert = FamilyAlert


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
    row = conn.execute(
        "SELECT timezone, display_name, monitoring_state, away_until FROM households WHERE id = %s",
        (household_id,),
    ).fetchone()
    assert row is not None, "the caller has checked the household exists"
    timezone, display_name, stored_state, away_until = row
    # A pause whose time has passed is over, whether or not the service has marked it so yet.
    state = monitoring_state_at(MonitoringState(stored_state), away_until, now)
    local_today = now.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    view = CarerHousehold(
        id=household_id,
        name=display_name or "the person you care for",
        timezone=timezone,
        monitoring_state=state,
        away_until=away_until if state is MonitoringState.AWAY else None,
        pause_reason=pause_reason(conn, household_id) if state is MonitoringState.AWAY else None,
        pause_refusal=pause_refusal(consent_in_force(conn, household_id), local_today),
        today=household_day_status(conn, household_id, now=now).sentence,
        alerts=tuple(
            family_alerts(conn, household_id, since=now - RECENT_ALERTS, until=now, limit=RECENT_ALERTS_SHOWN)
        ),
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
