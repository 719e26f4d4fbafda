"""The incident spec: a small YAML list of incidents to inject into a simulated population.

    - kind: collapse          # any kind of truth.jsonl
      household: h-0003       # or `persona: dementia` (every household of that persona)
      day: 20                 # day of the scenario, 0 = its first day
      time: "10:30"           # local time that day; omitted: typical of the kind
      hours: 4                # how long; omitted: typical of the kind
    - kind: battery_dead
      persona: frail
      day: 16
      device: bed-mat         # omitted: one of the battery devices at random

For missed_wakeup and lie_in the time is the person's own (their usual latest rising, their
rising that day) and `time` is refused; for decline, `hours` is how long it takes to reach
its full effect.
"""

from __future__ import annotations

from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulator._draws import Draws
from simulator._home import BATTERY_DEVICES, KIT
from simulator._personas import PersonaName
from simulator._plans import IncidentPlan, draw_plan
from simulator._truth import IncidentKind

_BATTERY_DEVICE_IDS = tuple(KIT[n].id for n in BATTERY_DEVICES)
_OWN_TIME = frozenset({IncidentKind.MISSED_WAKEUP, IncidentKind.LIE_IN, IncidentKind.DECLINE})


class IncidentSpecError(ValueError):
    """The spec cannot be used; the message says which entry and why."""


class SpecEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: IncidentKind
    household: str | None = None
    persona: PersonaName | None = None
    day: int = Field(ge=0)
    time: float | None = Field(default=None, ge=0, lt=24, description="local hours after midnight")
    hours: float | None = Field(default=None, gt=0)
    device: str | None = None

    @field_validator("time", mode="before")
    @classmethod
    def _clock_time(cls, value: object) -> object:
        if isinstance(value, str) and ":" in value:
            hours, _, minutes = value.partition(":")
            try:
                return int(hours) + int(minutes) / 60
            except ValueError:
                raise ValueError(f"time must look like 10:30, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if (self.household is None) == (self.persona is None):
            raise ValueError("give either household or persona")
        if self.device is not None and self.kind is not IncidentKind.BATTERY_DEAD:
            raise ValueError("device is only for battery_dead")
        if self.device is not None and self.device not in _BATTERY_DEVICE_IDS:
            raise ValueError(f"device must be a battery device: {', '.join(_BATTERY_DEVICE_IDS)}")
        if self.time is not None and self.kind in _OWN_TIME:
            raise ValueError(f"{self.kind} happens at the person's own time: leave out time")
        return self

    def applies_to(self, household: str, persona: PersonaName) -> bool:
        return self.household == household or self.persona == persona


class _SpecLoader(yaml.SafeLoader):
    """YAML 1.1 reads an unquoted 00:10 as the base-60 integer 10; here integers stay text
    (the model turns "20" into 20 where a number is due), so a clock time means what it says."""


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_incident_spec(text: str) -> list[SpecEntry]:
    try:
        entries = yaml.load(text, Loader=_SpecLoader)  # noqa: S506 - a SafeLoader with one resolver less
    except yaml.YAMLError as exc:
        raise IncidentSpecError(f"not valid YAML: {exc}") from exc
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise IncidentSpecError("the spec must be a YAML list of incidents")
    parsed = []
    for number, entry in enumerate(entries, start=1):
        try:
            parsed.append(SpecEntry.model_validate(entry))
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise IncidentSpecError(f"incident {number}: {reasons}") from exc
    return parsed


def check_against(entries: list[SpecEntry], households: list[str], days: int) -> None:
    """Refuse entries naming a household or a day the scenario does not have."""
    for number, entry in enumerate(entries, start=1):
        if entry.household is not None and entry.household not in households:
            raise IncidentSpecError(f"incident {number}: no household {entry.household} in this scenario")
        if entry.day >= days:
            raise IncidentSpecError(f"incident {number}: day {entry.day} is past the {days} simulated days")


def plans_for(
    entries: list[SpecEntry], household: str, persona: PersonaName, draws: Draws
) -> list[IncidentPlan]:
    """The spec's incidents for one household, what the spec leaves open drawn as for random ones."""
    plans = []
    for entry in entries:
        if entry.applies_to(household, persona):
            typical = draw_plan(entry.kind, entry.day, draws)
            plans.append(
                IncidentPlan(
                    kind=entry.kind,
                    day=entry.day,
                    time=entry.time if entry.time is not None else typical.time,
                    hours=entry.hours if entry.hours is not None else typical.hours,
                    device=entry.device if entry.device is not None else typical.device,
                )
            )
    return plans
