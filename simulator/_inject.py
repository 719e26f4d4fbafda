"""Inject incidents into any scenario folder, real homes included, by editing its readings,
and record their ground truth. Pure: a scenario in, a new scenario out.

- collapse: every activity reading in (at, at + hours] is removed. start = the last activity
  reading at or before `at` (the person's last sign of life); end = at + hours.
- missed_wakeup: every activity reading in [at, at + hours) is removed; `at` is a moment
  before the person's usual rising (say 05:00). start = their usual latest rising: over the
  previous 14 days, each day's rising is its first activity reading at or after the time of
  day of `at`, and the latest of them counts; end = at + hours.
- night_exit: the front door opens at `at` and again at at + hours (each closing 10 s later),
  and every activity reading in between is removed. start = at; end = at + hours.

Activity readings are those a person causes: motion, contact, occupancy, power, alarm, fall.
Temperatures and batteries stay.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

import numpy as np
from numpy.typing import NDArray

from devices import DeviceRole, SensorKind
from simulator._clock import DAY, HOUR
from simulator._scenario import SENSOR_KINDS, ReadingTable, Scenario
from simulator._truth import Incident, IncidentKind

ACTIVITY_KINDS = frozenset(
    {
        SensorKind.MOTION,
        SensorKind.CONTACT,
        SensorKind.OCCUPANCY,
        SensorKind.POWER,
        SensorKind.ALARM,
        SensorKind.FALL,
    }
)
USUAL_DAYS = 14  # days of history for "usual latest rising", as in the simulator
DOOR_OPEN_S = 10  # how long the front door stands open when they go out or come back

_ACTIVITY_CODES: NDArray[np.bool_] = np.array([kind in ACTIVITY_KINDS for kind in SENSOR_KINDS])


class InjectionError(ValueError):
    """The incident cannot be injected as asked; the message says why."""


def inject_collapse(scenario: Scenario, household: str, at: dt.datetime, hours: float) -> Scenario:
    end = at.timestamp() + hours * HOUR
    activity = _activity(scenario.readings, household)
    before = scenario.readings.ts[activity & (scenario.readings.ts <= at.timestamp())]
    if len(before) == 0:
        raise InjectionError(f"household {household} has no activity at or before {at.isoformat()}")
    removed = activity & (scenario.readings.ts > at.timestamp()) & (scenario.readings.ts <= end)
    return _with(
        scenario,
        scenario.readings.where(~removed),
        household,
        IncidentKind.COLLAPSE,
        float(before.max()),
        end,
    )


def inject_missed_wakeup(scenario: Scenario, household: str, at: dt.datetime, hours: float) -> Scenario:
    end = at.timestamp() + hours * HOUR
    activity = _activity(scenario.readings, household)
    start = _usual_latest_rising(scenario.readings.ts[activity], at, scenario.timezone(household))
    if start >= end:
        raise InjectionError(
            f"the usual latest rising is {dt.datetime.fromtimestamp(start, at.tzinfo):%H:%M}: "
            "remove more hours so that the morning stays empty past it"
        )
    removed = activity & (scenario.readings.ts >= at.timestamp()) & (scenario.readings.ts < end)
    return _with(
        scenario, scenario.readings.where(~removed), household, IncidentKind.MISSED_WAKEUP, start, end
    )


def inject_night_exit(scenario: Scenario, household: str, at: dt.datetime, hours: float) -> Scenario:
    door = _front_door(scenario, household)
    leave, back = at.timestamp(), at.timestamp() + hours * HOUR
    readings = scenario.readings
    activity = _activity(readings, household)
    kept = readings.where(~(activity & (readings.ts > leave + DOOR_OPEN_S) & (readings.ts < back)))
    times = [leave, leave + DOOR_OPEN_S, back, back + DOOR_OPEN_S]
    door_readings = ReadingTable(
        ts=np.array(times, dtype=np.float64),
        household=np.zeros(4, dtype=np.int32),
        device=np.zeros(4, dtype=np.int32),
        sensor=np.full(4, SENSOR_KINDS.index(SensorKind.CONTACT), dtype=np.int8),
        value=np.array([1.0, 0.0, 1.0, 0.0]),
        households=(household,),
        devices=(door,),
    )
    return _with(
        scenario, ReadingTable.concat([kept, door_readings]), household, IncidentKind.NIGHT_EXIT, leave, back
    )


def _activity(readings: ReadingTable, household: str) -> NDArray[np.bool_]:
    if household not in readings.households:
        raise InjectionError(f"no readings of household {household} in this scenario")
    mine: NDArray[np.bool_] = readings.household == readings.households.index(household)
    return mine & _ACTIVITY_CODES[readings.sensor]


def _front_door(scenario: Scenario, household: str) -> str:
    for device in scenario.registry.devices:
        if (
            device.household == household
            and device.role is DeviceRole.FRONT_DOOR
            and SensorKind.CONTACT in device.sensors
        ):
            return device.id
    raise InjectionError(f"household {household} has no front door contact to open")


def _usual_latest_rising(activity_ts: NDArray[np.float64], at: dt.datetime, timezone: str) -> float:
    tz = zoneinfo.ZoneInfo(timezone)
    local = at.astimezone(tz)
    risings = []
    for back in range(1, USUAL_DAYS + 1):
        day_from = (local - dt.timedelta(days=back)).timestamp()
        after = activity_ts[(activity_ts >= day_from) & (activity_ts < day_from + DAY / 2)]
        if len(after):
            rising = dt.datetime.fromtimestamp(float(after.min()), tz)
            risings.append(rising.hour * HOUR + rising.minute * 60 + rising.second)
    if not risings:
        raise InjectionError(f"no rising found in the {USUAL_DAYS} days before {at.isoformat()}")
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + dt.timedelta(seconds=max(risings))).timestamp()


def _with(
    scenario: Scenario, readings: ReadingTable, household: str, kind: IncidentKind, start: float, end: float
) -> Scenario:
    tz = zoneinfo.ZoneInfo(scenario.timezone(household))
    incident = Incident(
        household=household,
        kind=kind,
        start=dt.datetime.fromtimestamp(round(start), tz),
        end=dt.datetime.fromtimestamp(round(end), tz),
    )
    return dataclasses.replace(scenario, readings=readings, truth=(*scenario.truth, incident))
