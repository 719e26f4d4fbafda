"""Appliance usage events from a plug's power readings: a kettle drawing 2 kW for three minutes
is one "kettle used" event, however noisy the readings (pure functions over numpy arrays)."""

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from devices._vocabulary import DeviceRole


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UsageThresholds:
    """When a plug's readings count as the appliance in use.

    Hysteresis: use starts on a reading above `on_watts` and lasts until one below `off_watts`,
    so readings wandering between the two neither start nor end anything.
    """

    on_watts: float
    off_watts: float
    # Shorter spells are switch-on surges, a test press, a standby blip: not someone using it.
    min_on_seconds: float
    # Pauses shorter than this join the spells either side into one use (a thermostat cycling,
    # a kettle boiled twice for one pot, a wash pausing between heating and spinning).
    merge_gap_seconds: float

    def __post_init__(self) -> None:
        if not 0 <= self.off_watts <= self.on_watts:
            raise ValueError("thresholds need 0 <= off_watts <= on_watts")
        if self.min_on_seconds < 0 or self.merge_gap_seconds < 0:
            raise ValueError("durations cannot be negative")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UsageEvent:
    """One use of an appliance: from its first reading above the on threshold to the first
    reading that ended it (plugs report on change, so that is when it stopped), in seconds."""

    start: float
    end: float
    peak_watts: float


# Defaults per role, from what the appliances draw. Fridges and freezers are absent on
# purpose: their compressors cycle day and night on their own, which says nothing about the
# person (their door contact does); configure thresholds explicitly to track compressor cycles.
DEFAULT_USAGE_THRESHOLDS: Final[Mapping[DeviceRole, UsageThresholds]] = MappingProxyType(
    {
        # 1.8-3 kW while boiling, nothing otherwise; a cup boils in about 40 s.
        DeviceRole.KETTLE: UsageThresholds(
            on_watts=1000, off_watts=100, min_on_seconds=20, merge_gap_seconds=60
        ),
        # 0.8-1.5 kW for one to four minutes; a second round soon after is the same breakfast.
        DeviceRole.TOASTER: UsageThresholds(
            on_watts=500, off_watts=50, min_on_seconds=45, merge_gap_seconds=120
        ),
        # About 1-1.5 kW cooking against a few watts of clock; defrost switches the magnetron on
        # and off, and people stop to stir.
        DeviceRole.MICROWAVE: UsageThresholds(
            on_watts=400, off_watts=50, min_on_seconds=10, merge_gap_seconds=120
        ),
        # Plug-in hob plates: their thermostats cut the element for minutes at a time.
        DeviceRole.COOKTOP: UsageThresholds(
            on_watts=300, off_watts=30, min_on_seconds=60, merge_gap_seconds=600
        ),
        # A motor turning draws 100-500 W and the heater 2 kW, against 1-3 W standby; a cycle
        # soaks and drains with the drum still for several minutes.
        DeviceRole.WASHING_MACHINE: UsageThresholds(
            on_watts=50, off_watts=8, min_on_seconds=300, merge_gap_seconds=900
        ),
        # As a washing machine, but the drying phase can idle for half an hour.
        DeviceRole.DISHWASHER: UsageThresholds(
            on_watts=50, off_watts=8, min_on_seconds=300, merge_gap_seconds=1800
        ),
    }
)


def usage_events(ts: npt.ArrayLike, watts: npt.ArrayLike, thresholds: UsageThresholds) -> list[UsageEvent]:
    """The uses of one plug's appliance, given its readings in time order (ts in seconds)."""
    times = np.asarray(ts, dtype=np.float64)
    power = np.asarray(watts, dtype=np.float64)
    if times.ndim != 1 or times.shape != power.shape:
        raise ValueError("ts and watts must be one-dimensional and of the same length")
    if np.any(np.diff(times) < 0):
        raise ValueError("readings must be in time order")
    if not np.all(np.isfinite(power)):
        raise ValueError("watts must be finite numbers")
    starts, ends = _spells(power, thresholds)
    if starts.size == 0:
        return []
    # A spell ends at the reading that ended it, or at the last one if the series ends during it.
    start_times = times[starts]
    end_times = times[np.minimum(ends, times.size - 1)]
    # Readings between spells are all below the on threshold, so each spell's peak is the
    # maximum from its start to the next spell's.
    peaks = np.maximum.reduceat(power, starts)
    return _merged_and_long(start_times, end_times, peaks, thresholds)


def _spells(
    power: npt.NDArray[np.float64], thresholds: UsageThresholds
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Index ranges [start, end) of readings during which the appliance is on, with hysteresis."""
    decisive = (power > thresholds.on_watts) | (power < thresholds.off_watts)
    # Between the thresholds a reading keeps the state of the last decisive one (off at first).
    last_decisive = np.maximum.accumulate(np.where(decisive, np.arange(power.size), -1))
    on = (last_decisive >= 0) & (power[last_decisive] > thresholds.on_watts)
    edges = np.diff(on.astype(np.int8), prepend=0, append=0)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _merged_and_long(
    start_times: npt.NDArray[np.float64],
    end_times: npt.NDArray[np.float64],
    peaks: npt.NDArray[np.float64],
    thresholds: UsageThresholds,
) -> list[UsageEvent]:
    gaps = start_times[1:] - end_times[:-1]
    first_of_use = np.concatenate(([0], np.flatnonzero(gaps >= thresholds.merge_gap_seconds) + 1))
    last_of_use = np.concatenate((first_of_use[1:] - 1, [start_times.size - 1]))
    events = [
        UsageEvent(
            start=float(start_times[first]),
            end=float(end_times[last]),
            peak_watts=float(peaks[first : last + 1].max()),
        )
        for first, last in zip(first_of_use, last_of_use, strict=True)
    ]
    return [event for event in events if event.end - event.start >= thresholds.min_on_seconds]
