"""One simulated household from its seed: routine, incidents, sensors, faults and transport,
giving its readings and its ground truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import numpy as np

from devices import SensorKind
from simulator._batteries import battery_events
from simulator._climate import Weather, temperature_events
from simulator._clock import HOUR, MINUTE, OffsetTable, wall_midnights
from simulator._draws import Draws
from simulator._events import Events
from simulator._home import CHANNEL_DEVICE, CHANNELS, DEVICE_INDEX, THERMOMETERS
from simulator._incidents import Happening, decline_factor, inject
from simulator._personas import Persona
from simulator._plans import OutdoorMean, random_plans
from simulator._routine import daily_rhythm, routine
from simulator._sensors import activity_events
from simulator._spec import SpecEntry, plans_for
from simulator._timeline import Timeline
from simulator._truth import IncidentKind

log = logging.getLogger(__name__)

# Transport imperfections: a Zigbee/Wi-Fi message is occasionally lost or delivered twice,
# and a hub's clock is a few seconds out.
LOSS = 0.002
DUPLICATION = 0.001
MAX_SKEW_S = 15
# Messages are never lost this close to an incident's start or end, so that the ground
# truth's defining readings (a door opening, the last movement) are always there.
PROTECTED_S = 10 * MINUTE
COLD = 16.0  # °C: below this a home is cold (the threshold)
# A cold home counts as warm again once a reading is back at 16 °C; look this far past the
# repair for it.
RECOVERY_S = 24 * HOUR

_STATE_CHANNELS = np.array([sensor in (SensorKind.CONTACT, SensorKind.OCCUPANCY) for _, sensor in CHANNELS])
_THERMOMETER_CHANNELS = np.array(sorted(THERMOMETERS.values()))


@dataclasses.dataclass(frozen=True, slots=True)
class Span:
    """The simulated days: `days` local days from `first_day`, in one timezone."""

    first_day: dt.date
    days: int
    table: OffsetTable
    seed: int

    @property
    def start(self) -> int:
        return int(self.table.to_utc(wall_midnights(self.first_day, 1))[0])

    @property
    def end(self) -> int:
        return int(self.table.to_utc(wall_midnights(self.first_day + dt.timedelta(days=self.days), 1))[0])

    def at(self, day: int, hours: float) -> int:
        """Local hours after midnight of day `day` -> UTC epoch seconds."""
        wall = wall_midnights(self.first_day + dt.timedelta(days=day), 1) + round(hours * HOUR)
        return int(self.table.to_utc(wall)[0])


@dataclasses.dataclass(frozen=True, slots=True)
class HouseholdDays:
    events: Events  # in time order, as the hub stamped them
    truth: list[Happening]  # on the hub's clock, like the readings


def simulate_household(
    index: int,
    household: str,
    persona: Persona,
    span: Span,
    outside: Weather,
    *,
    spec: list[SpecEntry],
    incident_rate: float,
) -> HouseholdDays:
    """Household number `index` of a scenario; the same seed, index and span give the same days."""
    rng = np.random.default_rng([span.seed, index])
    draws = Draws(rng)
    weekday = span.first_day.weekday()
    plans = sorted(
        plans_for(spec, household, persona.name, draws)
        + random_plans(incident_rate, span.days, draws, _outdoor_mean(outside, span), weekday),
        key=lambda p: (p.day, p.time or 0.0),
    )
    rhythm = daily_rhythm(persona, span.first_day, span.days, decline_factor(plans, span.days), rng)
    days = inject(
        plans,
        routine(persona, rhythm, span.first_day, span.table, draws),
        persona=persona,
        rhythm=rhythm,
        at=span.at,
        span_end=span.end,
        draws=draws,
    )
    guests = Timeline.of(sorted(days.guests, key=lambda e: e.start))
    events = Events.concat(
        [
            activity_events(
                days.person, guests, movement=persona.movement, kettle_watts=rng.uniform(2000, 3000), rng=rng
            ),
            temperature_events(
                outside,
                rhythm,
                days.person,
                span.table,
                span.first_day,
                heating_day=persona.heating_day,
                failures=days.heating_failures,
                rng=rng,
            ),
            battery_events(span.start, span.end, days.dead_batteries, rng),
        ]
    ).in_order()
    events = _states_only(events)
    events = _silence(events, days.hub_outages, days.dead_batteries)
    truth = days.happenings + _cold_spells(events, days.heating_failures, span.end)
    events = _transport(events, truth, rng)
    skew = int(rng.integers(-MAX_SKEW_S, MAX_SKEW_S + 1))
    inside = (events.ts + skew >= span.start) & (events.ts + skew < span.end)
    events = Events(events.ts[inside] + skew, events.channel[inside], events.value[inside])
    truth = [dataclasses.replace(h, start=h.start + skew, end=h.end + skew) for h in truth]
    return HouseholdDays(events=events, truth=sorted(truth, key=lambda h: (h.start, h.kind)))


def _outdoor_mean(outside: Weather, span: Span) -> OutdoorMean:
    def mean(start_hour: float, end_hour: float) -> float:
        return outside.mean(span.start + round(start_hour * HOUR), span.start + round(end_hour * HOUR))

    return mean


def _states_only(events: Events) -> Events:
    """Doors and mats report changes of state: an "open" while already open is not sent."""
    state = _STATE_CHANNELS[events.channel]
    order = np.lexsort((events.ts, events.channel))
    channel, value = events.channel[order], events.value[order]
    repeated = np.concatenate([[False], (channel[1:] == channel[:-1]) & (value[1:] == value[:-1])])
    drop = np.zeros(len(events), dtype=bool)
    drop[order] = repeated & state[order]
    return events.where(~drop)


def _silence(events: Events, outages: list[tuple[int, int]], dead: list[tuple[str, int, int]]) -> Events:
    """Nothing gets through while the hub is offline, nor from a device with a flat battery."""
    silent = np.zeros(len(events), dtype=bool)
    for start, end in outages:
        silent |= (events.ts >= start) & (events.ts < end)
    device = np.asarray(CHANNEL_DEVICE)[events.channel]
    for name, start, end in dead:
        silent |= (device == DEVICE_INDEX[name]) & (events.ts >= start) & (events.ts < end)
    return events.where(~silent)


def _cold_spells(events: Events, failures: list[tuple[int, int]], span_end: int) -> list[Happening]:
    """Truth for each heating failure, as the thermometers show it: from the first reading
    below 16 °C to the first at or above 16 °C after the last one below."""
    spells = []
    thermometer = np.isin(events.channel, _THERMOMETER_CHANNELS)
    for start, end in failures:
        window = thermometer & (events.ts >= start) & (events.ts < end + RECOVERY_S)
        ts, value = events.ts[window], events.value[window]
        cold = np.flatnonzero(value < COLD)
        if len(cold) == 0:
            log.warning(
                "cold_home not recorded: the heating failure did not bring the home below %s °C", COLD
            )
            continue
        warm_again = ts[cold[-1] + 1 :]
        recovered = int(warm_again[0]) if len(warm_again) else span_end
        spells.append(Happening(IncidentKind.COLD_HOME, int(ts[cold[0]]), min(recovered, span_end)))
    return spells


def _transport(events: Events, truth: list[Happening], rng: np.random.Generator) -> Events:
    """Occasional lost and duplicated messages (a duplicate is the same reading again)."""
    protected = np.zeros(len(events), dtype=bool)
    for happening in truth:
        for moment in (happening.start, happening.end):
            protected |= np.abs(events.ts - moment) <= PROTECTED_S
    lost = (rng.random(len(events)) < LOSS) & ~protected
    twice = rng.random(len(events)) < DUPLICATION
    repeat = np.where(lost, 0, np.where(twice, 2, 1))
    return Events(
        np.repeat(events.ts, repeat), np.repeat(events.channel, repeat), np.repeat(events.value, repeat)
    )
