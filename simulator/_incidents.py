"""Incidents as changes to a person's day: each plan rewrites part of the timeline (or marks
a fault for the sensors to show) and yields its ground truth in true UTC seconds.

What start and end mean, per kind (the README's table says the same):

- collapse: start = the fall (the last movement the PIR of that room sees); end = when the
  person is found (someone opens the front door; they stay 30-60 min).
- missed_wakeup: start = the person's usual latest rising (the latest rising time of day over
  the previous 14 days without any incident); end = when they finally get out of bed.
- night_exit: start = the front door opening as they leave at night; end = the front door
  opening when they come back.
- bathroom_long: start = entering the bathroom (its door opening); end = leaving it.
- decline: start = local midnight of its first day; end = the end of the scenario.
- cold_home: start = the first temperature reading below 16 °C after the heating fails; end =
  the first reading at or above 16 °C after the last one below (see `_household`).
- hub_offline: no reading of the household has a time in [start, end).
- battery_dead: the device's battery is flat at start; none of its readings has a time in
  [start, end); at end the battery is replaced.
- away: start = the front door opening as they leave; end = it opening when they return.
- visitors: start = the front door opening as the visitor arrives; end = as they leave.
- lie_in: start = the time the person would have risen that day (a toilet visit at that time,
  then back to bed); end = when they get up.

An incident still under way when the scenario ends has end = the end of the scenario.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from simulator._clock import HOUR, MINUTE
from simulator._draws import Draws
from simulator._home import Room
from simulator._personas import Persona
from simulator._plans import IncidentPlan
from simulator._routine import Rhythm, morning_after
from simulator._timeline import IN_BED, Activity, Episode, Timeline
from simulator._truth import IncidentKind

# How far back "usual" reaches for the latest rising time (days), as detection's baseline.
USUAL_RISING_DAYS = 14

# Local day and hours after its midnight -> UTC epoch seconds.
LocalInstant = Callable[[int, float], int]


@dataclasses.dataclass(frozen=True, slots=True)
class Happening:
    """An incident as it happened, in true UTC epoch seconds."""

    kind: IncidentKind
    start: int
    end: int
    device: str | None = None


@dataclasses.dataclass(slots=True)
class Injected:
    """A household's days after the incidents: the person's timeline, the visitors' and
    responders' episodes, the ground truth, and the faults the sensors must show."""

    person: Timeline
    guests: list[Episode] = dataclasses.field(default_factory=list)
    happenings: list[Happening] = dataclasses.field(default_factory=list)
    heating_failures: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    hub_outages: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    dead_batteries: list[tuple[str, int, int]] = dataclasses.field(default_factory=list)


def decline_factor(plans: list[IncidentPlan], days: int) -> NDArray[np.float64]:
    """How far a decline has gone (0 to 1) on days -1..days, rising linearly over its length."""
    factor = np.zeros(days + 2)
    for plan in plans:
        if plan.kind is IncidentKind.DECLINE:
            elapsed = np.arange(-1, days + 1) - plan.day + 1
            factor = np.maximum(factor, np.clip(elapsed / max(plan.hours / 24, 1.0), 0.0, 1.0))
    return factor


def inject(
    plans: list[IncidentPlan],
    person: Timeline,
    *,
    persona: Persona,
    rhythm: Rhythm,
    at: LocalInstant,
    span_end: int,
    draws: Draws,
) -> Injected:
    result = Injected(person)
    for plan in plans:
        start = at(plan.day, plan.time) if plan.time is not None else 0
        end = start + round(plan.hours * HOUR)
        match plan.kind:
            case IncidentKind.DECLINE:
                result.happenings.append(Happening(plan.kind, at(plan.day, 0.0), span_end))
            case IncidentKind.COLD_HOME:
                result.heating_failures.append((start, end))
            case IncidentKind.HUB_OFFLINE:
                result.hub_outages.append((start, end))
                result.happenings.append(Happening(plan.kind, start, end))
            case IncidentKind.BATTERY_DEAD:
                device = plan.device or ""
                result.dead_batteries.append((device, start, end))
                result.happenings.append(Happening(plan.kind, start, end, device))
            case IncidentKind.MISSED_WAKEUP | IncidentKind.LIE_IN:
                _stay_in_bed(result, plan, persona, rhythm, at, plans, draws)
            case _:
                _REWRITES[plan.kind](result, start, end, draws)
    result.happenings = [
        dataclasses.replace(h, end=min(h.end, span_end)) for h in result.happenings if h.start < span_end
    ]
    return result


def _home_and_up(result: Injected, t: int) -> Room:
    """Make sure the person is at home and out of bed at `t`; say which room they are in."""
    episode = result.person.at(t)
    if episode.room == Room.OUT:  # comes home just before
        result.person = result.person.occupy(
            t - 2 * MINUTE, t, [Episode(t - 2 * MINUTE, t, Room.HALL, Activity.POTTER)]
        )
        return Room.HALL
    if IN_BED[episode.activity]:  # gets up just before
        result.person = result.person.occupy(
            t - MINUTE, t, [Episode(t - MINUTE, t, Room.BEDROOM, Activity.POTTER)]
        )
        return Room.BEDROOM
    return episode.room


def _collapse(result: Injected, fall: int, found: int, draws: Draws) -> None:
    room = _home_and_up(result, fall)
    attended = found + round(draws.uniform(30, 60) * MINUTE)
    result.person = result.person.occupy(fall, attended, [Episode(fall, attended, room, Activity.COLLAPSED)])
    arrived = found + MINUTE
    result.guests += [Episode(found, arrived, Room.HALL, Activity.VISITING)]
    if room != Room.HALL:
        result.guests.append(Episode(arrived, attended, room, Activity.VISITING))
    result.happenings.append(Happening(IncidentKind.COLLAPSE, fall, found))


def _night_exit(result: Injected, leave: int, back: int, draws: Draws) -> None:
    up = leave - round(draws.uniform(1, 4) * MINUTE)
    settled = back + round(draws.uniform(1, 3) * MINUTE)
    result.person = result.person.occupy(
        up,
        settled,
        [
            Episode(up, leave, Room.HALL, Activity.WANDER),
            Episode(leave, back, Room.OUT, Activity.OUT),
            Episode(back, settled, Room.HALL, Activity.WANDER),
        ],
    )
    result.happenings.append(Happening(IncidentKind.NIGHT_EXIT, leave, back))


def _bathroom_long(result: Injected, enter: int, leave: int, draws: Draws) -> None:
    episode = result.person.at(enter)
    if episode.room == Room.BATHROOM:  # already there: the stay began when they went in
        leave += episode.start - enter
        enter = episode.start
    else:
        _home_and_up(result, enter)
    result.person = result.person.occupy(
        enter, leave, [Episode(enter, leave, Room.BATHROOM, Activity.STUCK_IN_BATHROOM)]
    )
    result.happenings.append(Happening(IncidentKind.BATHROOM_LONG, enter, leave))


def _away(result: Injected, leave: int, back: int, draws: Draws) -> None:
    _home_and_up(result, leave)
    packing = leave - round(draws.uniform(5, 15) * MINUTE)
    unpacking = back + round(draws.uniform(5, 15) * MINUTE)
    result.person = result.person.occupy(
        packing,
        unpacking,
        [
            Episode(packing, leave, Room.HALL, Activity.POTTER),
            Episode(leave, back, Room.OUT, Activity.OUT),
            Episode(back, unpacking, Room.HALL, Activity.POTTER),
        ],
    )
    result.happenings.append(Happening(IncidentKind.AWAY, leave, back))


def _visitors(result: Injected, arrive: int, leave: int, draws: Draws) -> None:
    """The person sits with a visitor, who also makes tea and uses the bathroom: activity in
    two rooms at once."""
    _home_and_up(result, arrive)
    result.person = result.person.occupy(
        arrive, leave, [Episode(arrive, leave, Room.LOUNGE, Activity.SEATED)]
    )
    t = arrive + MINUTE
    visit = [Episode(arrive, t, Room.HALL, Activity.VISITING)]
    rooms = (Room.KITCHEN, Room.LOUNGE, Room.BATHROOM, Room.LOUNGE)
    step = 0
    while t < leave - 2 * MINUTE:
        room = rooms[step % len(rooms)] if step else Room.LOUNGE
        minutes = (
            draws.uniform(8, 15)
            if room == Room.KITCHEN
            else draws.uniform(3, 6)
            if room == Room.BATHROOM
            else draws.uniform(15, 40)
        )
        until = min(t + round(minutes * MINUTE), leave - MINUTE)
        visit.append(Episode(t, until, room, Activity.VISITING, kettle=room == Room.KITCHEN))
        t, step = until, step + 1
    visit.append(Episode(t, leave, Room.HALL, Activity.VISITING))
    result.guests += visit
    result.happenings.append(Happening(IncidentKind.VISITORS, arrive, leave))


def _stay_in_bed(
    result: Injected,
    plan: IncidentPlan,
    persona: Persona,
    rhythm: Rhythm,
    at: LocalInstant,
    plans: list[IncidentPlan],
    draws: Draws,
) -> None:
    """A missed wake-up (no rising until `hours` after the usual latest rising) or a lie-in (a
    toilet visit at the usual time, then back to bed for `hours`)."""
    planned_rising = at(plan.day, rhythm.rising(plan.day))
    if plan.kind is IncidentKind.LIE_IN:
        start = planned_rising
        toilet = start + round(draws.uniform(4, 8) * MINUTE)
        end = start + round(plan.hours * HOUR)
        episodes = [
            Episode(start, toilet, Room.BATHROOM, Activity.TOILET),
            Episode(toilet, end, Room.BEDROOM, Activity.SLEEP),
        ]
    else:
        start = at(plan.day, usual_latest_rising(plan.day, persona, rhythm, plans))
        # Still in bed at least half an hour past today's own rising, however early the usual.
        end = max(start + round(plan.hours * HOUR), planned_rising + 30 * MINUTE)
        episodes = [Episode(planned_rising, end, Room.BEDROOM, Activity.UNWELL_IN_BED)]
    morning = morning_after(end, draws)
    result.person = result.person.occupy(planned_rising, morning[-1].end, episodes + morning)
    result.happenings.append(Happening(plan.kind, start, end))


def usual_latest_rising(day: int, persona: Persona, rhythm: Rhythm, plans: list[IncidentPlan]) -> float:
    """The latest rising (local hours) over the previous 14 days that no incident touched."""
    touched = {
        d
        for p in plans
        if p.kind is not IncidentKind.DECLINE
        for d in range(p.day, p.day + math.ceil(p.hours / 24) + 1)
    }
    usual = [rhythm.rising(d) for d in range(max(day - USUAL_RISING_DAYS, 0), day) if d not in touched]
    # With no history (an incident on the first day) the persona's own spread stands in.
    return max(usual) if usual else persona.wake + 2 * persona.wake_sd


_REWRITES: dict[IncidentKind, Callable[[Injected, int, int, Draws], None]] = {
    IncidentKind.COLLAPSE: _collapse,
    IncidentKind.NIGHT_EXIT: _night_exit,
    IncidentKind.BATHROOM_LONG: _bathroom_long,
    IncidentKind.AWAY: _away,
    IncidentKind.VISITORS: _visitors,
}
