"""One number per household per day for each part of the routine a decline shows in (rising,
bedtime, night-time toilet visits, kitchen use, outings, how much the person moves about),
from the same signals as the daily summaries. Days that cannot be compared are marked.

A feature day runs from an hour before the person's usual rising to the same time the next
day, so a late morning belongs to its own day; the night after a day's evening is that
day's night (from settling to the next rising).
"""

import dataclasses
import enum

import numpy as np
import numpy.typing as npt

from detection._daily import EARLIEST_RISING, LATEST_RISING, _out_of_bed, _rising, _settle
from detection._localtime import SECONDS_PER_DAY, Seconds, local_day_and_time
from detection._signals import Place

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# The day starts this long before the usual rising, so an ordinary late morning is still
# inside its own day; bounded so a missing history still gives a sensible day.
ANCHOR_BEFORE_RISING = 3600.0
DEFAULT_ANCHOR = 6 * 3600.0
# Signs in one place this close together are one visit (a PIR re-triggers every minute or two).
VISIT_GAP = 10 * 60.0
REENTRY = 2 * 60.0
# A kitchen visit this long is a meal being made or eaten, not a glass of water.
MEAL_SECONDS = 10 * 60.0
# Leaving: an outside door followed by this much silence inside (as the daily summaries).
OUT_AFTER_DOOR = 10 * 60.0
ACTIVE_SLOT = 5 * 60.0
NIGHT_SLOT = 15 * 60.0
# With a device reporting on a timer (every 30 min in the standard kit), two hours without a
# single reading is the hub or its link, not the person: that day is not comparable.
OUTAGE_SECONDS = 2 * 3600.0
# Out for this much of the day: a day away, not a day of the person's routine at home.
AWAY_SECONDS = 20 * 3600.0


class Feature(enum.IntEnum):
    """The daily features, in the column order of `DailyFeatures.values`."""

    RISING = 0  # seconds after local midnight
    BEDTIME = 1  # seconds after local midnight (past 86,400 after midnight)
    TIME_IN_BED = 2  # seconds, from settling to the next rising
    NIGHT_BATHROOM = 3  # visits between settling and the next rising
    NIGHT_UP = 4  # seconds up and about away from the bedroom at night (15-min slots)
    KITCHEN_VISITS = 5
    MEALS = 6  # kitchen visits of 10 min or more
    KETTLE = 7  # times the kettle was switched on
    TIME_OUT = 8  # seconds out of the home
    OUTINGS = 9
    ACTIVE = 10  # seconds of the day with a sign of the person (5-min slots)
    TRANSITIONS = 11  # moves from one part of the home to another


FEATURES = tuple(Feature)


class Unusable(enum.IntEnum):
    """Why a day is not compared with the others (0: it is)."""

    NO = 0
    NO_DATA = 1  # nothing heard, or the day is not wholly inside what was read
    HUB_OUTAGE = 2
    OUT_ALL_DAY = 3
    NOT_MONITORED = 4  # the household was away or paused


@dataclasses.dataclass(frozen=True, slots=True)
class DailyFeatures:
    """Per feature day (rows; days since 1970-01-01 in `days`): the features, NaN where unknown."""

    days: npt.NDArray[np.int64]
    values: FloatArray  # (days, len(FEATURES))
    unusable: npt.NDArray[np.int8]  # Unusable per day
    anchor: float  # seconds after local midnight at which each day starts

    @property
    def usable(self) -> BoolArray:
        result: BoolArray = self.unusable == Unusable.NO
        return result

    def take(self, rows: BoolArray) -> "DailyFeatures":
        return DailyFeatures(self.days[rows], self.values[rows], self.unusable[rows], self.anchor)


def day_anchor(rising: FloatArray) -> float:
    """Where a feature day starts: an hour before the usual (median) rising."""
    if not np.any(~np.isnan(rising)):
        return DEFAULT_ANCHOR
    return float(
        np.clip(np.nanmedian(rising) - ANCHOR_BEFORE_RISING, EARLIEST_RISING, LATEST_RISING - 4 * 3600)
    )


def daily_features(
    t: Seconds,
    place: npt.NDArray[np.int8],
    in_bed: BoolArray | None,
    kettle_on: BoolArray,
    timezone: str,
    days: range,
    *,
    heard: Seconds,
    heartbeat: bool,
    anchor: float | None = None,
) -> DailyFeatures:
    """Features of the given local days from time-ordered readings.

    `place` is where each reading puts the person (Place.NONE: not a sign of them), `in_bed`
    whether the bed mat was occupied just after it (None without a bed mat), `kettle_on`
    whether it switched a kettle on. `heard` is the time of every reading of the home, sorted
    (for outages, judged only when `heartbeat`: a device reports on a timer). `anchor`
    defaults to an hour before the usual rising over these days.
    """
    n = len(days)
    first = days.start
    person = place != Place.NONE
    day_all, clock_all = local_day_and_time(t, timezone)
    rising = _rising_of(day_all[person], clock_all[person], place[person], in_bed, person, first, n + 1)
    if anchor is None:
        anchor = day_anchor(rising[:n])
    settle = _settle(day_all[person] * SECONDS_PER_DAY + clock_all[person], place[person], first, n)
    local = day_all * SECONDS_PER_DAY + clock_all
    row = np.floor((local - anchor) / SECONDS_PER_DAY).astype(np.int64) - first
    values = np.full((n, len(FEATURES)), np.nan)
    values[:, Feature.RISING] = rising[:n]
    values[:, Feature.BEDTIME] = settle
    sign_local, sign_place = local[person], place[person]
    night_start = _to_bed(
        sign_local[sign_place == Place.SLEEP], np.arange(first, first + n) * SECONDS_PER_DAY + settle
    )
    night_end = (np.arange(first + 1, first + n + 1) * SECONDS_PER_DAY + rising[1:]).astype(float)
    night_start[night_start >= night_end] = np.nan
    values[:, Feature.TIME_IN_BED] = night_end - night_start
    values[:, Feature.NIGHT_BATHROOM] = _in_nights(
        _visits(sign_local, sign_place, Place.BATHROOM)[0], night_start, night_end
    )
    away_from_bed = sign_local[(sign_place != Place.SLEEP) & (sign_place != Place.OUTSIDE_DOOR)]
    values[:, Feature.NIGHT_UP] = NIGHT_SLOT * _in_nights(
        np.unique(np.floor(away_from_bed / NIGHT_SLOT)) * NIGHT_SLOT, night_start, night_end
    )
    kitchen = _visits(sign_local, sign_place, Place.KITCHEN)
    values[:, Feature.KITCHEN_VISITS] = _count(_row_of(kitchen[0], anchor, first), n)
    values[:, Feature.MEALS] = _count(_row_of(kitchen[0][kitchen[1] >= MEAL_SECONDS], anchor, first), n)
    values[:, Feature.KETTLE] = _count(row[kettle_on], n)
    out_from, out_until = _outings(sign_local, sign_place)
    values[:, Feature.OUTINGS] = _count(_row_of(out_from, anchor, first), n)
    values[:, Feature.TIME_OUT] = _time_in_rows(out_from, out_until, anchor, first, n)
    slots = np.unique(np.floor(sign_local / ACTIVE_SLOT)) * ACTIVE_SLOT
    values[:, Feature.ACTIVE] = ACTIVE_SLOT * _count(_row_of(slots, anchor, first), n)
    moved = np.flatnonzero(np.diff(sign_place) != 0) + 1
    values[:, Feature.TRANSITIONS] = _count(_row_of(sign_local[moved], anchor, first), n)
    unusable = _unusable(
        row[person], local_day_and_time(heard, timezone), values, anchor, first, n, heartbeat
    )
    return DailyFeatures(np.arange(days.start, days.stop, dtype=np.int64), values, unusable, anchor)


def _rising_of(
    day: npt.NDArray[np.int64],
    clock: FloatArray,
    place: npt.NDArray[np.int8],
    in_bed: BoolArray | None,
    person: BoolArray,
    first: int,
    n: int,
) -> FloatArray:
    if in_bed is None:
        return _rising(day, clock, place, first, n)
    return _out_of_bed(day, clock, in_bed[person], first, n)


def _to_bed(sleep_signs: FloatArray, settled: FloatArray) -> FloatArray:
    """The night starts at the first sign in the bedroom after settling (the evening's wash
    in the bathroom before it is not a night-time visit)."""
    at = np.searchsorted(sleep_signs, np.nan_to_num(settled, nan=np.inf))
    found = at < sleep_signs.size
    result = np.full(len(settled), np.nan)
    result[found] = sleep_signs[at[found]]
    return result


def _row_of(local: FloatArray, anchor: float, first: int) -> npt.NDArray[np.int64]:
    return np.floor((local - anchor) / SECONDS_PER_DAY).astype(np.int64) - first


def _count(rows: npt.NDArray[np.int64], n: int) -> FloatArray:
    keep = (rows >= 0) & (rows < n)
    return np.bincount(rows[keep], minlength=n)[:n].astype(float)


def _in_nights(instants: FloatArray, start: FloatArray, end: FloatArray) -> FloatArray:
    """How many of these (sorted) instants fall in each night; NaN where the night is unknown."""
    known = ~np.isnan(start) & ~np.isnan(end)
    counts = np.full(len(start), np.nan)
    counts[known] = np.searchsorted(instants, end[known]) - np.searchsorted(instants, start[known])
    return counts


def _visits(local: FloatArray, place: npt.NDArray[np.int8], where: Place) -> tuple[FloatArray, FloatArray]:
    """(start, length) of each visit to `where`. Passing through the hall does not end a visit;
    a sign elsewhere ends it unless the person is back within REENTRY (a door closing behind
    them while the bedroom PIR sees them is one visit); a silence of VISIT_GAP always does."""
    moving = place != Place.TRANSIT
    local, place = local[moving], place[moving]
    there = np.flatnonzero(place == where)
    if there.size == 0:
        return np.zeros(0), np.zeros(0)
    times = local[there]
    gap = np.r_[np.inf, np.diff(times)]
    left_between = np.r_[True, np.diff(there) > 1]
    new = (gap > VISIT_GAP) | (left_between & (gap > REENTRY))
    visit = np.cumsum(new) - 1
    starts = times[new]
    ends = np.zeros(len(starts))
    np.maximum.at(ends, visit, times)
    return starts, ends - starts


def _outings(local: FloatArray, place: npt.NDArray[np.int8]) -> tuple[FloatArray, FloatArray]:
    """(left, back) of each time out: the first of a run of outside-door signs, until the next
    sign inside, when that is 10 min or more later."""
    inside = np.flatnonzero(place != Place.OUTSIDE_DOOR)
    doors = np.flatnonzero(place == Place.OUTSIDE_DOOR)
    if doors.size == 0 or inside.size == 0:
        return np.zeros(0), np.zeros(0)
    next_inside = np.searchsorted(inside, doors)
    has_next = next_inside < inside.size
    doors, back_at = doors[has_next], local[inside[next_inside[has_next]]]
    if doors.size == 0:  # out since the last sign inside (gone to hospital, away): no outing ended yet
        return np.zeros(0), np.zeros(0)
    first_door = np.r_[True, back_at[1:] != back_at[:-1]]
    left, back = local[doors][first_door], back_at[first_door]
    out = back - left >= OUT_AFTER_DOOR
    return left[out], back[out]


def _time_in_rows(start: FloatArray, end: FloatArray, anchor: float, first: int, n: int) -> FloatArray:
    """Seconds of the intervals [start, end) that fall in each feature day."""
    bounds = (np.arange(first, first + n + 1) * SECONDS_PER_DAY + anchor).astype(float)
    total = np.zeros(n)
    for r in range(n):
        overlap = np.minimum(end, bounds[r + 1]) - np.maximum(start, bounds[r])
        total[r] = overlap[overlap > 0].sum()
    return total


def _unusable(
    sign_row: npt.NDArray[np.int64],
    heard: tuple[npt.NDArray[np.int64], FloatArray],
    values: FloatArray,
    anchor: float,
    first: int,
    n: int,
    heartbeat: bool,
) -> npt.NDArray[np.int8]:
    result = np.zeros(n, dtype=np.int8)
    heard_local = np.sort(heard[0] * SECONDS_PER_DAY + heard[1])
    bounds = (np.arange(first, first + n + 1) * SECONDS_PER_DAY + anchor).astype(float)
    edges = np.searchsorted(heard_local, bounds)
    signs = _count(sign_row, n)
    for r in range(n):
        lo, hi = bounds[r], bounds[r + 1]
        if heard_local.size == 0 or heard_local[0] > lo or heard_local[-1] < hi - OUTAGE_SECONDS:
            result[r] = Unusable.NO_DATA
            continue
        window = heard_local[edges[r] : edges[r + 1]]
        if heartbeat and np.max(np.diff(np.r_[lo, window, hi])) >= OUTAGE_SECONDS:
            result[r] = Unusable.HUB_OUTAGE
        elif values[r, Feature.TIME_OUT] >= AWAY_SECONDS or signs[r] == 0:
            result[r] = Unusable.OUT_ALL_DAY
    return result
