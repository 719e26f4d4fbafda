"""Import van Kasteren's house A (Amsterdam, 2008; UbiComp 2008) into a scenario: 14 reed and
float switches on doors, cupboards, appliances and the toilet flush; times are local
(Europe/Amsterdam)."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
import zoneinfo

from devices import DeviceRole, SensorKind
from simulator._intervals import Interval, MappedSensor, scenario_of_intervals
from simulator._scenario import Scenario

TIMEZONE = "Europe/Amsterdam"
_ZONE = zoneinfo.ZoneInfo(TIMEZONE)

# The data set's sensor ids (its README) onto our roles. Every sensor is a switch that is
# closed while a door is open or the flush runs: kind `contact`, 1 while active. The toilet
# is a separate room off the hall (a Dutch WC), so its door is a bathroom door too.
SENSORS: dict[int, MappedSensor] = {
    1: MappedSensor("microwave", SensorKind.CONTACT, DeviceRole.MICROWAVE, "kitchen"),
    5: MappedSensor("toilet-door", SensorKind.CONTACT, DeviceRole.BATHROOM_DOOR, "toilet"),
    6: MappedSensor("bathroom-door", SensorKind.CONTACT, DeviceRole.BATHROOM_DOOR, "bathroom"),
    7: MappedSensor("cups-cupboard", SensorKind.CONTACT, DeviceRole.CUPBOARD, "kitchen"),
    8: MappedSensor("fridge", SensorKind.CONTACT, DeviceRole.FRIDGE, "kitchen"),
    9: MappedSensor("plates-cupboard", SensorKind.CONTACT, DeviceRole.CUPBOARD, "kitchen"),
    12: MappedSensor("front-door", SensorKind.CONTACT, DeviceRole.FRONT_DOOR, "hall"),
    13: MappedSensor("dishwasher", SensorKind.CONTACT, DeviceRole.DISHWASHER, "kitchen"),
    14: MappedSensor("toilet-flush", SensorKind.CONTACT, DeviceRole.TOILET, "toilet"),
    17: MappedSensor("freezer", SensorKind.CONTACT, DeviceRole.FREEZER, "kitchen"),
    18: MappedSensor("pans-cupboard", SensorKind.CONTACT, DeviceRole.CUPBOARD, "kitchen"),
    20: MappedSensor("washing-machine", SensorKind.CONTACT, DeviceRole.WASHING_MACHINE, "bathroom"),
    23: MappedSensor("groceries-cupboard", SensorKind.CONTACT, DeviceRole.CUPBOARD, "kitchen"),
    24: MappedSensor("bedroom-door", SensorKind.CONTACT, DeviceRole.BEDROOM_DOOR, "bedroom"),
}

# `25-Feb-2008 09:33:41<TAB>25-Feb-2008 09:33:42<TAB>24<TAB>1`; the file's header and its
# sensor list are lines that do not match.
_TIME = r"\d{2}-[A-Za-z]{3}-\d{4} \d{2}:\d{2}:\d{2}"
_LINE = re.compile(rf"^({_TIME})\s+({_TIME})\s+(\d+)\s+(\d+)\s*$")


def read_kasteren(path: pathlib.Path, household: str) -> Scenario:
    """`kasterenSenseData.txt` as a scenario of one household."""
    intervals = []
    for number, line in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        match = _LINE.match(line)
        if match is None:
            continue
        start, end, sensor_id = match.group(1), match.group(2), int(match.group(3))
        if sensor_id not in SENSORS:
            raise ValueError(f"{path}: line {number}: unknown sensor id {sensor_id}")
        intervals.append(Interval(_month_day(start), _month_day(end), SENSORS[sensor_id]))
    if not intervals:
        raise ValueError(f"{path}: no sensor intervals found (is this kasterenSenseData.txt?)")
    return scenario_of_intervals(household, TIMEZONE, intervals)


def _month_day(text: str) -> dt.datetime:
    # Month names are English whatever the machine's locale: parse them ourselves.
    day, month, rest = text.split("-", 2)
    year, clock = rest.split(" ")
    hour, minute, second = (int(part) for part in clock.split(":"))
    return dt.datetime(int(year), _MONTHS[month.lower()], int(day), hour, minute, second, tzinfo=_ZONE)


_MONTHS = {
    name: n
    for n, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
