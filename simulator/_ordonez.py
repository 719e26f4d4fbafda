"""Import Ordóñez home A (Sensors 2013; UCI "ADLs Recognition Using Binary Sensors") into a
scenario: 12 PIR, magnetic, flush, pressure and electric sensors. The files give local times
without a zone; the authors are in Madrid, so Europe/Madrid it is."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import zoneinfo

from devices import DeviceRole, SensorKind
from simulator._intervals import Interval, MappedSensor, scenario_of_intervals
from simulator._scenario import Scenario

TIMEZONE = "Europe/Madrid"
_ZONE = zoneinfo.ZoneInfo(TIMEZONE)

# (location, type) onto our roles. PIRs over the basin, shower and cooktop watch those
# fittings, so they keep the fitting's role with kind `motion`. Electric sensors only say an
# appliance is on: it is recorded as a typical rated power (W) while on, 0 when off.
SENSORS: dict[tuple[str, str], MappedSensor] = {
    ("Bed", "Pressure"): MappedSensor("bed", SensorKind.OCCUPANCY, DeviceRole.BED, "bedroom"),
    ("Seat", "Pressure"): MappedSensor("seat", SensorKind.OCCUPANCY, DeviceRole.CHAIR, "lounge"),
    ("Cabinet", "Magnetic"): MappedSensor(
        "bathroom-cabinet", SensorKind.CONTACT, DeviceRole.CUPBOARD, "bathroom"
    ),
    ("Basin", "PIR"): MappedSensor("basin", SensorKind.MOTION, DeviceRole.BASIN, "bathroom"),
    ("Toilet", "Flush"): MappedSensor("toilet-flush", SensorKind.CONTACT, DeviceRole.TOILET, "bathroom"),
    ("Shower", "PIR"): MappedSensor("shower", SensorKind.MOTION, DeviceRole.SHOWER, "bathroom"),
    ("Fridge", "Magnetic"): MappedSensor("fridge", SensorKind.CONTACT, DeviceRole.FRIDGE, "kitchen"),
    ("Cupboard", "Magnetic"): MappedSensor("cupboard", SensorKind.CONTACT, DeviceRole.CUPBOARD, "kitchen"),
    ("Toaster", "Electric"): MappedSensor(
        "toaster", SensorKind.POWER, DeviceRole.TOASTER, "kitchen", on=800.0
    ),
    ("Cooktop", "PIR"): MappedSensor("cooktop", SensorKind.MOTION, DeviceRole.COOKTOP, "kitchen"),
    ("Microwave", "Electric"): MappedSensor(
        "microwave", SensorKind.POWER, DeviceRole.MICROWAVE, "kitchen", on=800.0
    ),
    ("Maindoor", "Magnetic"): MappedSensor("front-door", SensorKind.CONTACT, DeviceRole.FRONT_DOOR, "hall"),
}

_TIME = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"
# `2011-11-28 10:21:24<TABS>2011-11-28 10:21:31<TABS>Cabinet<TABS>Magnetic<TABS>Bathroom`
_LINE = re.compile(rf"^({_TIME})\s+({_TIME})\s+(\w+)\s+(\w+)\s+(\w+)\s*$")


def read_ordonez(path: pathlib.Path, household: str) -> Scenario:
    """`OrdonezA_Sensors.txt` (or B) as a scenario of one household."""
    intervals = []
    for number, line in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            continue
        start, end, location, kind = match.group(1), match.group(2), match.group(3), match.group(4)
        mapped = SENSORS.get((location, kind))
        if mapped is None:
            raise ValueError(f"{path}: line {number}: unknown sensor {location} ({kind})")
        intervals.append(Interval(_local(start), _local(end), mapped))
    if not intervals:
        raise ValueError(f"{path}: no sensor intervals found (is this OrdonezA_Sensors.txt?)")
    return scenario_of_intervals(household, TIMEZONE, intervals)


def _local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=_ZONE)
