"""Plain records the decisions work on: an alert, the finding behind it, the household it concerns."""

import dataclasses
import datetime as dt
from collections.abc import Mapping

from alerts._vocabulary import AlertState, Audience, Outcome, Severity
from devices import MonitoringState


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FindingState:
    """A finding as it stands now (one episode of a condition)."""

    id: int
    household: str
    condition_key: str
    kind: str
    severity: Severity
    device: str | None
    onset: dt.datetime
    cleared_at: dt.datetime | None
    message: str
    evidence: Mapping[str, object]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    id: int | None  # None until stored
    household: str
    condition_key: str
    kind: str
    severity: Severity
    state: AlertState
    device: str | None
    onset: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    message: str
    evidence: Mapping[str, object]
    last_finding_id: int
    occurrences: int = 1
    raised_at: dt.datetime | None = None
    checkin_until: dt.datetime | None = None
    ack_deadline: dt.datetime | None = None
    escalation_level: int = 0
    acknowledged_at: dt.datetime | None = None
    acknowledged_by: str | None = None
    condition_cleared_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    outcome: Outcome | None = None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    id: int
    name: str
    relationship: str | None
    channels: tuple[str, ...]
    quiet_from: dt.time | None
    quiet_until: dt.time | None
    digest_at: dt.time | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Household:
    """What routing needs to know about a home: its clock, its people, its policy."""

    id: str
    timezone: str
    display_name: str | None
    monitoring_state: MonitoringState
    known_to_wander: bool
    checkin_window: dt.timedelta | None
    contacts: tuple[Contact, ...]
    # Overrides of the default audiences, keyed by finding kind or severity.
    routes: Mapping[str, frozenset[Audience]]
