"""Pausing routine alerts ("we are visiting", "away until"): when consent lets a carer do it, the
local time they type as an instant, and the change itself, audited. Shared with administration,
which sets any monitoring state."""

import dataclasses
import datetime as dt
import enum
import zoneinfo

import store
from alerts import monitoring_state_at, record_audit
from devices import ConsentBasis, MonitoringState
from web._accounts import Conn

# A carer's pause ends on its own date at most this far ahead: a forgotten "away" must not
# silence a home's routine alerts for months. Longer absences (a hospital stay) are arranged
# with the service, which can pause monitoring altogether.
MAX_PAUSE = dt.timedelta(days=31)
PAUSE_ACTION = "household.monitoring_state_set"


class PauseReason(enum.StrEnum):
    VISITING = "visiting"  # family is with the person: the routine will look unusual
    AWAY = "away"  # the person is away from home


class PauseError(ValueError):
    """A pause that cannot be set; the message says why, in the carer's words."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConsentInForce:
    """The latest consent record of a household (earlier ones are history)."""

    basis: ConsentBasis
    given_by: str
    given_on: dt.date
    decision_maker: str | None
    review_on: dt.date | None
    recorded_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Monitoring:
    """What is watched for a household now, and on whose clock its times are typed."""

    timezone: str
    state: MonitoringState
    away_until: dt.datetime | None


def monitoring(conn: Conn, household: str, *, now: dt.datetime) -> Monitoring:
    """As it is at `now`: a pause whose time has passed is over, marked so yet or not."""
    row = conn.execute(
        "SELECT timezone, monitoring_state, away_until FROM households WHERE id = %s", (household,)
    ).fetchone()
    assert row is not None, "the caller has checked the household exists"
    state = monitoring_state_at(MonitoringState(row[1]), row[2], now)
    away_until = row[2] if state is MonitoringState.AWAY else None
    return Monitoring(timezone=row[0], state=state, away_until=away_until)


def consent_in_force(conn: Conn, household: str) -> ConsentInForce | None:
    row = conn.execute(
        """SELECT basis, given_by, given_on, decision_maker, review_on, recorded_at FROM consents
           WHERE household_id = %s ORDER BY recorded_at DESC, id DESC LIMIT 1""",
        (household,),
    ).fetchone()
    if row is None:
        return None
    basis, given_by, given_on, decision_maker, review_on, recorded_at = row
    return ConsentInForce(
        basis=ConsentBasis(basis), given_by=given_by, given_on=given_on, decision_maker=decision_maker,
        review_on=review_on, recorded_at=recorded_at,
    )  # fmt: skip


def pause_refusal(consent: ConsentInForce | None, today: dt.date) -> str | None:
    """Why a carer may not pause alerts from their page (None: they may). Monitoring rests on
    the consent on record: with none, or a best-interest decision overdue for review, changing
    what is watched is for the service to decide with the person, not for the family alone."""
    if consent is None:
        return (
            "There is no consent on record for this home, so alerts cannot be paused from here. "
            "Please ask the care team."
        )
    review = consent.review_on if consent.basis is ConsentBasis.BEST_INTEREST else None
    if review is not None and review < today:
        return (
            f"The best-interest decision for this home was due for review on {review:%-d %B %Y}; "
            "until it is reviewed, please ask the care team to pause alerts."
        )
    return None


def local_instant(text: str, timezone: str) -> dt.datetime:
    """A date and time typed on the household's own clock ("2026-11-27T18:00"), as an instant.
    PauseError if it is not one."""
    try:
        naive = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise PauseError(f"{text!r} is not a date and time such as 2026-11-27T18:00") from None
    if naive.tzinfo is not None:
        raise PauseError("give the time on the home's own clock, without an offset")
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(timezone)).astimezone(dt.UTC)


def check_pause_end(until: dt.datetime, now: dt.datetime, *, limit: dt.timedelta | None) -> None:
    """PauseError unless `until` is in the future (and within `limit`, when there is one)."""
    if until <= now:
        raise PauseError("the end of the pause must be in the future")
    if limit is not None and until - now > limit:
        raise PauseError(
            f"a pause can be set for up to {limit.days} days from now; "
            "for a longer absence please ask the care team"
        )


def set_monitoring(
    conn: Conn,
    household: str,
    state: MonitoringState,
    *,
    away_until: dt.datetime | None,
    reason: PauseReason | None,
    by: str,
    via: str,
    now: dt.datetime,
) -> None:
    """Change what is watched for the household, with the change in the audit trail (before and
    after, the reason, and through which page). The household must exist."""
    with conn.transaction():
        row = conn.execute(
            "SELECT monitoring_state, away_until FROM households WHERE id = %s FOR NO KEY UPDATE",
            (household,),
        ).fetchone()
        assert row is not None, "the caller has checked the household exists"
        changed = store.set_monitoring_state(conn, household, state, away_until=away_until)
        assert changed
        record_audit(
            conn,
            actor=by,
            action=PAUSE_ACTION,
            subject_type="household",
            subject_id=household,
            household=household,
            detail={
                "before": {"state": row[0], "away_until": row[1]},
                "after": {
                    "state": state,
                    "away_until": away_until if state is MonitoringState.AWAY else None,
                },
                "reason": reason,
                "via": via,
            },
            at=now,
        )


def pause_reason(conn: Conn, household: str) -> PauseReason | None:
    """Why the household's current pause was set, as its latest change recorded it."""
    row = conn.execute(
        """SELECT detail->>'reason' FROM audit_events
           WHERE action = %s AND subject_type = 'household' AND subject_id = %s
           ORDER BY id DESC LIMIT 1""",
        (PAUSE_ACTION, household),
    ).fetchone()
    return PauseReason(row[0]) if row is not None and row[0] in set(PauseReason) else None
