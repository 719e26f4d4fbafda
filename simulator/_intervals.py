"""Real data sets record a sensor as intervals of being active; a scenario records readings.
An interval becomes an "on" reading at its start and an "off" reading at its end."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from devices import DeviceEntry, DeviceRole, HouseholdEntry, RegistryFile, SensorKind
from simulator._scenario import SENSOR_KINDS, ReadingTable, Scenario


@dataclasses.dataclass(frozen=True, slots=True)
class MappedSensor:
    """How one sensor of a data set maps onto our vocabulary. `on` is the value of the reading
    at an interval's start (1 for binary kinds); the reading at its end is 0."""

    device: str
    sensor: SensorKind
    role: DeviceRole
    room: str
    on: float = 1.0


@dataclasses.dataclass(frozen=True, slots=True)
class Interval:
    start: dt.datetime  # aware, in the data set's timezone
    end: dt.datetime
    sensor: MappedSensor


def scenario_of_intervals(household: str, timezone: str, intervals: list[Interval]) -> Scenario:
    """One household's readings from its intervals, in time order; where an interval ends in
    the same second another of the same sensor begins, the "off" comes first."""
    sensors = list(dict.fromkeys(i.sensor for i in intervals))
    devices = tuple(dict.fromkeys(s.device for s in sensors))
    readings = [
        (moment.timestamp(), interval.sensor, value)
        for interval in intervals
        for moment, value in ((interval.start, interval.sensor.on), (interval.end, 0.0))
    ]
    readings.sort(key=lambda r: r[0])  # stable: ties keep the file's order
    table = ReadingTable(
        ts=np.array([r[0] for r in readings], dtype=np.float64),
        household=np.zeros(len(readings), dtype=np.int32),
        device=np.array([devices.index(r[1].device) for r in readings], dtype=np.int32),
        sensor=np.array([SENSOR_KINDS.index(r[1].sensor) for r in readings], dtype=np.int8),
        value=np.array([r[2] for r in readings], dtype=np.float64),
        households=(household,),
        devices=devices,
    )
    registry = RegistryFile(
        households=(HouseholdEntry(id=household, timezone=timezone),),
        devices=tuple(
            DeviceEntry(
                household=household, id=s.device, role=s.role, room=s.room, sensors=frozenset({s.sensor})
            )
            for s in sensors
        ),
    )
    return Scenario(registry=registry, readings=table, truth=())
