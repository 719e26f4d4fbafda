"""Outdoor weather and each home's room temperatures: a thermostat holding the day or night
setting, warming up at a finite rate, and the house cooling towards outdoors when the heating
is off or has failed. Vectorised: the thermostat recursion is solved as a running maximum."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
from numpy.typing import NDArray

from simulator._clock import DAY, HOUR, OffsetTable
from simulator._events import Events
from simulator._home import THERMOMETERS, Room
from simulator._routine import Rhythm
from simulator._timeline import Activity, Timeline

STEP_S = 300  # the thermal model's time step
# Temperature sensors report every 30 minutes (a common heartbeat for battery sensors).
REPORT_S = 1800
# Temperate climate (UK/NL-like): a yearly mean of 10.5 °C swinging ±7 °C, coldest around
# 20 January; days 3 °C warmer at 15:00 than the mean; weather systems shift a day by a
# few degrees and persist for days.
YEARLY_MEAN = 10.5
YEARLY_SWING = 7.0
COLDEST_DAY = 20
DAILY_SWING = 3.0
WEATHER_SD = 2.5
WEATHER_PERSISTENCE = 0.7
# A heating system raises a room by about 2.5 °C an hour.
WARM_UP_PER_HOUR = 2.5
# Night setting 18-19 °C keeps every room, the cooler bedroom too, at 17 °C or more: below
# 16 °C only when something is wrong (the cold_home incident).
NIGHT_SETTING = (18.0, 19.0)
BEDROOM_COOLER = 1.0
KITCHEN_WARMER = 0.5
COOKING_WARMS = 1.5  # °C a kitchen gains while a meal is cooked
# People, appliances and sun keep an unheated house a few degrees above outdoors.
FREE_GAIN = 3.0


@dataclasses.dataclass(frozen=True, slots=True)
class Weather:
    """Outdoor temperature on a 5-minute grid from `start` (UTC epoch seconds)."""

    start: int
    outdoor: NDArray[np.float64]

    def grid(self) -> NDArray[np.int64]:
        return self.start + np.arange(len(self.outdoor), dtype=np.int64) * STEP_S

    def mean(self, start: int, end: int) -> float:
        low, high = (start - self.start) // STEP_S, (end - self.start) // STEP_S + 1
        window = self.outdoor[max(low, 0) : max(high, 1)]
        return float(window.mean()) if len(window) else float(self.outdoor[-1])


def weather(seed: int, table: OffsetTable, first_day: dt.date, start: int, end: int) -> Weather:
    """The same weather for every household of a scenario: it depends only on seed and span."""
    rng = np.random.default_rng([seed, 0x5EA7])
    grid = np.arange(start, end + STEP_S, STEP_S, dtype=np.int64)
    wall = table.to_wall(grid)
    day = (wall - wall[0] // DAY * DAY) // DAY
    year_day = (np.datetime64(first_day) - np.datetime64(f"{first_day.year}-01-01")).astype(int) + day
    season = YEARLY_MEAN - YEARLY_SWING * np.cos(2 * math.pi * (year_day - COLDEST_DAY) / 365.25)
    hour = wall % DAY / HOUR
    daily = DAILY_SWING * np.cos(2 * math.pi * (hour - 15) / 24)
    anomalies = np.empty(int(day.max()) + 2)
    previous = rng.normal(0, WEATHER_SD)
    for n in range(len(anomalies)):
        previous = WEATHER_PERSISTENCE * previous + rng.normal(
            0, WEATHER_SD * math.sqrt(1 - WEATHER_PERSISTENCE**2)
        )
        anomalies[n] = previous
    anomaly = np.interp(day + hour / 24, np.arange(len(anomalies)), anomalies)
    return Weather(start, season + daily + anomaly)


def temperature_events(
    outside: Weather,
    rhythm: Rhythm,
    person: Timeline,
    table: OffsetTable,
    first_day: dt.date,
    *,
    heating_day: float,
    failures: list[tuple[int, int]],
    rng: np.random.Generator,
) -> Events:
    """Readings of the home's thermometers every 30 minutes."""
    grid = outside.grid()
    # Each home loses heat at its own pace: 8-16 h time constant (well to poorly insulated).
    cooling = math.exp(-STEP_S / (rng.uniform(8, 16) * HOUR))
    setting = _thermostat(
        grid, rhythm, table, first_day, heating_day + rng.uniform(-1, 1), rng.uniform(*NIGHT_SETTING)
    )
    lounge = _heated_air(outside.outdoor + FREE_GAIN, setting, cooling, grid, failures)
    cooking = _cooking(grid, person)
    rooms = {
        Room.LOUNGE: lounge,
        Room.KITCHEN: lounge + KITCHEN_WARMER + cooking,
        Room.BEDROOM: lounge - BEDROOM_COOLER,
    }
    parts = []
    for room, channel in THERMOMETERS.items():
        ts = np.arange(grid[0] + rng.integers(0, REPORT_S), grid[-1], REPORT_S, dtype=np.int64)
        bias = rng.normal(0, 0.2)  # each sensor's calibration error
        value = np.interp(ts, grid, rooms[room]) + bias + rng.normal(0, 0.1, len(ts))
        parts.append(Events.of(ts, channel, value.round(1)))
    return Events.concat(parts)


def _thermostat(
    grid: NDArray[np.int64],
    rhythm: Rhythm,
    table: OffsetTable,
    first_day: dt.date,
    day_setting: float,
    night_setting: float,
) -> NDArray[np.float64]:
    """Day setting from half an hour before rising until bedtime, the night setting otherwise,
    warming up no faster than the heating can."""
    wall = table.to_wall(grid)
    first = (first_day - dt.date(1970, 1, 1)).days
    index = np.clip(wall // DAY - first + 1, 1, len(rhythm.wake) - 1)  # rhythm index of the local day
    hour = wall % DAY / HOUR
    on = ((hour >= rhythm.wake[index] - 0.5) & (hour < rhythm.bedtime[index])) | (
        hour < rhythm.bedtime[index - 1] - 24
    )
    setting = np.where(on, day_setting, night_setting)
    return _rate_limited(setting, WARM_UP_PER_HOUR * STEP_S / HOUR)


def _rate_limited(target: NDArray[np.float64], rise_per_step: float) -> NDArray[np.float64]:
    """Follows `target` down at once and up at most `rise_per_step` a step (a running minimum)."""
    steps = np.arange(len(target)) * rise_per_step
    limited: NDArray[np.float64] = np.minimum.accumulate(target - steps) + steps
    return limited


def _heated_air(
    outdoor: NDArray[np.float64],
    setting: NDArray[np.float64],
    cooling: float,
    grid: NDArray[np.int64],
    failures: list[tuple[int, int]],
) -> NDArray[np.float64]:
    """Room air: T[k] = max(heating[k], cooling * T[k-1] + (1 - cooling) * outdoor[k]). While
    the heating has failed it holds nothing; once repaired it warms from where the room is."""
    heating = setting.copy()
    for start, end in failures:
        heating[(grid >= start) & (grid < end)] = -np.inf
    air = _free_or_heated(outdoor, heating, cooling)
    for _, end in sorted(failures):
        repaired = int(np.searchsorted(grid, end))
        if 0 < repaired < len(grid):
            rise = WARM_UP_PER_HOUR * STEP_S / HOUR
            warming = air[repaired - 1] + rise * np.arange(1, len(grid) - repaired + 1)
            heating[repaired:] = np.minimum(heating[repaired:], warming)
            air = _free_or_heated(outdoor, heating, cooling)
    return air


# Steps solved at once: a**-n stays far from overflow for a week at 5-minute steps.
_BLOCK = 7 * DAY // STEP_S


def _free_or_heated(
    outdoor: NDArray[np.float64], heating: NDArray[np.float64], cooling: float
) -> NDArray[np.float64]:
    """Solve T[k] = max(H[k], a T[k-1] + (1-a) Tout[k]) in blocks: with G the free-running
    solution, D = T - G obeys D[k] = max(H[k] - G[k], a D[k-1]), so D[k] a**-k is a running max."""
    air = np.empty_like(outdoor)
    previous = max(float(heating[0]), float(outdoor[0]))
    for first in range(0, len(outdoor), _BLOCK):
        block = slice(first, first + _BLOCK)
        n = len(outdoor[block])
        growth = cooling ** -np.arange(n, dtype=np.float64)
        free = (cooling * previous + np.cumsum((1 - cooling) * outdoor[block] * growth)) / growth
        lift = np.maximum.accumulate(np.maximum((heating[block] - free) * growth, 0.0)) / growth
        air[block] = free + lift
        previous = float(air[block][-1])
    return air


def _cooking(grid: NDArray[np.int64], person: Timeline) -> NDArray[np.float64]:
    """The kitchen's warmth from cooking: up during meals, fading over about 20 minutes."""
    meals = (person.activity == Activity.MEAL) & (person.room == Room.KITCHEN)
    delta = np.zeros(len(grid) + 1)
    np.add.at(delta, np.searchsorted(grid, person.start[meals]), 1.0)
    np.add.at(delta, np.searchsorted(grid, person.end[meals]), -1.0)
    cooking = np.cumsum(delta[:-1]) > 0
    fade = np.exp(-np.arange(12) * STEP_S / (20 * 60))
    warmth = np.convolve(cooking.astype(np.float64), fade / fade.sum() * 3)[: len(grid)]
    return COOKING_WARMS * np.minimum(warmth, 1.0)
