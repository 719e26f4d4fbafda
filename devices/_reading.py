"""The canonical reading: the one shape every stage after the decoders speaks."""

import dataclasses
import datetime as dt

from devices._vocabulary import SensorKind


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """One value from one sensor of one device in one household, at one instant.

    `ts` is when the sensor observed it (from the device, UTC); `received_at` is when the
    platform received it. Both are timezone-aware UTC. A reading is identified by
    (household, device, sensor, ts): a second delivery of the same identity is a duplicate.
    """

    household: str
    device: str
    sensor: SensorKind
    value: float
    ts: dt.datetime
    received_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStatus:
    """A device (usually a hub) saying it is online or offline, e.g. its MQTT last will."""

    household: str
    device: str
    online: bool
    received_at: dt.datetime
