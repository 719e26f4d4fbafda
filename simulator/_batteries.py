"""Battery levels as devices report them once a day: a slow drain, a fresh battery when one
gets low (somebody sees the warning), and for a battery_dead incident a fast fall to empty."""

import numpy as np

from devices import SensorKind
from simulator._clock import DAY
from simulator._events import Events
from simulator._home import BATTERY_DEVICES, CHANNEL_INDEX, DEVICE_INDEX, KIT

# Someone replaces a battery when the device reports this low (percent).
REPLACED_AT = 10.0
# A failing battery (old, or a cold-damaged cell) falls to empty over this many days.
FAILING_DAYS = 14


def battery_events(
    span_start: int, span_end: int, dead: list[tuple[str, int, int]], rng: np.random.Generator
) -> Events:
    """Daily battery reports of every battery device over the span."""
    parts = []
    for n in BATTERY_DEVICES:
        device = KIT[n]
        drain = (device.drain_per_day or 0.0) * rng.uniform(0.7, 1.3)
        ts = np.arange(span_start + rng.integers(0, DAY), span_end, DAY, dtype=np.int64)
        days = (ts - span_start) / DAY
        fresh = rng.uniform(30, 100)
        level = REPLACED_AT + np.mod(fresh - REPLACED_AT - drain * days, 100 - REPLACED_AT)
        for name, start, end in dead:
            if DEVICE_INDEX[name] == n:
                failing = (ts >= start - FAILING_DAYS * DAY) & (ts < start)
                level = np.where(failing, level * (start - ts) / (FAILING_DAYS * DAY), level)
                level = np.where(ts >= end, 100 - drain * (ts - end) / DAY, level)
        parts.append(Events.of(ts, CHANNEL_INDEX[device.id, SensorKind.BATTERY], np.floor(level)))
    return Events.concat(parts)
