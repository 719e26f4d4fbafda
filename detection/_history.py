"""A home's past readings as the signals its daily summaries are made of: where each reading
puts the person, and whether a bed or chair mat was occupied just after it (vectorised).

The one translation from readings to summaries, for the service's daily refit and for
`telecare evaluate` alike.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from detection._daily import DaySummaries, summarise_days
from detection._engine import Home
from detection._features import DailyFeatures, daily_features
from detection._signals import APPLIANCE_ON_WATTS, REST_MATS, place_of
from devices import DeviceRole, SensorKind

Signals = tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_], npt.NDArray[np.bool_] | None]


def summarise_history(
    home: Home,
    t: npt.NDArray[np.float64],
    devices: Sequence[str],
    sensors: Sequence[str],
    values: npt.NDArray[np.float64],
    days: range,
) -> DaySummaries:
    """Daily summaries of one home's readings (time-ordered, parallel sequences)."""
    place, resting, in_bed = history_signals(home, devices, sensors, values)
    return summarise_days(t, place, resting, in_bed, home.timezone, days)


def history_signals(
    home: Home, devices: Sequence[str], sensors: Sequence[str], values: npt.NDArray[np.float64]
) -> Signals:
    """(place, resting, in bed or None for a home without a bed mat) after each reading."""
    device = np.asarray(devices, dtype=object)
    sensor = np.asarray([str(s) for s in sensors], dtype=object)
    place = np.zeros(len(values), dtype=np.int8)
    # Classified once per device, sensor and value, not once per reading.
    for name, spec in home.devices.items():
        mine = device == name
        for kind in {str(s) for s in spec.sensors} & set(sensor[mine]):
            rows = mine & (sensor == kind)
            for value in np.unique(values[rows]):
                place[rows & (values == value)] = place_of(
                    spec.role, spec.room, SensorKind(kind), float(value)
                )
    resting = _occupied(home, device, sensor, values, REST_MATS)
    has_bed = any(spec.role is DeviceRole.BED for spec in home.devices.values())
    in_bed = _occupied(home, device, sensor, values, frozenset({DeviceRole.BED})) if has_bed else None
    return place, resting, in_bed


def _occupied(
    home: Home,
    device: npt.NDArray[np.object_],
    sensor: npt.NDArray[np.object_],
    values: npt.NDArray[np.float64],
    mats: frozenset[DeviceRole],
) -> npt.NDArray[np.bool_]:
    """After each reading: is any of these mats occupied (each mat's latest report so far)?"""
    occupied = np.zeros(len(values), dtype=bool)
    for name, spec in home.devices.items():
        if spec.role not in mats:
            continue
        changes = np.flatnonzero((device == name) & (sensor == SensorKind.OCCUPANCY))
        if changes.size == 0:
            continue
        latest = np.searchsorted(changes, np.arange(len(values)), side="right") - 1
        occupied |= np.where(latest >= 0, values[changes[np.maximum(latest, 0)]] == 1, False)
    return occupied


def kettle_switched_on(
    home: Home, devices: Sequence[str], sensors: Sequence[str], values: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Whether each reading switched a kettle on (its power crossing the appliance threshold)."""
    device = np.asarray(devices, dtype=object)
    sensor = np.asarray([str(s) for s in sensors], dtype=object)
    switched = np.zeros(len(values), dtype=bool)
    for name, spec in home.devices.items():
        if spec.role is not DeviceRole.KETTLE:
            continue
        rows = np.flatnonzero((device == name) & (sensor == SensorKind.POWER))
        on = values[rows] >= APPLIANCE_ON_WATTS
        switched[rows] = on & ~np.r_[False, on[:-1]]
    return switched


def feature_history(
    home: Home,
    t: npt.NDArray[np.float64],
    devices: Sequence[str],
    sensors: Sequence[str],
    values: npt.NDArray[np.float64],
    days: range,
    *,
    anchor: float | None = None,
) -> DailyFeatures:
    """Daily features of one home's readings (time-ordered, parallel sequences)."""
    place, _, in_bed = history_signals(home, devices, sensors, values)
    heartbeat = any(
        spec.role is DeviceRole.HUB or SensorKind.TEMPERATURE in spec.sensors
        for spec in home.devices.values()
    )
    return daily_features(
        t,
        place,
        in_bed,
        kettle_switched_on(home, devices, sensors, values),
        home.timezone,
        days,
        heard=t,
        heartbeat=heartbeat,
        anchor=anchor,
    )
