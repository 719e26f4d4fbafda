"""A person's learned day: how long they are ever normally quiet at each time of day, when they
are usually up, in the kitchen, settled for the night, out; learned from their own days.

Follows the scikit-learn conventions: `__init__` stores parameters, `fit` learns attributes
ending in `_`, nothing is mutated, and a fitted baseline round-trips through JSON.
"""

import dataclasses
import datetime as dt
from typing import Any, Self

import numpy as np

from detection._daily import BINS, DaySummaries
from detection._localtime import local_day_and_time

HOUR = 3600.0

# Until this many days are learned the household is on population defaults (and says so):
# a week covers each weekday once.
MIN_DAYS_LEARNED = 7
# Learning stops improving after four weeks; older days describe a person who may have changed.
WINDOW_DAYS = 28
# A day on which detection raised a concern about the person is not a usual day: a morning
# in bed with a chest infection must not teach that rising at 13:00 is normal, and so hide the
# next one. Unless a responder called the concern a false alarm: then the day was usual.
UNUSUAL_DAY_KINDS = frozenset(
    {"inactivity", "not_up", "expected_activity_missing", "bathroom_long", "not_back_home", "night_exit"}
)
# When more than this share of the days had concerns, the concerns are saying the routine
# itself has moved (the routine-change finding's business): every day is learned from, so a
# new routine becomes the usual one instead of being alarmed at for ever.
MAX_UNUSUAL_SHARE = 0.2


@dataclasses.dataclass(frozen=True, slots=True)
class PopulationDefaults:
    """Conservative starting points for a new home, late and long enough to rarely cry wolf
    while the home's own routine is learned (late risers sleep until 11:00; some sit for an
    evening without a sensor seeing them move)."""

    # Quiet at home: 4 h by day (11:30-21:00), 12 h by night.
    day_quiet: float = 4 * HOUR
    night_quiet: float = 12 * HOUR
    day_from: float = 11.5 * HOUR
    day_until: float = 21 * HOUR
    # In bed or the chair: a nap by day, a night's sleep by night.
    day_rest: float = 6 * HOUR
    night_rest: float = 14 * HOUR
    latest_rising: float = 11.5 * HOUR
    latest_kitchen: float = 13 * HOUR
    night_start: float = 23.5 * HOUR
    night_end: float = 5.5 * HOUR
    bathroom_limit: float = 3 * HOUR


@dataclasses.dataclass(frozen=True, slots=True)
class RoutineBaseline:
    """Parameters; call `fit(summaries)` to learn. Times of day are seconds after local midnight."""

    # Quiet limit = robust longest quiet at that time of day x margin + slack, within bounds.
    # Up and about (no bed or chair mat occupied) a person moves every few minutes; the floor
    # of 50 min covers a still spell on an unsensed seat and keeps a collapse found within the
    # hour. The ceiling means even a long sleeper is checked on after 12 h.
    quiet_margin: float = 1.15
    quiet_slack: float = 10 * 60
    quiet_floor: float = 50 * 60
    quiet_ceiling: float = 12 * HOUR
    # Resting (in bed or the chair) varies more from day to day than being up: a wider margin,
    # and a 3 h floor, since an afternoon nap in the chair often runs past 2 h. A collapse
    # empties the mat, so this limit never delays finding one.
    rest_margin: float = 1.5
    rest_slack: float = 30 * 60
    rest_floor: float = 3 * HOUR
    rest_ceiling: float = 14 * HOUR
    # Grace after the usual latest rising/kitchen time before asking where the person is.
    rising_grace: float = 45 * 60
    kitchen_grace: float = 90 * 60
    # A bath can take an hour: below that no stay is remarkable.
    bathroom_margin: float = 1.5
    bathroom_floor: float = 60 * 60
    bathroom_ceiling: float = 3 * HOUR
    # A departure hour is usual if the person left in it (or the hours either side) this often.
    usual_departures: int = 2
    defaults: PopulationDefaults = PopulationDefaults()

    days_learned_: int = 0
    quiet_limit_: tuple[float, ...] = ()
    quiet_usual_: tuple[float, ...] = ()  # the robust longest quiet, before margin and bounds
    rest_limit_: tuple[float, ...] = ()
    rest_usual_: tuple[float, ...] = ()
    latest_rising_: tuple[float, float] = (0.0, 0.0)  # weekday, weekend
    latest_kitchen_: tuple[float, float] = (0.0, 0.0)
    night_: tuple[float, float] = (0.0, 0.0)  # start (may exceed 24 h), end
    bathroom_limit_: float = 0.0
    usual_departure_hours_: tuple[bool, ...] = ()

    def fit(self, summaries: DaySummaries) -> Self:
        """Learn from up to the last 28 summarised days that have any data."""
        has_data = ~np.all(np.isnan(summaries.quiet_max), axis=1)
        rows = np.flatnonzero(has_data)[-WINDOW_DAYS:]
        days = len(rows)
        if days < MIN_DAYS_LEARNED:
            return self._population(days)
        # The k-th longest: with two weeks or more, one odd day (an illness, a party) is ignored.
        k = 1 if days < 14 else 2
        weekend = _is_weekend(summaries.days[rows])
        quiet_limit, quiet_usual = self._quiet(summaries.quiet_max[rows], k, resting=False)
        rest_limit, rest_usual = self._quiet(summaries.rest_max[rows], k, resting=True)
        return dataclasses.replace(
            self,
            days_learned_=days,
            quiet_limit_=quiet_limit,
            quiet_usual_=quiet_usual,
            rest_limit_=rest_limit,
            rest_usual_=rest_usual,
            latest_rising_=self._latest_by_day_type(summaries.rising[rows], weekend, k, self.rising_grace),
            latest_kitchen_=self._latest_by_day_type(
                summaries.first_kitchen[rows], weekend, k, self.kitchen_grace
            ),
            night_=self._night(summaries.settle[rows], summaries.rising[rows]),
            bathroom_limit_=self._bathroom_limit(summaries.bathroom_max[rows], k),
            usual_departure_hours_=self._usual_departures(summaries.departures[rows]),
        )

    def fit_empty(self) -> Self:
        """Population defaults, for a home with no days learned yet."""
        return self._population(0)

    @property
    def learned(self) -> bool:
        return self.days_learned_ >= MIN_DAYS_LEARNED

    def quiet_limit_at(self, seconds_of_day: float) -> float:
        return self.quiet_limit_[int(seconds_of_day // (86_400 // BINS)) % BINS]

    def latest_rising_on(self, day: int) -> float:
        return self.latest_rising_[int(_is_weekend(np.array([day]))[0])]

    def latest_kitchen_on(self, day: int) -> float:
        return self.latest_kitchen_[int(_is_weekend(np.array([day]))[0])]

    def _population(self, days: int) -> Self:
        d = self.defaults
        return dataclasses.replace(
            self,
            days_learned_=days,
            quiet_limit_=tuple(float(x) for x in self._default_quiet(resting=False)),
            quiet_usual_=(),
            rest_limit_=tuple(float(x) for x in self._default_quiet(resting=True)),
            rest_usual_=(),
            latest_rising_=(d.latest_rising + self.rising_grace,) * 2,
            latest_kitchen_=(d.latest_kitchen + self.kitchen_grace,) * 2,
            night_=(d.night_start, d.night_end),
            bathroom_limit_=d.bathroom_limit,
            usual_departure_hours_=tuple(bool(6 <= h < 21) for h in range(24)),
        )

    def _quiet(
        self, quiet_max: np.ndarray[Any, np.dtype[np.float64]], k: int, *, resting: bool
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        stat = _kth_largest(quiet_max, k, axis=0)
        stat = np.where(np.isnan(stat), self._default_quiet(resting=resting), stat)
        # A quiet spell that peaked at 10:25 one day may peak at 10:35 the next: each half hour
        # also allows what its neighbours do.
        smoothed = np.maximum(stat, np.maximum(np.roll(stat, 1), np.roll(stat, -1)))
        if resting:
            limit = np.clip(smoothed * self.rest_margin + self.rest_slack, self.rest_floor, self.rest_ceiling)
        else:
            limit = np.clip(
                smoothed * self.quiet_margin + self.quiet_slack, self.quiet_floor, self.quiet_ceiling
            )
        return tuple(float(x) for x in limit), tuple(float(x) for x in smoothed)

    def _default_quiet(self, *, resting: bool) -> np.ndarray[Any, np.dtype[np.float64]]:
        d = self.defaults
        bins = np.arange(BINS) * 0.5 * HOUR
        by_day = (bins >= d.day_from) & (bins < d.day_until)
        if resting:
            return np.where(by_day, d.day_rest, d.night_rest)
        return np.where(by_day, d.day_quiet, d.night_quiet)

    def _latest_by_day_type(
        self,
        times: np.ndarray[Any, np.dtype[np.float64]],
        weekend: np.ndarray[Any, np.dtype[np.bool_]],
        k: int,
        grace: float,
    ) -> tuple[float, float]:
        overall = _kth_largest(times, k)
        weekday = _kth_largest(times[~weekend], k)
        weekend_latest = _kth_largest(times[weekend], 1) if np.sum(~np.isnan(times[weekend])) >= 3 else np.nan
        fallback = overall if not np.isnan(overall) else self.defaults.latest_rising
        return (
            float((weekday if not np.isnan(weekday) else fallback) + grace),
            float(max(fallback, weekend_latest if not np.isnan(weekend_latest) else fallback) + grace),
        )

    def _night(
        self, settle: np.ndarray[Any, np.dtype[np.float64]], rising: np.ndarray[Any, np.dtype[np.float64]]
    ) -> tuple[float, float]:
        # A little inside the usual night on both sides: a door at 22:50 for a person who
        # settles at 22:40 is still the evening, and at 06:50 for one who rises at 07:00 the day.
        usual_settle = np.nanmedian(settle) if np.any(~np.isnan(settle)) else self.defaults.night_start
        early_rising = np.nanpercentile(rising, 20) if np.any(~np.isnan(rising)) else self.defaults.night_end
        return float(usual_settle + 30 * 60), float(early_rising - 15 * 60)

    def _bathroom_limit(self, stays: np.ndarray[Any, np.dtype[np.float64]], k: int) -> float:
        longest = _kth_largest(stays, k)
        if np.isnan(longest):
            return self.defaults.bathroom_limit
        return float(
            np.clip(longest * self.bathroom_margin + 10 * 60, self.bathroom_floor, self.bathroom_ceiling)
        )

    def _usual_departures(self, departures: np.ndarray[Any, np.dtype[np.int64]]) -> tuple[bool, ...]:
        by_hour = departures.sum(axis=0)
        around = by_hour + np.roll(by_hour, 1) + np.roll(by_hour, -1)
        return tuple(bool(n >= self.usual_departures) for n in around)

    def to_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RoutineBaseline":
        # JSON has lists where the baseline keeps tuples (so that it stays hashable and frozen).
        fields: dict[str, Any] = {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}
        fields["defaults"] = PopulationDefaults(**fields["defaults"])
        return cls(**fields)


def concern_days(onsets: list[float], timezone: str) -> set[int]:
    """The home's local days (days since 1970-01-01) on which these concerns began."""
    return {int(day) for day in local_day_and_time(np.array(onsets), timezone)[0]} if onsets else set()


def usual_days(
    days: np.ndarray[Any, np.dtype[np.int64]], unusual: set[int]
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which of these days to learn from: all but the `unusual` ones (days with a concern about
    the person), unless those are more than MAX_UNUSUAL_SHARE of them."""
    flagged = np.isin(days, np.fromiter(unusual, dtype=np.int64, count=len(unusual)))
    if flagged.sum() > MAX_UNUSUAL_SHARE * len(days):
        return np.ones(len(days), dtype=bool)
    result: np.ndarray[Any, np.dtype[np.bool_]] = ~flagged
    return result


def _kth_largest(values: np.ndarray[Any, np.dtype[np.float64]], k: int, axis: int | None = None) -> Any:
    """The k-th largest non-NaN value (NaN where there are fewer than k)."""
    ordered = -np.sort(-np.where(np.isnan(values), -np.inf, values), axis=axis)
    if axis is None:
        ordered = ordered.ravel()
        return ordered[k - 1] if ordered.size >= k and np.isfinite(ordered[k - 1]) else np.nan
    chosen = np.take(ordered, min(k, ordered.shape[axis]) - 1, axis=axis) if ordered.shape[axis] else np.nan
    return np.where(np.isfinite(chosen), chosen, np.nan)


def _is_weekend(days: np.ndarray[Any, np.dtype[np.int64]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    weekday = (days + dt.date(1970, 1, 1).weekday()) % 7  # 0 = Monday
    result: np.ndarray[Any, np.dtype[np.bool_]] = weekday >= 5
    return result
