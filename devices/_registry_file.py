"""Parse a registry CSV (`household,device,sensor,role,room,timezone`) into households and
devices, checking every row first so that a file with one bad row imports nothing."""

from __future__ import annotations

import csv
import dataclasses
import io
import zoneinfo
from collections.abc import Iterable

from devices._vocabulary import DeviceRole, SensorKind
from devices.dialects.native import ID_PATTERN

REQUIRED_COLUMNS = ("household", "device", "sensor", "role", "room", "timezone")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdEntry:
    id: str
    timezone: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeviceEntry:
    household: str
    id: str
    role: DeviceRole
    room: str
    sensors: frozenset[SensorKind]


@dataclasses.dataclass(frozen=True, slots=True)
class RegistryFile:
    households: list[HouseholdEntry]
    devices: list[DeviceEntry]


class RegistryFileError(ValueError):
    """The file cannot be imported; `problems` lists each bad row as 'line N: reason'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))
        self.problems = problems


def parse_registry_csv(text: str) -> RegistryFile:
    """Validate every row; return the households and devices, or raise RegistryFileError."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise RegistryFileError([f"line 1: missing column(s) {', '.join(missing)}"])
    problems: list[str] = []
    timezones: dict[str, str] = {}
    devices: dict[tuple[str, str], tuple[DeviceRole, str, set[SensorKind]]] = {}
    for line, row in _numbered(reader):
        reason = _row_problem(row, timezones, devices)
        if reason:
            problems.append(f"line {line}: {reason}")
    if problems:
        raise RegistryFileError(problems)
    return RegistryFile(
        households=[HouseholdEntry(id=h, timezone=tz) for h, tz in timezones.items()],
        devices=[
            DeviceEntry(household=h, id=d, role=role, room=room, sensors=frozenset(sensors))
            for (h, d), (role, room, sensors) in devices.items()
        ],
    )


def _numbered(reader: csv.DictReader[str]) -> Iterable[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _row_problem(
    row: dict[str, str],
    timezones: dict[str, str],
    devices: dict[tuple[str, str], tuple[DeviceRole, str, set[SensorKind]]],
) -> str | None:
    household, device, room, timezone = (
        row["household"],
        row["device"],
        row["room"],
        row["timezone"],
    )
    for label, ident in (("household", household), ("device", device)):
        if not ID_PATTERN.fullmatch(ident):
            return f"{label} id {ident!r} must be 1-64 letters, digits, '_', '.' or '-'"
    try:
        sensor = SensorKind(row["sensor"])
    except ValueError:
        return f"unknown sensor {row['sensor']!r} (one of: {', '.join(SensorKind)})"
    try:
        role = DeviceRole(row["role"])
    except ValueError:
        return f"unknown role {row['role']!r} (one of: {', '.join(DeviceRole)})"
    if not room:
        return "room is empty"
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return f"unknown timezone {timezone!r} (use an IANA name such as Europe/London)"
    if timezones.setdefault(household, timezone) != timezone:
        return f"household {household} has timezone {timezones[household]} on an earlier line"
    known = devices.setdefault((household, device), (role, room, set()))
    if known[:2] != (role, room):
        return f"device {device} was given role {known[0]} in room {known[1]} on an earlier line"
    known[2].add(sensor)
    return None
