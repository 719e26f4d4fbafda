"""The JSON API's shapes (named by role: `...Public` goes out, `...Request` comes in), and the
conversions from the console's records."""

import datetime as dt
from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from alerts import RESPONDER_OUTCOMES, Alert, AlertState, AuditRecord, Outcome, Severity
from web._accounts import Role, User
from web._alert_actions import NOTE_MAX_LENGTH
from web._alert_detail import AlertDetail
from web._queue import QueueItem


def _responder_outcome(outcome: Outcome) -> Outcome:
    if outcome not in RESPONDER_OUTCOMES:
        raise ValueError(f"{outcome} is recorded by the platform, not chosen by a responder")
    return outcome


# The schema names exactly the outcomes a responder may choose: clients (and schemathesis) learn
# from the description that the platform's own outcomes are not theirs to send.
ResponderOutcome = Annotated[
    Outcome,
    AfterValidator(_responder_outcome),
    WithJsonSchema(
        {
            "title": "ResponderOutcome",
            "type": "string",
            "enum": sorted(str(outcome) for outcome in RESPONDER_OUTCOMES),
            "description": "How the alert ended, as the responder found it.",
        }
    ),
]
# PostgreSQL text cannot hold NUL; refused here as bad input rather than failing in the store.
WITHOUT_NUL = r"^[^\x00]*$"
Note = Annotated[str, Field(min_length=1, max_length=NOTE_MAX_LENGTH, pattern=WITHOUT_NUL)]
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The alert's id.")]


class MePublic(BaseModel):
    username: str
    display_name: str
    role: Role


class AlertPublic(BaseModel):
    id: int
    household: str
    kind: str
    severity: Severity
    state: AlertState
    message: str
    created_at: dt.datetime
    raised_at: dt.datetime | None
    ack_deadline: dt.datetime | None
    acknowledged_by: str | None
    escalation_level: int
    occurrences: int


class QueueItemPublic(AlertPublic):
    teams: list[str]


class AlertStatePublic(AlertPublic):
    onset: dt.datetime
    evidence: dict[str, object]
    resolved_at: dt.datetime | None
    resolved_by: str | None
    outcome: Outcome | None


class HouseholdPublic(BaseModel):
    id: str
    display_name: str | None
    timezone: str
    address_area: str | None
    monitoring_state: str
    away_until: dt.datetime | None
    known_to_wander: bool


class ContactPublic(BaseModel):
    name: str
    relationship: str | None
    channel_kinds: list[str]
    quiet_hours: str | None


class HistoryEntryPublic(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    detail: dict[str, object]


class EarlierAlertPublic(BaseModel):
    id: int
    kind: str
    created_at: dt.datetime
    outcome: str | None


class MarkPublic(BaseModel):
    at: dt.datetime
    what: str


class RoomReadingsPublic(BaseModel):
    room: str
    marks: list[MarkPublic]


class ActivityPublic(BaseModel):
    days: list[dt.date]
    hourly_counts: list[list[int]] = Field(
        description="Per day (oldest first), 24 counts of signs of the person."
    )
    usual_share: list[float] = Field(
        description="Per hour, the share of earlier days with any activity in it."
    )
    summary: str
    differences: list[str]


class AlertDetailPublic(BaseModel):
    alert: AlertStatePublic
    household: HouseholdPublic
    contacts: list[ContactPublic]
    notes: list[HistoryEntryPublic]
    history: list[HistoryEntryPublic]
    earlier_alerts: list[EarlierAlertPublic]
    readings_24h: list[RoomReadingsPublic]
    activity: ActivityPublic


class AcknowledgeRequest(BaseModel):
    note: Note | None = None


class EscalateRequest(BaseModel):
    note: Note | None = None


class NoteRequest(BaseModel):
    text: Note


class ResolveRequest(BaseModel):
    outcome: ResponderOutcome
    note: Note | None = None


def me_public(user: User) -> MePublic:
    return MePublic(username=user.username, display_name=user.display_name, role=user.role)


def queue_item_public(item: QueueItem) -> QueueItemPublic:
    return QueueItemPublic(
        id=item.id, household=item.household, kind=item.kind, severity=item.severity, state=item.state,
        message=item.message, created_at=item.created_at, raised_at=item.raised_at,
        ack_deadline=item.ack_deadline, acknowledged_by=item.acknowledged_by,
        escalation_level=item.escalation_level, occurrences=item.occurrences, teams=list(item.teams),
    )  # fmt: skip


def alert_state_public(alert: Alert) -> AlertStatePublic:
    assert alert.id is not None
    return AlertStatePublic(
        id=alert.id, household=alert.household, kind=alert.kind, severity=alert.severity, state=alert.state,
        message=alert.message, created_at=alert.created_at, raised_at=alert.raised_at,
        ack_deadline=alert.ack_deadline, acknowledged_by=alert.acknowledged_by,
        escalation_level=alert.escalation_level, occurrences=alert.occurrences, onset=alert.onset,
        evidence=dict(alert.evidence), resolved_at=alert.resolved_at, resolved_by=alert.resolved_by,
        outcome=alert.outcome,
    )  # fmt: skip


def _entry(record: AuditRecord) -> HistoryEntryPublic:
    return HistoryEntryPublic(
        at=record.at, actor=record.actor, action=record.action, detail=dict(record.detail)
    )


def alert_detail_public(detail: AlertDetail) -> AlertDetailPublic:
    household = detail.household
    return AlertDetailPublic(
        alert=alert_state_public(detail.history.alert),
        household=HouseholdPublic(
            id=household.id,
            display_name=household.display_name,
            timezone=household.timezone,
            address_area=household.address_area,
            monitoring_state=household.monitoring_state,
            away_until=household.away_until,
            known_to_wander=household.known_to_wander,
        ),
        contacts=[
            ContactPublic(
                name=c.name,
                relationship=c.relationship,
                channel_kinds=list(c.channel_kinds),
                quiet_hours=c.quiet_hours,
            )
            for c in detail.contacts
        ],
        notes=[_entry(record) for record in detail.notes],
        history=[_entry(record) for record in detail.history.audit],
        earlier_alerts=[
            EarlierAlertPublic(id=e.id, kind=e.kind, created_at=e.created_at, outcome=e.outcome)
            for e in detail.earlier
        ],
        readings_24h=[
            RoomReadingsPublic(room=line.room, marks=[MarkPublic(at=m.at, what=m.what) for m in line.marks])
            for line in detail.readings.rooms
        ],
        activity=ActivityPublic(
            days=list(detail.activity.days),
            hourly_counts=[list(day) for day in detail.activity.counts],
            usual_share=list(detail.activity.usual_share),
            summary=detail.activity.summary(),
            differences=[d.describe() for d in detail.activity.differences],
        ),
    )
