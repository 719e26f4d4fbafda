"""Change detectors over a person's daily features, against their own usual days: robust
z-scores (median and MAD), a two-sided CUSUM per feature, and an isolation forest over whole
days. Pure functions of arrays; the forest is seeded, so the same days give the same answer.
"""

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sklearn.ensemble import IsolationForest

FloatArray = npt.NDArray[np.float64]

# MAD x 1.4826 estimates the standard deviation of normal data.
MAD_TO_SD = 1.4826
# One odd day (a party, a hospital appointment) moves the sum by at most this many spreads.
Z_CLIP = 4.0
# A day is unusual when the forest finds it stranger than all but this share of the usual days.
UNUSUAL_QUANTILE = 0.1


@dataclasses.dataclass(frozen=True, slots=True)
class Usual:
    """Per feature, from the reference days: the centre a day is measured from, its spread,
    and a trimmed mean for words ("about 1 a night").

    The centre is the mean of the days winsorised at the 10th and 90th percentiles: for small
    counts (outings, night-time visits) a median sits on one whole number and every ordinary
    day would push a CUSUM one way. The spread is the largest of the scaled MAD, the
    winsorised standard deviation (a MAD of 0 for counts that are mostly equal) and a floor.
    """

    centre: FloatArray
    spread: FloatArray
    level: FloatArray
    days: int


def usual_of(reference: FloatArray, floor: FloatArray, rates: npt.NDArray[np.bool_] | None = None) -> Usual:
    """Robust statistics of the reference days (rows; NaN where unknown) for each feature;
    `rates` marks features said as a plain mean (see `level_of`)."""
    median = _nanmedian(reference)
    mad = _nanmedian(np.abs(reference - median))
    winsorised = _winsorised(reference)
    with np.errstate(invalid="ignore"):
        centre = np.nanmean(winsorised, axis=0) if reference.size else median
        sd = np.nanstd(winsorised, axis=0) if reference.size else median
    return Usual(
        centre=np.where(np.isnan(centre), median, centre),
        spread=np.fmax(np.fmax(MAD_TO_SD * np.nan_to_num(mad), np.nan_to_num(sd)), floor),
        level=level_of(reference, rates),
        days=int(reference.shape[0]),
    )


def robust_z(values: FloatArray, usual: Usual) -> FloatArray:
    """How many spreads each value lies from the usual, clipped; NaN stays NaN."""
    z: FloatArray = np.clip((values - usual.centre) / usual.spread, -Z_CLIP, Z_CLIP)
    return z


def _winsorised(values: FloatArray) -> FloatArray:
    known = ~np.all(np.isnan(values), axis=0)
    low = np.full(values.shape[1], np.nan)
    high = np.full(values.shape[1], np.nan)
    if values.size and known.any():
        low[known], high[known] = np.nanpercentile(values[:, known], [10, 90], axis=0)
    clipped: FloatArray = np.clip(values, low, high)
    return clipped


def cusum(z: FloatArray, slack: float) -> tuple[FloatArray, FloatArray]:
    """Two-sided CUSUM along axis 0 (days): (upward sum, downward sum), each >= 0. A day
    adds its z beyond `slack` spreads; an unknown day (NaN) adds nothing."""
    up = np.zeros_like(z)
    down = np.zeros_like(z)
    high = np.zeros(z.shape[1:])
    low = np.zeros(z.shape[1:])
    for day, row in enumerate(np.nan_to_num(z)):
        high = np.maximum(0.0, high + row - slack)
        low = np.maximum(0.0, low - row - slack)
        up[day], down[day] = high, low
    return up, down


def run_start(sums: FloatArray) -> npt.NDArray[np.int64]:
    """Per column, the first row of the current run of positive sums (the change's estimated
    start); the row count where the last sum is 0."""
    n = sums.shape[0]
    rows = np.arange(n)[:, None]
    last_zero = np.max(np.where(sums <= 0, rows, -1), axis=0)
    starts: npt.NDArray[np.int64] = (last_zero + 1).astype(np.int64)
    return starts


def level_of(values: FloatArray, rates: npt.NDArray[np.bool_] | None) -> FloatArray:
    """Per column, the level to say in words: a trimmed mean, but a plain mean for `rates`
    (outings a week: mostly 0 or 1 a day, which trimming would bias towards the commoner)."""
    level = trimmed_mean(values)
    if rates is not None and values.shape[0]:
        with np.errstate(invalid="ignore"):
            level[rates] = (
                np.nanmean(values[:, rates], axis=0) if np.any(~np.isnan(values[:, rates])) else np.nan
            )
    return level


def trimmed_mean(values: FloatArray, cut: float = 0.2) -> FloatArray:
    """Per column, the mean of the middle values (NaN ignored): steadier than a median for
    small counts, yet one odd day does not move it."""
    ordered = np.sort(values, axis=0)  # NaN last
    known = np.sum(~np.isnan(values), axis=0)
    result = np.full(values.shape[1], np.nan)
    for column, count in enumerate(known):
        if count:
            drop = int(count * cut)
            result[column] = np.mean(ordered[drop : count - drop, column])
    return result


@dataclasses.dataclass(frozen=True, slots=True)
class DayModel:
    """An isolation forest of the person's usual days (in robust z units) and the score below
    which a day is stranger than nearly all of them (UNUSUAL_QUANTILE of the reference's)."""

    forest: "IsolationForest"
    threshold: float

    def unusual(self, z: FloatArray) -> npt.NDArray[np.bool_]:
        result: npt.NDArray[np.bool_] = self.forest.score_samples(np.nan_to_num(z)) < self.threshold
        return result


def fit_day_model(reference_z: FloatArray, *, seed: int) -> DayModel:
    """Fit on the reference days' z-scores (unknown features count as usual)."""
    # scikit-learn takes about a second to import: only a routine pass pays for it, not every
    # `telecare` command that imports detection.
    from sklearn.ensemble import IsolationForest

    data = np.nan_to_num(reference_z)
    forest = IsolationForest(n_estimators=50, random_state=seed).fit(data)
    return DayModel(forest=forest, threshold=float(np.quantile(forest.score_samples(data), UNUSUAL_QUANTILE)))


def _nanmedian(values: FloatArray) -> FloatArray:
    known = ~np.all(np.isnan(values), axis=0)
    result = np.full(values.shape[1], np.nan)
    result[known] = np.nanmedian(values[:, known], axis=0)
    return result
