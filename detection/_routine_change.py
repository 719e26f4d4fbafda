"""Slow change in a person's routine: their recent days against their own usual days, feature
by feature (a CUSUM on robust z-scores) and as whole days (an isolation forest), said in words
("Night-time bathroom visits have risen from about 1 to 3 a night over the last 9 days").

"Usual" is a reference of up to six weeks of comparable days that ends two to three weeks
before the day assessed, moved on a week at a time: a change has time to show before it
becomes the new usual, and the forest is refitted only weekly. A finding needs a change that
is both persistent (the CUSUM) and large enough to matter to a carer (MEANINGFUL).
"""

import dataclasses

import numpy as np
import numpy.typing as npt

from detection._daily import LATEST_RISING
from detection._drift import (
    DayModel,
    FloatArray,
    Usual,
    cusum,
    fit_day_model,
    level_of,
    robust_z,
    run_start,
    usual_of,
)
from detection._explain import duration, time_of_day
from detection._features import FEATURES, DailyFeatures, Feature
from detection._localtime import local_instant

MINUTE = 60.0
HOUR = 3600.0
# The reference ends at least LAG days before the day assessed (aligned to whole weeks), and
# spans REFERENCE_DAYS before that; fewer than MIN_REFERENCE comparable days there: no verdict
# (with two weeks, a third of the simulated false findings came from the first week assessed).
LAG = 14
WEEK = 7
REFERENCE_DAYS = 42
MIN_REFERENCE = 21
# The forest wants four weeks of comparable days to know what a usual day looks like.
MIN_FOREST_REFERENCE = 28
# CUSUM: a day counts towards a change only beyond SLACK spreads from the usual; a sum of
# STRONG spreads is a change in one feature, BROAD in each of BROAD_FEATURES features at once.
# Tuned on the simulated population (bench/detection.py) for at most one false finding per
# household per 90 days.
SLACK = 1.0
STRONG = 6.0
BROAD = 4.0
BROAD_FEATURES = 3
# The forest: most of the recent days unlike every usual day.
UNUSUAL_DAYS = 5
OF_LAST = 8
# An open finding holds until the evidence falls below this share of what opened it.
HOLD = 0.75

# Spreads smaller than these are not believed (a person who always rose at 07:00 for four
# weeks may rise at 07:20 without anything having changed), in each feature's unit.
SPREAD_FLOOR = {
    Feature.RISING: 20 * MINUTE,
    Feature.BEDTIME: 20 * MINUTE,
    Feature.TIME_IN_BED: 30 * MINUTE,
    Feature.NIGHT_BATHROOM: 0.75,
    Feature.NIGHT_UP: 15 * MINUTE,
    Feature.KITCHEN_VISITS: 1.5,
    Feature.MEALS: 0.75,
    Feature.KETTLE: 1.0,
    Feature.TIME_OUT: 45 * MINUTE,
    Feature.OUTINGS: 0.5,
    Feature.ACTIVE: 30 * MINUTE,
    Feature.TRANSITIONS: 8.0,
}
# The smallest change worth a carer's attention: an absolute amount, or a share of the usual
# level for amounts of activity (whichever is larger).
MEANINGFUL = {
    Feature.RISING: (30 * MINUTE, 0.0),
    Feature.BEDTIME: (30 * MINUTE, 0.0),
    Feature.TIME_IN_BED: (45 * MINUTE, 0.0),
    Feature.NIGHT_BATHROOM: (0.75, 0.0),
    Feature.NIGHT_UP: (15 * MINUTE, 0.0),
    Feature.KITCHEN_VISITS: (1.5, 0.2),
    Feature.MEALS: (0.75, 0.0),
    Feature.KETTLE: (1.0, 0.25),
    Feature.TIME_OUT: (30 * MINUTE, 0.4),
    Feature.OUTINGS: (0.25, 0.4),
    Feature.ACTIVE: (45 * MINUTE, 0.1),
    Feature.TRANSITIONS: (8.0, 0.15),
}
_FLOOR = np.array([SPREAD_FLOOR[f] for f in FEATURES])
# Said as plain means: how often something happens in a week, or how long it lasts in all.
RATES = np.array([f in (Feature.OUTINGS, Feature.TIME_OUT) for f in FEATURES])


@dataclasses.dataclass(frozen=True, slots=True)
class Reference:
    """The person's usual days for assessments until the reference next moves on."""

    end: int  # first day after the reference (days since 1970-01-01)
    usual: Usual
    model: DayModel | None


@dataclasses.dataclass(frozen=True, slots=True)
class Moved:
    """One feature that has changed: from its usual level to its recent one, since `since`."""

    feature: Feature
    usual: float
    recent: float
    since: int  # first day of the change (days since 1970-01-01)
    days: int  # comparable days since then
    strength: float  # the CUSUM, in spreads

    def sentence(self) -> str:
        return describe(self.feature, self.usual, self.recent, f"over the last {self.days} days")


@dataclasses.dataclass(frozen=True, slots=True)
class RoutineChange:
    """A change in the routine found on `day`: which features moved, since when, in words."""

    day: int
    since: int
    moved: tuple[Moved, ...]
    unusual_days: int  # of the last OF_LAST comparable days, how many the forest found unlike any usual day
    strength: float  # the largest CUSUM among the moved features, in spreads

    @property
    def message(self) -> str:
        sentences = [m.sentence() for m in self.moved[:3]]
        if self.unusual_days >= UNUSUAL_DAYS:
            sentences.append(
                f"{self.unusual_days} of the last {OF_LAST} days were unlike any of the usual days."
            )
        more = len(self.moved) - 3
        tail = f" ({more} more change{'s' if more > 1 else ''} in the evidence.)" if more > 0 else ""
        return "A change in the daily routine: " + " ".join(sentences) + tail

    @property
    def evidence(self) -> dict[str, float]:
        numbers: dict[str, float] = {"since_day": float(self.since), "unusual_days": float(self.unusual_days)}
        for m in self.moved:
            name = m.feature.name.lower()
            numbers[f"{name}_usual"] = m.usual
            numbers[f"{name}_recent"] = m.recent
            numbers[f"{name}_since_day"] = float(m.since)
            numbers[f"{name}_strength"] = m.strength
        return numbers


def assessed_at(day: int, timezone: str) -> float:
    """When a day's features are complete: its night is over by the latest rising (14:00) of
    the next day. The evaluation dates its findings so; the service's daily pass is later."""
    return local_instant(day + 1, LATEST_RISING, timezone)


def reference_end(day: int) -> int:
    """The first day after the reference used to assess `day`: at least LAG days before it, on
    a grid of whole weeks (days since 1970-01-01 divisible by 7), so it moves on weekly."""
    return (day - LAG) // WEEK * WEEK


def fit_reference(features: DailyFeatures, end: int, *, seed: int = 0) -> Reference | None:
    """The usual days before `end`, or None with too few comparable days to tell."""
    rows = features.usable & (features.days < end) & (features.days >= end - REFERENCE_DAYS)
    values = features.values[rows]
    if len(values) < MIN_REFERENCE:
        return None
    usual = usual_of(values, _FLOOR, RATES)
    model = fit_day_model(robust_z(values, usual), seed=seed) if len(values) >= MIN_FOREST_REFERENCE else None
    return Reference(end=end, usual=usual, model=model)


def assess(
    features: DailyFeatures, day: int, reference: Reference, *, holding: bool = False
) -> RoutineChange | None:
    """The change in the routine as of `day` (its features known), or None. `holding`: a
    finding is open, and stays so on weaker evidence (HOLD) so that it does not flicker."""
    scale = HOLD if holding else 1.0
    rows = features.usable & (features.days >= reference.end) & (features.days <= day)
    days, values = features.days[rows], features.values[rows]
    if len(days) == 0:
        return None
    z = robust_z(values, reference.usual)
    up, down = cusum(z, SLACK)
    moved = _moved(days, values, up, down, reference.usual, scale)
    unusual = 0
    if reference.model is not None:
        recent_z = z[-OF_LAST:]
        unusual = int(np.sum(reference.model.unusual(recent_z)))
    by_forest = unusual >= UNUSUAL_DAYS * (scale if holding else 1.0) and bool(moved)
    strong = [m for m in moved if m.strength >= STRONG * scale]
    broad = [m for m in moved if m.strength >= BROAD * scale]
    if not strong and len(broad) < BROAD_FEATURES and not by_forest:
        return None
    shown = tuple(sorted(moved, key=lambda m: -m.strength))
    return RoutineChange(
        day=day,
        since=min(m.since for m in shown),
        moved=shown,
        unusual_days=unusual,
        strength=max(m.strength for m in shown),
    )


def _moved(
    days: npt.NDArray[np.int64],
    values: FloatArray,
    up: FloatArray,
    down: FloatArray,
    usual: Usual,
    scale: float,
) -> list[Moved]:
    """Features whose CUSUM is building now and whose recent level differs meaningfully."""
    result = []
    for sums in (up, down):
        start = run_start(sums)
        for f in FEATURES:
            strength = float(sums[-1, f])
            if strength < BROAD * scale:
                continue
            since = int(start[f])
            recent = float(level_of(values[since:, f : f + 1], RATES[f : f + 1])[0])
            if np.isnan(recent) or np.isnan(usual.level[f]):
                continue
            absolute, share = MEANINGFUL[f]
            if abs(recent - usual.level[f]) < max(absolute, share * abs(usual.level[f])) * scale:
                continue
            result.append(
                Moved(
                    feature=f,
                    usual=float(usual.level[f]),
                    recent=recent,
                    since=int(days[since]),
                    days=int(days[-1] - days[since] + 1),
                    strength=strength,
                )
            )
    return result


_LABELS = {
    Feature.RISING: "Getting up",
    Feature.BEDTIME: "Settling for the night",
    Feature.TIME_IN_BED: "Time in bed",
    Feature.NIGHT_BATHROOM: "Night-time bathroom visits",
    Feature.NIGHT_UP: "Time up and about at night",
    Feature.KITCHEN_VISITS: "Kitchen visits",
    Feature.MEALS: "Meals (kitchen visits of 10 min or more)",
    Feature.KETTLE: "Kettle use",
    Feature.TIME_OUT: "Time out of the home",
    Feature.OUTINGS: "Outings",
    Feature.ACTIVE: "Time moving about the home",
    Feature.TRANSITIONS: "Moves from room to room",
}
_PER = {
    Feature.TIME_IN_BED: "a night",
    Feature.NIGHT_BATHROOM: "a night",
    Feature.NIGHT_UP: "a night",
    Feature.OUTINGS: "a week",
}
_PLURAL = frozenset(
    {Feature.NIGHT_BATHROOM, Feature.KITCHEN_VISITS, Feature.MEALS, Feature.OUTINGS, Feature.TRANSITIONS}
)
_TIMES_OF_DAY = frozenset({Feature.RISING, Feature.BEDTIME})
_DURATIONS = frozenset({Feature.TIME_IN_BED, Feature.NIGHT_UP, Feature.TIME_OUT, Feature.ACTIVE})


def amount(feature: Feature, value: float) -> str:
    """A feature's value as a carer would say it: '07:40', '1 h 10 min', '3', '2 a week'."""
    if feature in _TIMES_OF_DAY:
        return time_of_day(round(value / 300) * 300)
    if feature in _DURATIONS:
        return duration(round(value / 300) * 300) if value >= 300 else "none"
    if feature is Feature.OUTINGS:
        return f"{value * 7:.0f}"
    return f"{value:.0f}" if value >= 1.5 or value == 0 else f"{value:.1f}".rstrip("0").rstrip(".")


def describe(feature: Feature, usual: float, recent: float, when: str) -> str:
    """'Night-time bathroom visits have risen from about 1 to 3 a night over the last 9 days.'"""
    label, before, after = _LABELS[feature], amount(feature, usual), amount(feature, recent)
    if feature in _TIMES_OF_DAY:
        way = "later" if recent > usual else "earlier"
        return f"{label} has moved {way}, from about {before} to {after}, {when}."
    verb = "have" if feature in _PLURAL else "has"
    way = "risen" if recent > usual else "fallen"
    return f"{label} {verb} {way} from about {before} to {after} {_PER.get(feature, 'a day')} {when}."


class RoutineWatch:
    """One household's routine-change detector from day to day: the reference (refitted when
    it moves on) and whether a finding is open. The service and the evaluation both use it."""

    def __init__(self, *, seed: int = 0, holding: bool = False) -> None:
        """`holding`: a finding is already open (after a restart, from the store)."""
        self.seed = seed
        self.reference_: Reference | None = None
        self.change_: RoutineChange | None = None
        self._holding = holding

    def update(self, features: DailyFeatures, day: int) -> RoutineChange | None:
        """Assess `day` (using only days up to it); the change now, or None."""
        end = reference_end(day)
        if self.reference_ is None or self.reference_.end != end:
            self.reference_ = fit_reference(features, end, seed=self.seed)
        holding = self._holding or self.change_ is not None
        self._holding = False
        self.change_ = (
            None if self.reference_ is None else assess(features, day, self.reference_, holding=holding)
        )
        return self.change_
