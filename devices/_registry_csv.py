"""The registry as CSV, one row per sensor of a device: `household,device,sensor,role,room,timezone`
plus the optional columns `dialect,vendor_id`. Every row is checked before anything is
returned, so a file with one bad row imports nothing."""

import csv
import io
from collections.abc import Iterable

from pydantic import ValidationError

from devices._entries import DeviceEntry, HouseholdEntry, RegistryFile
from devices._errors import RegistryFileError, describe

REQUIRED_COLUMNS = ("household", "device", "sensor", "role", "room", "timezone")
OPTIONAL_COLUMNS = ("dialect", "vendor_id")


def parse_registry_csv(text: str) -> RegistryFile:
    """Validate every row; return the households and devices, or raise RegistryFileError."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise RegistryFileError([f"line 1: missing column(s) {', '.join(missing)}"])
    problems: list[str] = []
    households: dict[str, HouseholdEntry] = {}
    devices: dict[tuple[str, str], DeviceEntry] = {}
    for line, row in _numbered(reader):
        try:
            reason = _merge_row(row, households, devices)
        except ValidationError as exc:
            reason = describe(exc)
        if reason:
            problems.append(f"line {line}: {reason}")
    if problems:
        raise RegistryFileError(problems)
    return RegistryFile(households=tuple(households.values()), devices=tuple(devices.values()))


def format_registry_csv(registry: RegistryFile) -> str:
    """The devices of a registry as CSV (households' other details need the YAML form)."""
    timezones = {h.id: h.timezone for h in registry.households}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
    for d in registry.devices:
        for sensor in sorted(d.sensors):
            writer.writerow(
                [
                    d.household,
                    d.id,
                    sensor,
                    d.role,
                    d.room,
                    timezones[d.household],
                    d.dialect,
                    d.vendor_id or "",
                ]
            )
    return out.getvalue()


def _numbered(reader: "csv.DictReader[str]") -> Iterable[tuple[int, dict[str, str]]]:
    for row in reader:
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def _merge_row(
    row: dict[str, str], households: dict[str, HouseholdEntry], devices: dict[tuple[str, str], DeviceEntry]
) -> str | None:
    household = HouseholdEntry(id=row["household"], timezone=row["timezone"])
    known_household = households.setdefault(household.id, household)
    if known_household.timezone != household.timezone:
        return f"household {household.id} has timezone {known_household.timezone} on an earlier line"
    device = DeviceEntry.model_validate(
        {
            "household": row["household"],
            "id": row["device"],
            "role": row["role"],
            "room": row["room"],
            "sensors": [row["sensor"]],
            "dialect": row.get("dialect") or "native",
            "vendor_id": row.get("vendor_id") or None,
        }
    )
    key = (device.household, device.id)
    known = devices.get(key)
    if known is None:
        devices[key] = device
        return None
    if (known.role, known.room, known.dialect, known.vendor_id) != (
        device.role,
        device.room,
        device.dialect,
        device.vendor_id,
    ):
        return f"device {device.id} was given role {known.role} in room {known.room} on an earlier line"
    devices[key] = known.model_copy(update={"sensors": known.sensors | device.sensors})
    return None
