"""A simulated population: households with the standard kit, personas in turn, each generated
from the scenario seed and its own number, gathered into one scenario."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator

import numpy as np

from simulator._climate import Weather, weather
from simulator._clock import DAY, OffsetTable
from simulator._home import CHANNEL_DEVICE, CHANNELS, KIT, kit_registry
from simulator._household import HouseholdDays, Span, simulate_household
from simulator._personas import Persona, persona_of
from simulator._scenario import SENSOR_KINDS, ReadingTable, Scenario
from simulator._spec import SpecEntry, check_against
from simulator._truth import Incident

# A Monday in winter: the heating matters and cold homes can happen; fixed so that the same
# seed gives the same scenario whenever it is run.
DEFAULT_FIRST_DAY = dt.date(2026, 1, 5)
DEFAULT_TIMEZONE = "Europe/London"

_CHANNEL_SENSOR = np.array([SENSOR_KINDS.index(sensor) for _, sensor in CHANNELS], dtype=np.int8)
_CHANNEL_DEVICE = np.array(CHANNEL_DEVICE, dtype=np.int32)


def household_ids(households: int) -> list[str]:
    return [f"h-{n:04d}" for n in range(1, households + 1)]


def simulate_population(
    *,
    households: int,
    days: int,
    seed: int,
    first_day: dt.date = DEFAULT_FIRST_DAY,
    timezone: str = DEFAULT_TIMEZONE,
    incident_rate: float = 0.0,
    spec: list[SpecEntry] | None = None,
) -> Scenario:
    """`households` homes (h-0001, ...) over `days` local days from `first_day`, as a scenario."""
    return simulate_households(
        household_ids(households),
        days=days,
        seed=seed,
        first_day=first_day,
        timezone=timezone,
        incident_rate=incident_rate,
        spec=spec,
    )


def simulate_households(
    ids: list[str],
    *,
    days: int,
    seed: int,
    first_day: dt.date = DEFAULT_FIRST_DAY,
    timezone: str = DEFAULT_TIMEZONE,
    incident_rate: float = 0.0,
    spec: list[SpecEntry] | None = None,
) -> Scenario:
    """Households with these ids, personas in turn, as a scenario."""
    check_against(spec or [], ids, days)
    results = list(_simulated(ids, days, seed, first_day, timezone, incident_rate, spec or []))
    return Scenario(
        registry=kit_registry(ids, timezone),
        readings=_reading_table(ids, [days_ for _, days_ in results]),
        truth=tuple(_incidents(ids, results, timezone)),
    )


def _simulated(
    ids: list[str],
    days: int,
    seed: int,
    first_day: dt.date,
    timezone: str,
    incident_rate: float,
    spec: list[SpecEntry],
) -> Iterator[tuple[Persona, HouseholdDays]]:
    span, outside = scenario_span(first_day, days, timezone, seed)
    for index, household in enumerate(ids):
        persona = persona_of(index)
        yield (
            persona,
            simulate_household(
                index, household, persona, span, outside, spec=spec, incident_rate=incident_rate
            ),
        )


def scenario_span(first_day: dt.date, days: int, timezone: str, seed: int) -> tuple[Span, Weather]:
    """The span's local calendar and its weather, shared by every household."""
    rough_start = (first_day - dt.date(1970, 1, 1)).days * DAY
    table = OffsetTable.build(timezone, rough_start - DAY, rough_start + (days + 1) * DAY)
    span = Span(first_day, days, table, seed)
    return span, weather(seed, table, first_day, span.start, span.end)


def _reading_table(ids: list[str], results: list[HouseholdDays]) -> ReadingTable:
    ts = np.concatenate([r.events.ts for r in results])
    channel = np.concatenate([r.events.channel for r in results])
    household = np.repeat(np.arange(len(results), dtype=np.int32), [len(r.events) for r in results])
    order = np.argsort(ts, kind="stable")
    return ReadingTable(
        ts=ts[order].astype(np.float64),
        household=household[order],
        device=_CHANNEL_DEVICE[channel[order]],
        sensor=_CHANNEL_SENSOR[channel[order]],
        value=np.concatenate([r.events.value for r in results])[order],
        households=tuple(ids),
        devices=tuple(device.id for device in KIT),
    )


def _incidents(
    ids: list[str], results: list[tuple[Persona, HouseholdDays]], timezone: str
) -> Iterator[Incident]:
    tz = zoneinfo.ZoneInfo(timezone)
    for household, (_, days) in zip(ids, results, strict=True):
        for h in days.truth:
            yield Incident(
                household=household,
                kind=h.kind,
                start=dt.datetime.fromtimestamp(h.start, tz),
                end=dt.datetime.fromtimestamp(h.end, tz),
                device=h.device,
            )
