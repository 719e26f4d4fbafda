"""An alert's life as pure transitions: opened from a finding, merged, held for a check-in,
raised, escalated, acknowledged, resolved. Each returns the new alert, its audit and what to announce."""

import dataclasses
import datetime as dt
from collections.abc import Mapping

from alerts._config import AlertConfig
from alerts._records import Alert, FindingState, Household
from alerts._vocabulary import (
    DEVICE_KINDS,
    RESPONDER_OUTCOMES,
    UNRESOLVED_STATES,
    AlertState,
    CheckinSource,
    Event,
    Outcome,
    Severity,
    severity_of,
)

ROUTER = "system:router"
TIMER = "system:escalation-timer"
PERSON = "person"
# Three rounds of escalation (each a further acknowledge period) tell the supervisor and the
# duty team three times; by then the alert is in front of everyone who can act, and repeating
# it further only trains people to ignore it. The alert stays escalated on the console.
MAX_ESCALATIONS = 3


class LifecycleError(ValueError):
    """A change the alert's state does not allow (e.g. resolving a resolved alert)."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    action: str
    actor: str
    at: dt.datetime
    detail: Mapping[str, object]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    alert: Alert
    audit: tuple[AuditEntry, ...]
    announce: tuple[Event, ...] = ()
    # A finding episode this change takes into the alert.
    takes_finding: int | None = None

    def then(self, after: "Transition") -> "Transition":
        return Transition(
            alert=after.alert,
            audit=self.audit + after.audit,
            announce=self.announce + after.announce,
            takes_finding=self.takes_finding or after.takes_finding,
        )


def on_finding(
    finding: FindingState,
    *,
    linked: Alert | None,
    unresolved: Alert | None,
    household: Household,
    now: dt.datetime,
    config: AlertConfig,
) -> Transition | None:
    """What a changed finding does: `linked` is the alert that already took this episode,
    `unresolved` the household's unresolved alert for the same condition, if any."""
    if linked is not None:
        return _on_known_episode(linked, finding, now)
    if unresolved is not None:
        change = take_episode(unresolved, finding, now)
    else:
        change = open_alert(finding, household, now, config)
    if finding.cleared_at is not None:
        change = change.then(condition_cleared(change.alert, now))
    return change


def _on_known_episode(alert: Alert, finding: FindingState, now: dt.datetime) -> Transition | None:
    if alert.state is AlertState.RESOLVED or finding.id != alert.last_finding_id:
        return None
    if finding.cleared_at is not None and alert.condition_cleared_at is None:
        return condition_cleared(alert, now)
    if (finding.message, finding.evidence) != (alert.message, alert.evidence):
        # Detection refreshes its evidence as the condition goes on: the alert shows the
        # latest, and the finding's history is the record of each refresh.
        refreshed = dataclasses.replace(
            alert, message=finding.message, evidence=finding.evidence, updated_at=now
        )
        return Transition(alert=refreshed, audit=())
    return None


def open_alert(
    finding: FindingState, household: Household, now: dt.datetime, config: AlertConfig
) -> Transition:
    severity = severity_of(finding.kind, known_to_wander=household.known_to_wander, reported=finding.severity)
    alert = Alert(
        id=None,
        household=finding.household,
        condition_key=finding.condition_key,
        kind=finding.kind,
        severity=severity,
        state=AlertState.CHECKING,
        device=finding.device,
        onset=finding.onset,
        created_at=now,
        updated_at=now,
        message=finding.message,
        evidence=finding.evidence,
        last_finding_id=finding.id,
    )
    window = household.checkin_window
    # The person can answer for themselves, not for a smoke alarm or a flat battery.
    if window is not None and severity is not Severity.URGENT and finding.kind not in DEVICE_KINDS:
        held = dataclasses.replace(alert, checkin_until=now + window)
        entry = _audit("opened", ROUTER, now, severity=severity, held_for_checkin_until=now + window)
        return Transition(alert=held, audit=(entry,), takes_finding=finding.id)
    opened = Transition(
        alert=alert, audit=(_audit("opened", ROUTER, now, severity=severity),), takes_finding=finding.id
    )
    return opened.then(raise_alert(alert, now, config, actor=ROUTER))


def raise_alert(alert: Alert, now: dt.datetime, config: AlertConfig, *, actor: str) -> Transition:
    """Tell people: no check-in, or the check-in window passed with no word from the person."""
    within = config.ack_within.get(alert.severity)
    raised = dataclasses.replace(
        alert,
        state=AlertState.OPEN,
        raised_at=now,
        checkin_until=None,
        ack_deadline=now + within if within is not None else None,
        updated_at=now,
    )
    entry = _audit("raised", actor, now, ack_deadline=raised.ack_deadline)
    return Transition(alert=raised, audit=(entry,), announce=(Event.RAISED,))


def take_episode(alert: Alert, finding: FindingState, now: dt.datetime) -> Transition:
    """The same condition again while the alert is unresolved: one alert, counted."""
    merged = dataclasses.replace(
        alert,
        occurrences=alert.occurrences + 1,
        message=finding.message,
        evidence=finding.evidence,
        last_finding_id=finding.id,
        condition_cleared_at=None,
        updated_at=now,
    )
    entry = _audit("merged", ROUTER, now, finding_id=finding.id, occurrences=merged.occurrences)
    return Transition(alert=merged, audit=(entry,), takes_finding=finding.id)


def condition_cleared(alert: Alert, now: dt.datetime) -> Transition:
    """The condition no longer holds. A non-urgent alert resolves itself; an urgent one waits
    for a person, because a cancelled pendant or a cleared smoke alarm still needs a call."""
    cleared = dataclasses.replace(alert, condition_cleared_at=now, updated_at=now)
    if alert.severity is Severity.URGENT:
        entry = _audit(
            "condition_cleared", ROUTER, now, resolved=False, why="urgent alerts wait for a responder"
        )
        return Transition(alert=cleared, audit=(entry,))
    return _resolved(cleared, Outcome.CONDITION_CLEARED, ROUTER, now, why="the condition cleared")


def escalate(alert: Alert, now: dt.datetime, config: AlertConfig) -> Transition:
    """The acknowledge deadline passed: the next tier is told, once, however late we are."""
    if alert.state not in (AlertState.OPEN, AlertState.ESCALATED) or alert.ack_deadline is None:
        raise LifecycleError(f"alert {alert.id} has no acknowledge deadline to miss")
    level = alert.escalation_level + 1
    within = config.ack_within.get(alert.severity)
    escalated = dataclasses.replace(
        alert,
        state=AlertState.ESCALATED,
        escalation_level=level,
        # Counted from now, not from the missed deadline: a process back after an outage
        # escalates once, then gives the next tier its full period.
        ack_deadline=now + within if within is not None and level < MAX_ESCALATIONS else None,
        updated_at=now,
    )
    entry = _audit("escalated", TIMER, now, level=level, missed_deadline=alert.ack_deadline)
    return Transition(alert=escalated, audit=(entry,), announce=(Event.ESCALATED,))


def check_in(alert: Alert, source: CheckinSource, at: dt.datetime) -> Transition:
    if alert.state is not AlertState.CHECKING:
        raise LifecycleError(f"alert {alert.id} is not waiting for a check-in")
    return _resolved(alert, Outcome.PERSON_CHECKED_IN, PERSON, at, why=f"check-in by {source}")


def acknowledge(alert: Alert, *, by: str, note: str | None, now: dt.datetime) -> Transition:
    if alert.state not in (AlertState.CHECKING, AlertState.OPEN, AlertState.ESCALATED):
        raise LifecycleError(f"alert {alert.id} is {alert.state}: there is nothing to acknowledge")
    acknowledged = dataclasses.replace(
        alert,
        state=AlertState.ACKNOWLEDGED,
        acknowledged_at=now,
        acknowledged_by=by,
        checkin_until=None,
        ack_deadline=None,
        updated_at=now,
    )
    entry = _audit("acknowledged", by, now, note=note, from_state=alert.state)
    return Transition(alert=acknowledged, audit=(entry,))


def resolve(alert: Alert, outcome: Outcome, *, by: str, note: str | None, now: dt.datetime) -> Transition:
    if outcome not in RESPONDER_OUTCOMES:
        raise LifecycleError(f"{outcome} is recorded by the platform, not chosen by a responder")
    if alert.state not in UNRESOLVED_STATES:
        raise LifecycleError(f"alert {alert.id} is already resolved ({alert.outcome})")
    return _resolved(alert, outcome, by, now, note=note)


def _resolved(alert: Alert, outcome: Outcome, actor: str, now: dt.datetime, **why: object) -> Transition:
    resolved = dataclasses.replace(
        alert,
        state=AlertState.RESOLVED,
        outcome=outcome,
        resolved_at=now,
        resolved_by=actor,
        checkin_until=None,
        ack_deadline=None,
        updated_at=now,
    )
    entry = _audit("resolved", actor, now, outcome=outcome, from_state=alert.state, **why)
    return Transition(alert=resolved, audit=(entry,), announce=(Event.RESOLVED,))


def _audit(action: str, actor: str, at: dt.datetime, **detail: object) -> AuditEntry:
    return AuditEntry(action=action, actor=actor, at=at, detail=detail)
