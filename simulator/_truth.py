"""Ground truth: the kinds of incident (and of non-incident) and the record of one, as a line
of `truth.jsonl`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json


class IncidentKind(enum.StrEnum):
    COLLAPSE = "collapse"
    MISSED_WAKEUP = "missed_wakeup"
    NIGHT_EXIT = "night_exit"
    BATHROOM_LONG = "bathroom_long"
    DECLINE = "decline"
    COLD_HOME = "cold_home"
    HUB_OFFLINE = "hub_offline"
    BATTERY_DEAD = "battery_dead"
    # Non-incidents: recorded so that evaluation can show a detector stayed quiet.
    AWAY = "away"
    VISITORS = "visitors"
    LIE_IN = "lie_in"


NON_INCIDENTS = frozenset({IncidentKind.AWAY, IncidentKind.VISITORS, IncidentKind.LIE_IN})


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    """One incident in one household from `start` to `end` (aware datetimes). `device` names
    the device concerned, for kinds about one device (battery_dead)."""

    household: str
    kind: IncidentKind
    start: dt.datetime
    end: dt.datetime
    device: str | None = None

    def to_json(self) -> str:
        record: dict[str, str] = {
            "household": self.household,
            "kind": str(self.kind),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.device is not None:
            record["device"] = self.device
        return json.dumps(record)

    @classmethod
    def from_json(cls, line: str) -> Incident:
        record = json.loads(line)
        start, end = dt.datetime.fromisoformat(record["start"]), dt.datetime.fromisoformat(record["end"])
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError(f"incident times need a UTC offset: {line.strip()}")
        return cls(
            household=record["household"],
            kind=IncidentKind(record["kind"]),
            start=start,
            end=end,
            device=record.get("device"),
        )
