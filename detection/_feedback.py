"""Learning from outcomes: each alert a responder closes as a false alarm widens that household's
limit for that watchdog at that time of day, a real incident narrows it back; bounded both ways.

The rule (the README's "Learning from outcomes"): outcomes of the last LESSON_DAYS are taken in
the order they were recorded; a false alarm multiplies the factor by STEP, a real incident
divides it by STEP; the factor stays within [1, CAP]. With CAP = 2 a 50-min inactivity limit
can grow to 100 min at most: a collapse is still found, at most 50 min later.
"""

import dataclasses
from collections.abc import Iterable

import numpy as np

from detection._baseline import RoutineBaseline
from detection._localtime import local_day_and_time
from detection._watchdogs import BaselineArrays

STEP = 1.25
CAP = 2.0
# Lessons older than this are forgotten: the person's days, and the home, may have changed.
LESSON_DAYS = 90
BAND_HOURS = 2
BANDS = 24 // BAND_HOURS
# Watchdogs whose limit a lesson moves. Inactivity is learned per two-hour band of the day;
# the others watch one moment of the day each (the morning, the first kitchen visit, a
# bathroom stay) and are learned as one band, band 0.
ADJUSTABLE = frozenset({"inactivity", "not_up", "expected_activity_missing", "bathroom_long"})
BANDED = frozenset({"inactivity"})
FALSE_ALARM = "false_alarm"
# Someone had to act: the alert was right.
REAL_INCIDENT = frozenset({"responder_visit", "family_attended", "emergency_services", "hospital_admission"})
# The graces "not up" and the kitchen watchdog give after the usual time are what a lesson
# widens for them.
_DEFAULT = RoutineBaseline()


@dataclasses.dataclass(frozen=True, slots=True)
class Lesson:
    """What a household's outcomes taught one watchdog in one band of the day."""

    detector: str
    band: int
    factor: float
    false_alarms: int
    real_incidents: int


def band_of(detector: str, instant: float, timezone: str) -> int:
    """The band of the day a lesson from an alert raised at `instant` applies to."""
    if detector not in BANDED:
        return 0
    _, clock = local_day_and_time(np.array([instant]), timezone)
    return int(clock[0] // (BAND_HOURS * 3600)) % BANDS


def learn(outcomes: Iterable[tuple[str, int, str]]) -> dict[tuple[str, int], Lesson]:
    """Lessons from (detector, band, outcome) in the order recorded; other outcomes teach nothing."""
    lessons: dict[tuple[str, int], Lesson] = {}
    for detector, band, outcome in outcomes:
        if detector not in ADJUSTABLE or (outcome != FALSE_ALARM and outcome not in REAL_INCIDENT):
            continue
        known = lessons.get((detector, band), Lesson(detector, band, 1.0, 0, 0))
        false = outcome == FALSE_ALARM
        lessons[(detector, band)] = Lesson(
            detector=detector,
            band=band,
            factor=float(np.clip(known.factor * STEP if false else known.factor / STEP, 1.0, CAP)),
            false_alarms=known.false_alarms + false,
            real_incidents=known.real_incidents + (not false),
        )
    return lessons


def widen(arrays: BaselineArrays, factors: dict[int, dict[tuple[str, int], float]]) -> BaselineArrays:
    """The baselines with each household's (row's) learned factors applied to its limits."""
    quiet, rest = arrays.quiet_limit.copy(), arrays.rest_limit.copy()
    rising, kitchen = arrays.latest_rising.copy(), arrays.latest_kitchen.copy()
    bathroom = arrays.bathroom_limit.copy()
    per_band = quiet.shape[1] // BANDS
    for row, learned in factors.items():
        for (detector, band), factor in learned.items():
            if detector == "inactivity":
                cols = slice(band * per_band, (band + 1) * per_band)
                quiet[row, cols] *= factor
                rest[row, cols] *= factor
            elif detector == "bathroom_long":
                bathroom[row] *= factor
            elif detector == "not_up":
                rising[row] += _DEFAULT.rising_grace * (factor - 1)
            elif detector == "expected_activity_missing":
                kitchen[row] += _DEFAULT.kitchen_grace * (factor - 1)
    return dataclasses.replace(
        arrays,
        quiet_limit=quiet,
        rest_limit=rest,
        latest_rising=rising,
        latest_kitchen=kitchen,
        bathroom_limit=bathroom,
    )


def describe_lesson(lesson: Lesson) -> str:
    """'The inactivity limit for 14:00-16:00 is 56 % wider after 2 false alarms.'"""
    when = (
        f" for {lesson.band * BAND_HOURS:02d}:00-{(lesson.band + 1) * BAND_HOURS % 24:02d}:00"
        if lesson.detector in BANDED
        else ""
    )
    wider = round((lesson.factor - 1) * 100)
    counts = f"{lesson.false_alarms} false alarm{'s' if lesson.false_alarms != 1 else ''}"
    if lesson.real_incidents:
        counts += f" and {lesson.real_incidents} real incident{'s' if lesson.real_incidents != 1 else ''}"
    return f"The {lesson.detector.replace('_', ' ')} limit{when} is {wider} % wider after {counts}."
