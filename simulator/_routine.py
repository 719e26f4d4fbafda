"""A person's days as a semi-Markov routine: fixed points (rising, meals, an outing, a nap,
bedtime) drawn around the persona's habits, the time between them filled with spells of
sitting broken by hot drinks, toilet visits and pottering, and nights with their visits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
from numpy.typing import NDArray

from simulator._clock import HOUR, OffsetTable, wall_midnights
from simulator._draws import Draws
from simulator._home import Room
from simulator._personas import Persona
from simulator._timeline import Activity, Episode, Timeline

# Local hours (relative to one day's midnight), room, activity, kettle boiled.
LocalEpisode = tuple[float, float, Room, Activity, bool]

# Seasonal drift: people rise later and go to bed earlier in the dark months. Amplitudes in
# hours, peaking in mid-January (day 15 of the year).
WINTER_LATER_RISING = 0.25
WINTER_EARLIER_BED = 0.15
# The fullest effect of a decline: rising an hour later, many more night-time toilet visits,
# half the kitchen use and far fewer outings (the "gradual decline").
DECLINE_LATER_RISING = 1.0
DECLINE_NIGHT_TOILET = 1.5
DECLINE_KITCHEN = 0.5
DECLINE_OUTINGS = 0.7
# Shortest night the routine allows (hours in bed between bedtime and rising).
SHORTEST_NIGHT = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class Rhythm:
    """Planned rising and bedtime per day, in local hours; index 0 is the day before the span,
    so `wake[d + 1]` and `bedtime[d + 1]` belong to day d of the scenario."""

    wake: NDArray[np.float64]
    bedtime: NDArray[np.float64]
    weekend: NDArray[np.bool_]
    decline: NDArray[np.float64]

    def rising(self, day: int) -> float:
        return float(self.wake[day + 1])


def daily_rhythm(
    persona: Persona, first_day: dt.date, days: int, decline: NDArray[np.float64], rng: np.random.Generator
) -> Rhythm:
    """Rising and bedtime for days -1..days, with weekends, season, persistence and decline."""
    dates = [first_day + dt.timedelta(days=d) for d in range(-1, days + 1)]
    weekend = np.array([d.weekday() >= 5 for d in dates])
    late_evening = np.array([d.weekday() in (4, 5) for d in dates])  # Friday and Saturday nights
    winter = np.cos(2 * math.pi * (np.array([d.timetuple().tm_yday for d in dates]) - 15) / 365.25)
    wake = (
        persona.wake
        + persona.weekend_lie * weekend
        + WINTER_LATER_RISING * winter
        + DECLINE_LATER_RISING * decline
        + _persistent_noise(rng, len(dates), persona.wake_sd, persona.persistence)
    )
    bedtime = (
        persona.bedtime
        + 0.25 * late_evening
        - WINTER_EARLIER_BED * winter
        + _persistent_noise(rng, len(dates), persona.bedtime_sd, persona.persistence)
    )
    # Up at least 10 hours, and at least a short night between one day and the next.
    bedtime = np.maximum(bedtime, wake + 10.0)
    wake[1:] = np.maximum(wake[1:], bedtime[:-1] - 24.0 + SHORTEST_NIGHT)
    return Rhythm(wake=wake, bedtime=bedtime, weekend=weekend, decline=decline)


def _persistent_noise(rng: np.random.Generator, n: int, sd: float, persistence: float) -> NDArray[np.float64]:
    innovations = rng.standard_normal(n) * sd * math.sqrt(1 - persistence**2)
    noise = np.empty(n)
    previous = rng.standard_normal() * sd
    for d in range(n):
        previous = persistence * previous + innovations[d]
        noise[d] = previous
    return noise


def routine(
    persona: Persona, rhythm: Rhythm, first_day: dt.date, table: OffsetTable, draws: Draws
) -> Timeline:
    """The person's whole span as a gapless timeline, from the first local midnight to the last."""
    days = len(rhythm.wake) - 2
    builder = _DayBuilder(persona, draws)
    day_of: list[int] = []
    local: list[LocalEpisode] = []
    for d in range(days):
        night = builder.night(rhythm.bedtime[d] - 24.0, rhythm.wake[d + 1], float(rhythm.decline[d + 1]))
        day = builder.day(
            rhythm.wake[d + 1],
            rhythm.bedtime[d + 1],
            bool(rhythm.weekend[d + 1]),
            float(rhythm.decline[d + 1]),
        )
        local += night + day
        day_of += [d] * (len(night) + len(day))
    # The last evening's night, until the next morning (cut at the end of the span).
    local.append((rhythm.bedtime[days] - 24.0, rhythm.wake[days + 1], Room.BEDROOM, Activity.SLEEP, False))
    day_of.append(days)
    midnight = wall_midnights(first_day, days + 1)[np.array(day_of)]
    starts = table.to_utc(midnight + np.round(np.array([e[0] for e in local]) * HOUR).astype(np.int64))
    ends = table.to_utc(midnight + np.round(np.array([e[1] for e in local]) * HOUR).astype(np.int64))
    # An episode begun in the hour skipped by the change to summer time maps an hour later,
    # past the start of what follows it: keep every boundary in order (it lasts no time).
    bounds = np.maximum.accumulate(np.column_stack([starts, ends]).ravel()).reshape(-1, 2)
    starts, ends = bounds[:, 0], bounds[:, 1]
    timeline = Timeline(
        starts,
        ends,
        np.array([e[2] for e in local], dtype=np.int8),
        np.array([e[3] for e in local], dtype=np.int8),
        np.array([e[4] for e in local], dtype=np.bool_),
    )
    span_start, span_end = table.to_utc(wall_midnights(first_day, days + 1)[[0, days]])
    return timeline.clipped(int(span_start), int(span_end))


class _DayBuilder:
    """Builds one day or night at a time, in local hours, from the persona's habits."""

    def __init__(self, persona: Persona, draws: Draws) -> None:
        self.persona = persona
        self.draws = draws

    def night(self, start: float, end: float, decline: float) -> list[LocalEpisode]:
        """Asleep in bed from `start` to `end`, broken by toilet visits and wandering."""
        d, p = self.draws, self.persona
        visits: list[list[LocalEpisode]] = []
        earliest, latest = start + 0.5, end - 0.3
        if latest > earliest:
            for _ in range(d.poisson(p.night_toilet * (1 + DECLINE_NIGHT_TOILET * decline))):
                t = d.uniform(earliest, latest)
                visits.append([(t, t + d.uniform(3, 8) / 60, Room.BATHROOM, Activity.TOILET, False)])
            for _ in range(d.poisson(p.night_wander)):
                visits.append(self._wander(d.uniform(earliest, latest)))
        visits.sort(key=lambda v: v[0][0])
        out: list[LocalEpisode] = []
        t = start
        for visit in visits:
            if visit[0][0] < t + 0.1 or visit[-1][1] > end - 0.1:
                continue  # overlaps the previous visit or the morning
            out.append((t, visit[0][0], Room.BEDROOM, Activity.SLEEP, False))
            out += visit
            t = visit[-1][1]
        out.append((t, end, Room.BEDROOM, Activity.SLEEP, False))
        return out

    def _wander(self, t: float) -> list[LocalEpisode]:
        """Up at night, moving from room to room (dementia); sometimes puts the kettle on."""
        d = self.draws
        out: list[LocalEpisode] = []
        until = t + d.uniform(15, 90) / 60
        rooms = (Room.HALL, Room.KITCHEN, Room.LOUNGE, Room.BATHROOM)
        while t < until:
            room = rooms[d.pick((1, 2, 2, 1))]
            stay = d.uniform(2, 12) / 60
            out.append((t, t + stay, room, Activity.WANDER, room == Room.KITCHEN and d.chance(0.3)))
            t += stay
        return out

    def day(self, wake: float, bedtime: float, weekend: bool, decline: float) -> list[LocalEpisode]:
        out = self.morning(wake, decline)
        t = out[-1][1]
        for anchor in self._anchors(bedtime, weekend, decline):
            if anchor[0][0] < t:
                continue  # clashes with what came before (lunch while out, say): skipped today
            out += self._fill(t, anchor[0][0], decline)
            out += anchor
            t = anchor[-1][1]
        out += self._fill(t, bedtime, decline)
        return out

    def morning(self, t: float, decline: float) -> list[LocalEpisode]:
        """Out of bed: toilet and wash, dress, breakfast."""
        d = self.draws
        bathroom = t + d.uniform(8, 25) / 60
        dressed = bathroom + d.uniform(5, 15) / 60
        breakfast = dressed + d.uniform(15, 30) / 60
        return [
            (t, bathroom, Room.BATHROOM, Activity.WASH, False),
            (bathroom, dressed, Room.BEDROOM, Activity.DRESS, False),
            (
                dressed,
                breakfast,
                Room.KITCHEN,
                Activity.MEAL,
                d.chance(0.9 * (1 - DECLINE_KITCHEN * decline)),
            ),
        ]

    def _anchors(self, bedtime: float, weekend: bool, decline: float) -> list[list[LocalEpisode]]:
        d, p = self.draws, self.persona
        kitchen = 1 - DECLINE_KITCHEN * decline
        anchors: list[list[LocalEpisode]] = []
        lunch = d.normal(p.lunch, p.meal_sd)
        anchors.append(
            [(lunch, lunch + d.uniform(20, 40) / 60, Room.KITCHEN, Activity.MEAL, d.chance(0.5 * kitchen))]
        )
        dinner = d.normal(p.dinner, p.meal_sd)
        anchors.append(
            [(dinner, dinner + d.uniform(30, 60) / 60, Room.KITCHEN, Activity.MEAL, d.chance(0.3 * kitchen))]
        )
        outing = p.outing_weekend if weekend else p.outing_weekday
        if d.chance(outing * (1 - DECLINE_OUTINGS * decline)):
            leave = d.uniform(*p.outing_start)
            anchors.append([(leave, leave + d.lognormal(p.outing_hours, 0.4), Room.OUT, Activity.OUT, False)])
        if d.chance(p.nap):
            nap = d.normal(p.nap_at, 0.4)
            in_bed = d.chance(p.nap_in_bed)
            room, activity = (Room.BEDROOM, Activity.NAP_BED) if in_bed else (Room.LOUNGE, Activity.NAP_CHAIR)
            anchors.append([(nap, nap + d.uniform(40, 100) / 60, room, activity, False)])
        anchors.append(self._bedtime(bedtime, kitchen))
        anchors.sort(key=lambda a: a[0][0])
        return anchors

    def _bedtime(self, bedtime: float, kitchen: float) -> list[LocalEpisode]:
        """A last drink, the bathroom, undressing, bed at `bedtime`."""
        d = self.draws
        undress = bedtime - d.uniform(5, 12) / 60
        bathroom = undress - d.uniform(8, 15) / 60
        sitting = bathroom - d.uniform(20, 50) / 60
        drink = sitting - d.uniform(5, 12) / 60
        return [
            (drink, sitting, Room.KITCHEN, Activity.TEA, d.chance(0.4 * kitchen)),
            (sitting, bathroom, Room.LOUNGE, Activity.SEATED, False),
            (bathroom, undress, Room.BATHROOM, Activity.WASH, False),
            (undress, bedtime, Room.BEDROOM, Activity.DRESS, False),
        ]

    def _fill(self, t: float, until: float, decline: float) -> list[LocalEpisode]:
        """Sitting in the lounge, broken by short excursions, until the next fixed point."""
        d, p = self.draws, self.persona
        kitchen = 1 - DECLINE_KITCHEN * decline
        # Weights of what breaks a spell of sitting: a hot drink, the toilet, pottering in
        # the kitchen, the bedroom, the hall, or standing about in the lounge.
        weights = (p.tea * kitchen, p.toilet, 0.12 * kitchen, 0.08, 0.05, 0.1)
        out: list[LocalEpisode] = []
        while until - t > 1 / 60:
            sit = d.gamma2(p.seated_minutes / 60)
            if t + sit >= until - 2 / 60:
                out.append((t, until, Room.LOUNGE, Activity.SEATED, False))
                break
            out.append((t, t + sit, Room.LOUNGE, Activity.SEATED, False))
            t += sit
            room, activity, minutes, kettle = self._excursion(d.pick(weights))
            end = min(t + minutes / 60, until)
            out.append((t, end, room, activity, kettle))
            t = end
        return out

    def _excursion(self, kind: int) -> tuple[Room, Activity, float, bool]:
        d = self.draws
        if kind == 0:
            return Room.KITCHEN, Activity.TEA, d.uniform(4, 10), d.chance(0.9)
        if kind == 1:
            return Room.BATHROOM, Activity.TOILET, d.uniform(3, 8), False
        if kind == 2:
            return Room.KITCHEN, Activity.POTTER, d.uniform(3, 15), False
        if kind == 3:
            return Room.BEDROOM, Activity.POTTER, d.uniform(3, 12), False
        if kind == 4:
            return Room.HALL, Activity.POTTER, d.uniform(1, 3), False
        return Room.LOUNGE, Activity.POTTER, d.uniform(2, 8), False


def morning_after(t: int, draws: Draws) -> list[Episode]:
    """Getting up late (after a lie-in or a missed wake-up): wash, dress, breakfast from `t`."""
    bathroom = t + round(draws.uniform(8, 25) * 60)
    dressed = bathroom + round(draws.uniform(5, 15) * 60)
    breakfast = dressed + round(draws.uniform(15, 30) * 60)
    return [
        Episode(t, bathroom, Room.BATHROOM, Activity.WASH),
        Episode(bathroom, dressed, Room.BEDROOM, Activity.DRESS),
        Episode(dressed, breakfast, Room.KITCHEN, Activity.MEAL, kettle=draws.chance(0.9)),
    ]
