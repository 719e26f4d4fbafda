"""What each message says: short, plain and kind. What happened, when (the home's own clock),
what the team is doing, how to reach them. Families get words; teams also get ids to act on."""

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Sequence

from alerts._lifecycle import MAX_ESCALATIONS
from alerts._records import Alert, Household
from alerts._vocabulary import DEVICE_KINDS, AlertState, Audience, Outcome, Severity

_WHAT = {
    "alarm_pressed": "The pendant alarm was pressed",
    "fall_detected": "A fall was detected",
    "inactivity": "No movement for longer than usual",
    "smoke": "Smoke was detected",
    "carbon_monoxide": "Carbon monoxide was detected",
    "water_leak": "A water leak was detected",
    "night_exit": "An outside door opened during the night",
    "not_up": "No sign of getting up by the usual time",
    "not_back_home": "Not back home at the usual time",
    "bathroom_long": "A longer stay in the bathroom than usual",
    "cold_home": "The home is cold",
    "hot_home": "The home is very warm",
    "expected_activity_missing": "An everyday activity has not happened by its usual time",
    "routine_change": "A change in the daily routine",
    "hub_offline": "The home's hub is offline",
    "device_offline": "A sensor has stopped reporting",
    "battery_low": "A sensor's battery is low",
    "sensor_silent": "A sensor has stopped noticing movement",
}

_FAMILY_OUTCOME = {
    Outcome.FALSE_ALARM: "it was a false alarm and all is well",
    Outcome.RESOLVED_BY_PHONE: "the duty team spoke to {name} by phone and it is settled",
    Outcome.RESPONDER_VISIT: "a responder visited {name}",
    Outcome.FAMILY_ATTENDED: "family attended",
    Outcome.EMERGENCY_SERVICES: "emergency services were called; the duty team will keep you informed",
    Outcome.HOSPITAL_ADMISSION: "{name} was taken into hospital; the duty team will be in touch",
    Outcome.OTHER: "the duty team has dealt with it",
    Outcome.CONDITION_CLEARED: "it has cleared on its own",
    Outcome.PERSON_CHECKED_IN: "{name} let us know they are fine",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Message:
    title: str
    body: str


def what_happened(kind: str) -> str:
    return _WHAT.get(kind, kind.replace("_", " ").capitalize())


def raised(alert: Alert, household: Household, audience: Audience, *, phone: str | None) -> Message:
    what = what_happened(alert.kind)
    when = _local(alert.onset, household)
    if audience is Audience.FAMILY:
        body = f"{what} at {when}. {alert.message} {_family_plan(alert, household)}{_reach(phone)}"
        return Message(title=f"{what} ({_name(household)})", body=body)
    deadline = ""
    if alert.ack_deadline is not None:
        deadline = f" Acknowledge by {_local(alert.ack_deadline, household, seconds=True)}."
    title = f"{alert.severity.upper()}: {what} ({household.id})"
    body = f"{what} at {when}, household {_team_name(household)}. {alert.message} Alert {alert.id}.{deadline}"
    return Message(title=title, body=body)


def escalated(alert: Alert, household: Household) -> Message:
    what = what_happened(alert.kind)
    body = (
        f"Alert {alert.id} ({alert.severity}, household {_team_name(household)}) was not acknowledged in "
        f"time and is now with the supervisor (escalation {alert.escalation_level} of {MAX_ESCALATIONS}). "
        f"{what} at {_local(alert.onset, household)}. {alert.message}"
    )
    return Message(title=f"ESCALATED: {what} ({household.id})", body=body)


def resolved(alert: Alert, household: Household, audience: Audience) -> Message:
    what = what_happened(alert.kind)
    when = _local(alert.onset, household)
    outcome = alert.outcome or Outcome.OTHER
    if audience is Audience.FAMILY:
        closing = _FAMILY_OUTCOME[outcome].format(name=_name(household))
        return Message(title=f"Update: {what} ({_name(household)})", body=f"{what} at {when}: {closing}.")
    at = _local(alert.resolved_at or alert.updated_at, household)
    body = (
        f"Alert {alert.id} (household {_team_name(household)}, {what} at {when}) resolved at {at}: {outcome}."
    )
    return Message(title=f"Resolved: {what} ({household.id})", body=body)


def delivery_problem(
    about: Alert | dt.date,
    household: Household,
    *,
    recipient: str,
    scheme: str,
    unreachable_for: dt.timedelta,
) -> Message:
    """`about` is the alert the message was for, or the day of the digest it was."""
    minutes = max(1, round(unreachable_for.total_seconds() / 60))
    if isinstance(about, Alert):
        subject = f"alert {about.id} ({what_happened(about.kind)}, household {_team_name(household)})"
    else:
        subject = f"the daily digest of {_day(about)} (household {_team_name(household)})"
    body = (
        f"We have not been able to reach {recipient} by {scheme} for {minutes} min about {subject}. "
        "Please reach them another way."
    )
    return Message(title=f"Could not reach {recipient} ({household.id})", body=body)


def digest(
    household: Household,
    day: dt.date,
    status: str,
    *,
    today: Sequence[Alert],
    queued: Sequence[Alert],
    phone: str | None,
) -> Message:
    """A family carer's daily digest: the day in one sentence, then the day's alerts and what
    was done, then the routine news held for it. Sent even when there is nothing more to say:
    "nothing happened" is the reassurance."""
    lines = [status]
    lines += [
        f"{what_happened(a.kind)} at {_clock(a.onset, household)}: {_progress(a, household)}." for a in today
    ]
    if not today:
        lines.append("No alerts today.")
    if queued:
        lines.append("For your information:")
        lines += [
            f"- {what_happened(a.kind)} (noticed at {_local(a.onset, household)}): {_progress(a, household)}."
            for a in queued
        ]
    if phone:
        lines.append(f"You can reach the duty team on {phone}.")
    return Message(title=f"Daily update: {_name(household)}, {_day(day)}", body="\n".join(lines))


def _progress(alert: Alert, household: Household) -> str:
    """Where an alert stands, in a family carer's words."""
    if alert.state is AlertState.RESOLVED:
        return _FAMILY_OUTCOME[alert.outcome or Outcome.OTHER].format(name=_name(household))
    if alert.state is AlertState.ACKNOWLEDGED:
        return "the duty team is dealing with it"
    if alert.kind in DEVICE_KINDS:
        return "our device team will see to it; there is nothing you need to do"
    if alert.severity is Severity.ROUTINE:
        return "there is nothing you need to do"
    return "the duty team has been alerted"


def _family_plan(alert: Alert, household: Household) -> str:
    name = _name(household)
    if alert.severity is Severity.URGENT:
        return f"The duty team has been alerted and is contacting {name} now."
    if alert.severity is Severity.HIGH:
        return f"The duty team has been told and will check on {name}."
    if alert.kind in DEVICE_KINDS:
        return "Our device team will see to it; there is nothing you need to do."
    return "There is nothing you need to do; we will tell you if anything changes."


def _reach(phone: str | None) -> str:
    return f" You can reach the duty team on {phone}." if phone else ""


def _name(household: Household) -> str:
    return household.display_name or "the person you care for"


def _team_name(household: Household) -> str:
    return f"{household.id} ({household.display_name})" if household.display_name else household.id


def _clock(instant: dt.datetime, household: Household) -> str:
    return f"{instant.astimezone(zoneinfo.ZoneInfo(household.timezone)):%H:%M}"


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _local(instant: dt.datetime, household: Household, *, seconds: bool = False) -> str:
    local = instant.astimezone(zoneinfo.ZoneInfo(household.timezone))
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{clock} on {local:%a} {local.day} {local:%b}"
