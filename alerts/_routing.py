"""Who hears of an alert event, by which channel, and when: the household's policy, family
quiet hours and digests, the teams' channels. Pure: plain data in, planned messages out."""

import dataclasses
import datetime as dt
import uuid
import zoneinfo
from collections.abc import Mapping, Sequence

from alerts import _messages
from alerts._config import AlertConfig
from alerts._quiet_hours import quiet_until
from alerts._records import Alert, Contact, Household
from alerts._vocabulary import DEVICE_KINDS, Audience, Event, Severity
from devices import MonitoringState

# Urgent: the duty team at once and the family informed. High: the same, but a family's quiet
# hours are kept (the duty team is already acting). Routine: the family (in their digest, or
# outside quiet hours); device problems also go to the device team, who fix them.
DEFAULT_AUDIENCES: Mapping[Severity, frozenset[Audience]] = {
    Severity.URGENT: frozenset({Audience.DUTY_TEAM, Audience.FAMILY}),
    Severity.HIGH: frozenset({Audience.DUTY_TEAM, Audience.FAMILY}),
    Severity.ROUTINE: frozenset({Audience.FAMILY}),
}
# Any fixed value: keys are derived from it, so it must never change.
_KEY_NAMESPACE = uuid.UUID("6f1d7c52-3c7e-4c1a-9a51-2f0c3f7e8b11")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One message to one channel, for the outbox."""

    key: uuid.UUID
    event: Event
    audience: Audience
    contact_id: int | None
    channel: str
    message: _messages.Message
    deliver_after: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Told:
    """A channel that was sent (or is being sent) news of an alert."""

    audience: Audience
    contact_id: int | None
    channel: str


@dataclasses.dataclass(frozen=True, slots=True)
class RaisedPlan:
    deliveries: tuple[Delivery, ...]
    # Family contacts who take routine news in their daily digest instead.
    digest_contacts: tuple[int, ...]


def audiences_for(alert: Alert, household: Household) -> frozenset[Audience]:
    """The household's own route for this kind, else for this severity, else the default."""
    for applies_to in (alert.kind, alert.severity):
        if applies_to in household.routes:
            return household.routes[applies_to]
    default = DEFAULT_AUDIENCES[alert.severity]
    return default | {Audience.DEVICE_TEAM} if alert.kind in DEVICE_KINDS else default


def plan_raised(alert: Alert, household: Household, config: AlertConfig, now: dt.datetime) -> RaisedPlan:
    deliveries: list[Delivery] = []
    digest: list[int] = []
    for audience in sorted(audiences_for(alert, household)):
        message = _messages.raised(alert, household, audience, phone=config.duty_team_phone)
        if audience is not Audience.FAMILY:
            deliveries += _to_team(alert, Event.RAISED, audience, config.teams.of(audience), message, now)
            continue
        if not _family_hears_of(alert, household):
            continue
        for contact in household.contacts:
            if _routine_waits_for_digest(alert, contact):
                digest.append(contact.id)
            else:
                deliveries += _to_contact(alert, Event.RAISED, contact, household, message, now)
    return RaisedPlan(deliveries=tuple(deliveries), digest_contacts=tuple(digest))


def plan_escalated(
    alert: Alert, household: Household, config: AlertConfig, now: dt.datetime
) -> list[Delivery]:
    """The supervisor is the next tier; the duty team is told it has gone there."""
    message = _messages.escalated(alert, household)
    return [
        delivery
        for audience in (Audience.SUPERVISOR, Audience.DUTY_TEAM)
        for delivery in _to_team(alert, Event.ESCALATED, audience, config.teams.of(audience), message, now)
    ]


def plan_resolved(
    alert: Alert, household: Household, told: Sequence[Told], now: dt.datetime
) -> list[Delivery]:
    """Whoever heard of the alert hears how it ended; nobody else does."""
    contacts = {contact.id: contact for contact in household.contacts}
    deliveries: list[Delivery] = []
    for channel in told:
        message = _messages.resolved(alert, household, channel.audience)
        contact = contacts.get(channel.contact_id) if channel.contact_id is not None else None
        if channel.audience is not Audience.FAMILY:
            deliveries += _to_team(alert, Event.RESOLVED, channel.audience, (channel.channel,), message, now)
        elif contact is not None and channel.channel in contact.channels:
            deliveries += _to_contact(
                alert, Event.RESOLVED, contact, household, message, now, (channel.channel,)
            )
    return deliveries


def plan_digest(
    contact: Contact, household: Household, day: dt.date, message: _messages.Message, now: dt.datetime
) -> list[Delivery]:
    """A contact's digest for one local day, to each of their channels, held past their quiet
    hours. Keys are derived from the contact and the day: one digest a day, whoever plans it."""
    zone = zoneinfo.ZoneInfo(household.timezone)
    after = quiet_until(now, zone, contact.quiet_from, contact.quiet_until) or now
    return [
        Delivery(
            key=uuid.uuid5(_KEY_NAMESPACE, f"digest/{contact.id}/{day.isoformat()}/{channel}"),
            event=Event.DIGEST,
            audience=Audience.FAMILY,
            contact_id=contact.id,
            channel=channel,
            message=message,
            deliver_after=after,
        )
        for channel in contact.channels
    ]


def plan_delivery_problem(
    about: Alert | dt.date,
    household: Household,
    config: AlertConfig,
    *,
    notification_id: int,
    failed: Told,
    unreachable_for: dt.timedelta,
    now: dt.datetime,
) -> list[Delivery]:
    """Tell the duty team a contact cannot be reached about an alert (or about the digest of a
    day); if the duty team itself cannot be reached, tell the supervisor."""
    if failed.audience is Audience.FAMILY:
        names = {
            c.id: f"{c.name} ({c.relationship})" if c.relationship else c.name for c in household.contacts
        }
        recipient = names.get(failed.contact_id or 0, "a family contact")
    else:
        recipient = f"the {failed.audience.replace('_', ' ')}"
    to = Audience.SUPERVISOR if failed.audience is Audience.DUTY_TEAM else Audience.DUTY_TEAM
    scheme = failed.channel.split("://", 1)[0]
    message = _messages.delivery_problem(
        about, household, recipient=recipient, scheme=scheme, unreachable_for=unreachable_for
    )
    return [
        Delivery(
            key=uuid.uuid5(_KEY_NAMESPACE, f"problem/{notification_id}/{to}/{channel}"),
            event=Event.DELIVERY_PROBLEM,
            audience=to,
            contact_id=None,
            channel=channel,
            message=message,
            deliver_after=now,
        )
        for channel in config.teams.of(to)
    ]


def _routine_waits_for_digest(alert: Alert, contact: Contact) -> bool:
    return alert.severity is Severity.ROUTINE and contact.digest_at is not None


def _family_hears_of(alert: Alert, household: Household) -> bool:
    # Away or paused: routine news is held back (the person said so); anything else is not.
    return alert.severity is not Severity.ROUTINE or household.monitoring_state is MonitoringState.ACTIVE


def _to_team(
    alert: Alert,
    event: Event,
    audience: Audience,
    channels: Sequence[str],
    message: _messages.Message,
    now: dt.datetime,
) -> list[Delivery]:
    # Teams are staffed around the clock: no quiet hours.
    return [_delivery(alert, event, audience, None, channel, message, now) for channel in channels]


def _to_contact(
    alert: Alert,
    event: Event,
    contact: Contact,
    household: Household,
    message: _messages.Message,
    now: dt.datetime,
    channels: Sequence[str] | None = None,
) -> list[Delivery]:
    after = now
    if alert.severity is not Severity.URGENT:
        zone = zoneinfo.ZoneInfo(household.timezone)
        after = quiet_until(now, zone, contact.quiet_from, contact.quiet_until) or now
    return [
        _delivery(alert, event, Audience.FAMILY, contact.id, channel, message, after)
        for channel in (contact.channels if channels is None else channels)
    ]


def _delivery(
    alert: Alert,
    event: Event,
    audience: Audience,
    contact_id: int | None,
    channel: str,
    message: _messages.Message,
    after: dt.datetime,
) -> Delivery:
    # Derived, not random: planning the same event twice yields the same keys, and the outbox
    # keeps one row per key.
    round_ = alert.escalation_level if event is Event.ESCALATED else 0
    key = uuid.uuid5(_KEY_NAMESPACE, f"{alert.id}/{event}/{round_}/{audience}/{contact_id}/{channel}")
    return Delivery(
        key=key,
        event=event,
        audience=audience,
        contact_id=contact_id,
        channel=channel,
        message=message,
        deliver_after=after,
    )
