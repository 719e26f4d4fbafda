"""What the home's sensors report as people move through their timelines: PIR detections
with blind time and "cleared" messages, door open/close pairs, bed and chair mats, the
kettle's power curve and the fridge door. Vectorised over all episodes at once."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulator._events import Events
from simulator._home import BATHROOM_DOOR, BED, CHAIR, FRIDGE_DOOR, FRONT_DOOR, KETTLE, PIR_OF_ROOM, Room
from simulator._timeline import IN_BED, IN_CHAIR, MOTION_PER_HOUR, Activity, Timeline

# A battery PIR ignores movement for a while after each detection to save power (60 s is
# common, e.g. Aqara); it reports "cleared" once it has seen nothing for 90 s.
PIR_BLIND_S = 60
PIR_CLEAR_S = 90
# Smart plugs report power every 30 s or so while it changes.
PLUG_REPORT_S = 30
# A kettle's element draws slightly less as it heats up: about 1.5 % over a boil.
KETTLE_DROOP = 0.015
# A walk through the hall is usually, not always, seen by its PIR (it may still be blind).
HALL_SEEN = 0.9
# Chair mats report only sitting of more than this (seconds): standing up to reach
# something is not getting up.
CHAIR_MIN_S = 120


def activity_events(
    person: Timeline, guests: Timeline, *, movement: float, kettle_watts: float, rng: np.random.Generator
) -> Events:
    """Everything the person and their visitors set off; `movement` scales how much they move."""
    return Events.concat(
        [
            _motion(person, guests, movement, rng),
            _front_door(person, guests, rng),
            _bathroom_door(person, rng, person_edges=True),
            _bathroom_door(guests, rng, person_edges=False),
            _occupancy(person, IN_BED, BED, settle=(5, 30), rise=(0, 0), shortest=0, rng=rng),
            _occupancy(person, IN_CHAIR, CHAIR, settle=(10, 40), rise=(5, 20), shortest=CHAIR_MIN_S, rng=rng),
            _kettle(person.plus(guests), kettle_watts, rng),
            _fridge(person, rng),
        ]
    )


def _motion(person: Timeline, guests: Timeline, movement: float, rng: np.random.Generator) -> Events:
    times, rooms = [], []
    for timeline in (person, guests):
        t, r = _movements(timeline, movement, rng)
        times.append(t)
        rooms.append(r)
    ts, room = np.concatenate(times), np.concatenate(rooms)
    pir_of_room = np.full(len(Room), -1, dtype=np.int16)
    for pir_room, pir in PIR_OF_ROOM.items():
        pir_of_room[pir_room] = pir
    channel = pir_of_room[room]
    seen = channel >= 0
    return _pir_reports(ts[seen], channel[seen])


def _movements(
    timeline: Timeline, movement: float, rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int8]]:
    """Instants at which a PIR could detect someone (before blind time), and in which room."""
    if len(timeline) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int8)
    start, end, room, activity = timeline.start, timeline.end, timeline.room, timeline.activity
    previous_room = np.concatenate([[-1], room[:-1]])
    contiguous = np.concatenate([[False], timeline.start[1:] == timeline.end[:-1]])
    entered = (room != previous_room) | ~contiguous
    fell = activity == Activity.COLLAPSED
    # Walking in is seen a few seconds after the doorway; a fall is seen as it happens.
    entry = np.where(fell, start, start + rng.uniform(2, 12, len(start)).round().astype(np.int64))
    first = (entered | fell) & (room != Room.OUT)
    times = [entry[first]]
    rooms = [room[first]]
    # Passing through the hall between two other rooms, and on the way out or in.
    following = np.concatenate([room[1:], [-1]]).astype(np.int8)
    moved = (room != following) & np.concatenate([timeline.start[1:] == timeline.end[:-1], [False]])
    through_hall = (
        moved & (room != Room.HALL) & (following != Room.HALL) & (rng.random(len(room)) < HALL_SEEN)
    )
    leaving = moved & (following == Room.OUT)
    hall_at = np.where(leaving, end - rng.integers(5, 20, len(end)), end + rng.integers(1, 6, len(end)))
    times.append(hall_at[through_hall & (room != Room.OUT)])
    rooms.append(np.full(int((through_hall & (room != Room.OUT)).sum()), Room.HALL, np.int8))
    returning = moved & (room == Room.OUT) & (following != Room.HALL)
    times.append(end[returning] + rng.integers(3, 10, int(returning.sum())))
    rooms.append(np.full(int(returning.sum()), Room.HALL, np.int8))
    rate = MOTION_PER_HOUR[activity] * movement * (room != Room.OUT)
    ongoing, episode = _poisson_after_blind(start, end, rate, rng)
    times.append(ongoing)
    rooms.append(room[episode])
    return np.concatenate(times), np.concatenate(rooms)


def _poisson_after_blind(
    start: NDArray[np.int64],
    end: NDArray[np.int64],
    rate_per_hour: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int64], NDArray[np.intp]]:
    """Detections within each episode: movement is a Poisson process, and after each
    detection the PIR is blind, so the gap to the next one is blind time + an exponential."""
    duration = (end - start).astype(np.float64)
    mean_wait = np.where(rate_per_hour > 0, 3600.0 / np.maximum(rate_per_hour, 1e-9), np.inf)
    expected = np.where(rate_per_hour > 0, duration / (PIR_BLIND_S + mean_wait), 0.0)
    # Enough candidate gaps that running out before the episode's end is vanishingly rare
    # (1.5 times the expected count plus 4), never more than could fit.
    candidates = np.minimum(np.ceil(expected * 1.5 + 4), duration // PIR_BLIND_S + 1)
    candidates = np.where(rate_per_hour > 0, candidates, 0).astype(np.int64)
    episode = np.repeat(np.arange(len(start)), candidates)
    gaps = PIR_BLIND_S + rng.exponential(1.0, len(episode)) * mean_wait[episode]
    elapsed = np.cumsum(gaps)
    # Cumulative sums restart at each episode: subtract what the episodes before it used.
    used_before = np.concatenate([[0.0], elapsed])[np.cumsum(candidates) - candidates]
    at = start[episode] + (elapsed - used_before[episode])
    keep = at < end[episode]
    return at[keep].round().astype(np.int64), episode[keep]


def _pir_reports(ts: NDArray[np.int64], channel: NDArray[np.int16]) -> Events:
    """Detections through each PIR's blind time, each followed by "cleared" after a quiet spell."""
    order = np.lexsort((ts, channel))
    ts, channel = ts[order], channel[order]
    while True:
        same = channel[1:] == channel[:-1]
        blind = np.concatenate([[False], same & (ts[1:] - ts[:-1] < PIR_BLIND_S)])
        if not blind.any():
            break
        # A detection whose predecessor is itself kept is certainly swallowed by blind time;
        # drop those and look again (chains are short: only where episodes meet).
        certain = blind & ~np.concatenate([[False], blind[:-1]])
        ts, channel = ts[~certain], channel[~certain]
    next_same = np.concatenate([channel[1:] == channel[:-1], [False]])
    next_ts = np.concatenate([ts[1:], [0]])
    cleared = ~next_same | (next_ts - ts > PIR_CLEAR_S)
    return Events.concat(
        [Events.of(ts, channel, 1.0), Events.of(ts[cleared] + PIR_CLEAR_S, channel[cleared], 0.0)]
    )


def _visits(timeline: Timeline) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Arrivals and departures of runs of contiguous episodes (a visitor's visit)."""
    if len(timeline) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = timeline.start[1:] == timeline.end[:-1]
    arrivals = timeline.start[np.concatenate([[True], ~joined])]
    departures = timeline.end[np.concatenate([~joined, [True]])]
    return arrivals, departures


def _door_pairs(
    opened: NDArray[np.int64], channel: int, rng: np.random.Generator, close_after: tuple[int, int]
) -> Events:
    closed = opened + rng.integers(close_after[0], close_after[1], len(opened))
    return Events.concat([Events.of(opened, channel, 1.0), Events.of(closed, channel, 0.0)])


def _front_door(person: Timeline, guests: Timeline, rng: np.random.Generator) -> Events:
    room = person.room
    joined = person.start[1:] == person.end[:-1]
    crossing = joined & ((room[1:] == Room.OUT) != (room[:-1] == Room.OUT))
    arrivals, departures = _visits(guests)
    opened = np.concatenate([person.end[:-1][crossing], arrivals, departures])
    return _door_pairs(opened, FRONT_DOOR, rng, (4, 15))


def _bathroom_door(timeline: Timeline, rng: np.random.Generator, *, person_edges: bool) -> Events:
    if len(timeline) == 0:
        return Events.concat([])
    inside = timeline.room == Room.BATHROOM
    joined = np.concatenate([[False], timeline.start[1:] == timeline.end[:-1]])
    was_inside = np.concatenate([[False], inside[:-1]]) & joined
    will_stay = np.concatenate([inside[1:], [False]]) & np.concatenate([joined[1:], [False]])
    # The person's timeline spans the whole scenario: its edges are not comings and goings.
    if person_edges:
        was_inside[0] = will_stay[-1] = True
    opened = np.concatenate([timeline.start[inside & ~was_inside], timeline.end[inside & ~will_stay]])
    return _door_pairs(opened, BATHROOM_DOOR, rng, (3, 8))


def _occupancy(
    person: Timeline,
    occupied_in: NDArray[np.bool_],
    channel: int,
    *,
    settle: tuple[int, int],
    rise: tuple[int, int],
    shortest: int,
    rng: np.random.Generator,
) -> Events:
    """A pressure mat: occupied a little after sitting or lying down, empty on getting up."""
    occupied = occupied_in[person.activity]
    before = np.concatenate([[False], occupied[:-1]])
    after = np.concatenate([occupied[1:], [False]])
    first, last = np.flatnonzero(occupied & ~before), np.flatnonzero(occupied & ~after)
    starts, ends = person.start[first], person.end[last]
    long_enough = ends - starts > max(shortest, settle[1] + rise[1])
    on = starts + rng.integers(settle[0], settle[1] + 1, len(starts))
    off = ends - rng.integers(rise[0], rise[1] + 1, len(ends))
    # At the edges of the span the state simply holds: nothing is reported there.
    reported_on = long_enough & (first > 0)
    reported_off = long_enough & (last < len(person) - 1)
    return Events.concat(
        [Events.of(on[reported_on], channel, 1.0), Events.of(off[reported_off], channel, 0.0)]
    )


def _kettle(timeline: Timeline, watts: float, rng: np.random.Generator) -> Events:
    """About 2-3 kW for 2-4 minutes, reported every 30 s, a little lower as the element warms."""
    on = timeline.start[timeline.kettle] + rng.integers(20, 120, int(timeline.kettle.sum()))
    boil = rng.integers(120, 241, len(on))
    steps = boil // PLUG_REPORT_S + 1
    boil_of = np.repeat(np.arange(len(on)), steps)
    step = np.arange(len(boil_of)) - np.repeat(np.cumsum(steps) - steps, steps)
    elapsed = step * PLUG_REPORT_S
    draw = watts * (1 - KETTLE_DROOP * elapsed / boil[boil_of]) * (1 + rng.normal(0, 0.003, len(boil_of)))
    return Events.concat(
        [Events.of(on[boil_of] + elapsed, KETTLE, draw.round(1)), Events.of(on + boil, KETTLE, 0.0)]
    )


def _fridge(person: Timeline, rng: np.random.Generator) -> Events:
    """One to three openings during a meal, often one (the milk) while making a drink."""
    meal = person.activity == Activity.MEAL
    tea = person.activity == Activity.TEA
    with_milk = tea & (rng.random(len(tea)) < 0.6)
    count = np.where(meal, 1 + rng.poisson(1.0, len(meal)).clip(0, 2), with_milk.astype(np.int64))
    episode = np.repeat(np.arange(len(count)), count)
    start, end = person.start[episode], person.end[episode]
    opened = start + (rng.random(len(episode)) * np.maximum(end - start - 45, 1)).astype(np.int64)
    return _door_pairs(opened, FRIDGE_DOOR, rng, (5, 40))
