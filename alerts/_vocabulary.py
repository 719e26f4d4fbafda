"""The words of alerting: severities, states, outcomes, audiences, and each kind's severity."""

import enum

from store import HEALTH_KINDS


class Severity(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    ROUTINE = "routine"


class AlertState(enum.StrEnum):
    CHECKING = "checking"  # held back while the person may say "I'm fine"; nobody told yet
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    ESCALATED = "escalated"
    RESOLVED = "resolved"


UNRESOLVED_STATES = frozenset(AlertState) - {AlertState.RESOLVED}


class Outcome(enum.StrEnum):
    FALSE_ALARM = "false_alarm"
    RESOLVED_BY_PHONE = "resolved_by_phone"
    RESPONDER_VISIT = "responder_visit"
    FAMILY_ATTENDED = "family_attended"
    EMERGENCY_SERVICES = "emergency_services"
    HOSPITAL_ADMISSION = "hospital_admission"
    OTHER = "other"
    # Recorded by the platform itself, never chosen by a responder:
    CONDITION_CLEARED = "condition_cleared"
    PERSON_CHECKED_IN = "person_checked_in"


RESPONDER_OUTCOMES = frozenset(Outcome) - {Outcome.CONDITION_CLEARED, Outcome.PERSON_CHECKED_IN}


class Audience(enum.StrEnum):
    FAMILY = "family"
    DUTY_TEAM = "duty_team"
    SUPERVISOR = "supervisor"
    DEVICE_TEAM = "device_team"


class Event(enum.StrEnum):
    """What a notification announces."""

    RAISED = "raised"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    DELIVERY_PROBLEM = "delivery_problem"
    DIGEST = "digest"  # a family contact's daily reassurance digest, about no one alert


class CheckinSource(enum.StrEnum):
    PENDANT = "pendant"
    WEB_LINK = "web_link"
    COMMAND_LINE = "command_line"


DEVICE_KINDS = frozenset(HEALTH_KINDS)

_URGENT_KINDS = frozenset({"alarm_pressed", "fall_detected", "inactivity", "smoke", "carbon_monoxide"})
_HIGH_KINDS = frozenset(
    {
        "not_up",
        "cold_home",
        "not_back_home",
        # Heat harms as cold does; a leak is a slip and a flood, not yet a person in danger.
        "hot_home",
        "water_leak",
        # A long bathroom stay may be a fall behind a closed door: someone rings at once,
        # though a phone call usually settles it.
        "bathroom_long",
        # The whole home is unwatched while its hub is down.
        "hub_offline",
    }
)
_ROUTINE_KINDS = frozenset(
    # The kettle not used by the usual time while the person is seen about is a change in
    # the day, not an emergency: "not up" covers the morning with no sign of them at all.
    {"routine_change", "expected_activity_missing"} | (DEVICE_KINDS - {"hub_offline"})
)


# Every kind a household's routing policy may name (a kind not listed here still routes by
# its severity).
KNOWN_KINDS = _URGENT_KINDS | _HIGH_KINDS | _ROUTINE_KINDS | {"night_exit"}
# Kinds that are, or can be, urgent: whoever they are routed to must include a team on duty.
MAY_BE_URGENT = _URGENT_KINDS | {"night_exit"}


def severity_of(kind: str, *, known_to_wander: bool, reported: Severity) -> Severity:
    """The alert's severity for a finding of this kind. A kind this table does not know yet
    keeps the severity detection gave it, so a new detector needs no change here."""
    if kind == "night_exit":
        return Severity.URGENT if known_to_wander else Severity.HIGH
    if kind in _URGENT_KINDS:
        return Severity.URGENT
    if kind in _HIGH_KINDS:
        return Severity.HIGH
    if kind in _ROUTINE_KINDS:
        return Severity.ROUTINE
    return reported
