"""One household's days, summarised from its signs of activity: how long it was quiet in each
half hour, when the person rose and first used the kitchen, their longest bathroom stay, when
they settled for the night, and when they went out. Baselines are learned from these."""

import dataclasses

import numpy as np
import numpy.typing as npt

from detection._localtime import SECONDS_PER_DAY, Seconds, local_day_and_time
from detection._signals import Place

BIN_SECONDS = 1800
BINS = SECONDS_PER_DAY // BIN_SECONDS
# A gap this long at home is an incident or a stay away the door sensor missed, not a routine
# to learn from; it also bounds the work per gap.
LONGEST_LEARNED_QUIET = 16 * 3600
# Leaving: an outside door followed by this much silence inside.
OUT_AFTER_DOOR_SECONDS = 10 * 60
# The person's day starts at the first sign of them outside bedroom and bathroom after this
# local time, provided more signs follow within the hour (a 4 a.m. trip to the kitchen for
# water, then back to bed, is not rising).
EARLIEST_RISING = 4 * 3600
LATEST_RISING = 14 * 3600
RISING_CONFIRMATION_SECONDS = 3600
RISING_CONFIRMATION_SIGNS = 2
# Settling for the night: the evening's last sign of being up and about (kitchen, lounge,
# outside door) that is followed by this long without one. Night toilet trips are not up and
# about, so they do not move it.
SETTLE_WINDOW = (18 * 3600, 30 * 3600)
SETTLED_FOR = 3 * 3600

FloatArray = npt.NDArray[np.float64]


@dataclasses.dataclass(frozen=True, slots=True)
class DaySummaries:
    """Per local day (rows, days since 1970-01-01 in `days`); NaN where the day had no data."""

    days: npt.NDArray[np.int64]
    quiet_max: FloatArray  # (days, 48): longest quiet at home, up and about, reached in each half hour
    rest_max: FloatArray  # (days, 48): the same while in bed or the chair
    rising: FloatArray  # seconds after local midnight
    first_kitchen: FloatArray  # seconds after local midnight, after rising
    settle: FloatArray  # seconds after local midnight of that day (can exceed 86,400)
    bathroom_max: FloatArray  # longest bathroom stay begun that day, seconds
    departures: npt.NDArray[np.int64]  # (days, 24): departures by local hour

    def take(self, rows: npt.NDArray[np.bool_]) -> "DaySummaries":
        """Only these days (every field is indexed by day first)."""
        return DaySummaries(**{f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)})


def summarise_days(
    t: Seconds,
    place: npt.NDArray[np.int8],
    resting: npt.NDArray[np.bool_],
    in_bed: npt.NDArray[np.bool_] | None,
    timezone: str,
    days: range,
) -> DaySummaries:
    """Summaries of the given local days from signs of the person (`place` != NONE), time-ordered.

    `resting` says whether a bed or chair mat was occupied just after each reading, `in_bed`
    whether the bed mat was (None for a home without one).
    """
    person = place != Place.NONE
    t, place, resting = t[person], place[person], resting[person]
    in_bed = in_bed[person] if in_bed is not None else None
    day, clock = local_day_and_time(t, timezone)
    local = day * SECONDS_PER_DAY + clock
    first = days.start
    n = len(days)
    return DaySummaries(
        days=np.arange(days.start, days.stop, dtype=np.int64),
        quiet_max=_quiet_max(local, place, ~resting, first, n),
        rest_max=_quiet_max(local, place, resting, first, n),
        rising=_rising(day, clock, place, first, n)
        if in_bed is None
        else _out_of_bed(day, clock, in_bed, first, n),
        first_kitchen=_first_kitchen(day, clock, place, first, n),
        settle=_settle(local, place, first, n),
        bathroom_max=_bathroom_max(local, place, first, n),
        departures=_departures(local, place, first, n),
    )


def _quiet_max(
    local: FloatArray, place: npt.NDArray[np.int8], counted: npt.NDArray[np.bool_], first: int, n: int
) -> FloatArray:
    """Per day and half hour, the longest silence reached there among gaps starting at `counted`."""
    result = np.full((n, BINS), np.nan)
    if local.size < 2:
        return result
    start, end = local[:-1], local[1:]
    # A silence after an outside door may be the person out: not quiet at home.
    at_home = counted[:-1] & (place[:-1] != Place.OUTSIDE_DOOR) & (end - start <= LONGEST_LEARNED_QUIET)
    start, end = start[at_home], end[at_home]
    bin_start = np.floor(start / BIN_SECONDS) * BIN_SECONDS
    for k in range(LONGEST_LEARNED_QUIET // BIN_SECONDS + 2):
        this_bin = bin_start + k * BIN_SECONDS
        live = this_bin < end
        if not live.any():
            break
        reached = np.minimum(end[live], this_bin[live] + BIN_SECONDS) - start[live]
        row = (this_bin[live] // SECONDS_PER_DAY).astype(np.int64) - first
        col = ((this_bin[live] % SECONDS_PER_DAY) // BIN_SECONDS).astype(np.int64)
        keep = (row >= 0) & (row < n)
        np.fmax.at(result, (row[keep], col[keep]), reached[keep])
    # Half hours with any such sign of the person but no gap reaching them were quiet for 0 s.
    seen_row = (local[counted] // SECONDS_PER_DAY).astype(np.int64) - first
    seen_col = ((local[counted] % SECONDS_PER_DAY) // BIN_SECONDS).astype(np.int64)
    keep = (seen_row >= 0) & (seen_row < n)
    np.fmax.at(result, (seen_row[keep], seen_col[keep]), 0.0)
    return result


def _up_and_about(place: npt.NDArray[np.int8]) -> npt.NDArray[np.bool_]:
    up: npt.NDArray[np.bool_] = (
        (place == Place.KITCHEN) | (place == Place.ELSEWHERE) | (place == Place.OUTSIDE_DOOR)
    )
    return up


def _rising(
    day: npt.NDArray[np.int64], clock: FloatArray, place: npt.NDArray[np.int8], first: int, n: int
) -> FloatArray:
    result = np.full(n, np.nan)
    up = _up_and_about(place) & (clock >= EARLIEST_RISING) & (clock < LATEST_RISING)
    t_all = day * SECONDS_PER_DAY + clock
    signs = t_all[_up_and_about(place)]
    for index in np.flatnonzero(up):
        row = day[index] - first
        if not 0 <= row < n or not np.isnan(result[row]):
            continue
        t0 = t_all[index]
        following = np.searchsorted(signs, t0 + RISING_CONFIRMATION_SECONDS) - np.searchsorted(
            signs, t0, "right"
        )
        if following >= RISING_CONFIRMATION_SIGNS:
            result[row] = clock[index]
    return result


def _out_of_bed(
    day: npt.NDArray[np.int64], clock: FloatArray, in_bed: npt.NDArray[np.bool_], first: int, n: int
) -> FloatArray:
    """With a bed mat, rising is leaving the bed for good: the first exit after the earliest
    rising time after which the bed stays empty for an hour (a toilet trip is back sooner)."""
    result = np.full(n, np.nan)
    t_all = day * SECONDS_PER_DAY + clock
    exits = np.flatnonzero(
        ~in_bed & np.r_[False, in_bed[:-1]] & (clock >= EARLIEST_RISING) & (clock < LATEST_RISING)
    )
    returns = t_all[np.flatnonzero(in_bed & ~np.r_[False, in_bed[:-1]])]
    for index in exits:
        row = day[index] - first
        if not 0 <= row < n or not np.isnan(result[row]):
            continue
        back = np.searchsorted(returns, t_all[index], side="right")
        if back == len(returns) or returns[back] - t_all[index] >= RISING_CONFIRMATION_SECONDS:
            result[row] = clock[index]
    return result


def _first_kitchen(
    day: npt.NDArray[np.int64], clock: FloatArray, place: npt.NDArray[np.int8], first: int, n: int
) -> FloatArray:
    result = np.full(n, np.nan)
    kitchen = (place == Place.KITCHEN) & (clock >= EARLIEST_RISING)
    rows = day[kitchen] - first
    keep = (rows >= 0) & (rows < n)
    np.fmin.at(result, rows[keep], clock[kitchen][keep])
    return result


def _settle(local: FloatArray, place: npt.NDArray[np.int8], first: int, n: int) -> FloatArray:
    result = np.full(n, np.nan)
    up = local[_up_and_about(place)]
    if up.size < 2:
        return result
    gap_after = np.diff(up, append=np.inf)
    day = np.floor((up - SETTLE_WINDOW[0]) / SECONDS_PER_DAY).astype(np.int64)
    since_midnight = up - day * SECONDS_PER_DAY
    settling = (since_midnight < SETTLE_WINDOW[1]) & (gap_after >= SETTLED_FOR)
    for d, s in zip(day[settling] - first, since_midnight[settling], strict=True):
        if 0 <= d < n and np.isnan(result[d]):
            result[d] = s  # the first such sign of the evening
    return result


def _bathroom_max(local: FloatArray, place: npt.NDArray[np.int8], first: int, n: int) -> FloatArray:
    result = np.full(n, np.nan)
    in_bathroom = place == Place.BATHROOM
    if local.size < 2 or not in_bathroom.any():
        return result
    # A stay runs from the first bathroom sign after being elsewhere to the next sign elsewhere.
    enters = np.flatnonzero(in_bathroom & ~np.r_[False, in_bathroom[:-1]])
    leaves_at = np.flatnonzero(~in_bathroom)
    for index in enters:
        after = np.searchsorted(leaves_at, index)
        if after == len(leaves_at):
            continue
        stay = local[leaves_at[after]] - local[index]
        row = int(local[index] // SECONDS_PER_DAY) - first
        if 0 <= row < n and stay <= LONGEST_LEARNED_QUIET:
            result[row] = np.fmax(result[row], stay)
    return result


def _departures(local: FloatArray, place: npt.NDArray[np.int8], first: int, n: int) -> npt.NDArray[np.int64]:
    result = np.zeros((n, 24), dtype=np.int64)
    if local.size < 2:
        return result
    leaving = (place[:-1] == Place.OUTSIDE_DOOR) & (np.diff(local) >= OUT_AFTER_DOOR_SECONDS)
    at = local[:-1][leaving]
    rows = (at // SECONDS_PER_DAY).astype(np.int64) - first
    hours = ((at % SECONDS_PER_DAY) // 3600).astype(np.int64)
    keep = (rows >= 0) & (rows < n)
    np.add.at(result, (rows[keep], hours[keep]), 1)
    return result
