"""The scenario folder, the interchange format between the simulator, the importers and
detection's evaluation: `devices.csv`, `readings.csv` and `truth.jsonl` (see the README).

Readings are held as columns (numpy arrays) so that millions of them load and save quickly.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import gc
import io
import itertools
import pathlib
import zoneinfo
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from devices import RegistryFile, SensorKind, parse_registry_csv
from simulator._clock import OffsetTable, format_local
from simulator._truth import Incident

DEVICES_FILE = "devices.csv"
READINGS_FILE = "readings.csv"
TRUTH_FILE = "truth.jsonl"
DEVICES_HEADER = ("household", "device", "sensor", "role", "room", "timezone")
READINGS_HEADER = ("ts", "household", "device", "sensor", "value")
SENSOR_KINDS: tuple[SensorKind, ...] = tuple(SensorKind)
# ts, household, device and sensor codes, value: the columns of a chunk of lines.
_Columns = tuple[
    NDArray[np.float64], NDArray[np.intp], NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]
]
# Lines formatted and written (or read) at a time: bounds memory while writing tens of millions.
_CHUNK = 1_000_000


@dataclasses.dataclass(frozen=True, slots=True)
class ReadingTable:
    """Readings in time order as columns. `household`, `device` and `sensor` are codes into
    `households`, `devices` and `SENSOR_KINDS`; `ts` is UTC epoch seconds."""

    ts: NDArray[np.float64]
    household: NDArray[np.int32]
    device: NDArray[np.int32]
    sensor: NDArray[np.int8]
    value: NDArray[np.float64]
    households: tuple[str, ...]
    devices: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ts)

    def where(self, keep: NDArray[np.bool_]) -> ReadingTable:
        return self.taken(np.flatnonzero(keep))

    def taken(self, rows: NDArray[np.intp]) -> ReadingTable:
        """These rows, in this order."""
        keep = rows
        return dataclasses.replace(
            self,
            ts=self.ts[keep],
            household=self.household[keep],
            device=self.device[keep],
            sensor=self.sensor[keep],
            value=self.value[keep],
        )

    def of_household(self, household: str) -> ReadingTable:
        if household not in self.households:
            return self.where(np.zeros(len(self), dtype=bool))
        return self.where(self.household == self.households.index(household))

    def rows(self) -> Iterator[tuple[dt.datetime, str, str, SensorKind, float]]:
        """Each reading as (ts, household, device, sensor, value): for small tables and tests."""
        for ts, household, device, sensor, value in zip(
            self.ts.tolist(),
            self.household.tolist(),
            self.device.tolist(),
            self.sensor.tolist(),
            self.value.tolist(),
            strict=True,
        ):
            yield (
                dt.datetime.fromtimestamp(ts, dt.UTC),
                self.households[household],
                self.devices[device],
                SENSOR_KINDS[sensor],
                value,
            )

    @classmethod
    def concat(cls, tables: list[ReadingTable]) -> ReadingTable:
        """Several tables as one, in time order (ties keep the order of the tables)."""
        households = tuple(dict.fromkeys(h for t in tables for h in t.households))
        devices = tuple(dict.fromkeys(d for t in tables for d in t.devices))
        recode_h = [np.array([households.index(h) for h in t.households] or [0], np.int32) for t in tables]
        recode_d = [np.array([devices.index(d) for d in t.devices] or [0], np.int32) for t in tables]
        merged = cls(
            ts=np.concatenate([t.ts for t in tables]),
            household=np.concatenate([r[t.household] for r, t in zip(recode_h, tables, strict=True)]),
            device=np.concatenate([r[t.device] for r, t in zip(recode_d, tables, strict=True)]),
            sensor=np.concatenate([t.sensor for t in tables]),
            value=np.concatenate([t.value for t in tables]),
            households=households,
            devices=devices,
        )
        return merged.taken(np.argsort(merged.ts, kind="stable"))


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario:
    registry: RegistryFile
    readings: ReadingTable
    truth: tuple[Incident, ...] = ()

    def timezone(self, household: str) -> str:
        for entry in self.registry.households:
            if entry.id == household:
                return entry.timezone
        raise KeyError(f"household {household} is not in devices.csv")


def write_scenario(folder: pathlib.Path, scenario: Scenario) -> None:
    """Write the three files (replacing any there); `truth.jsonl` is written even when empty."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DEVICES_FILE).write_text(format_devices_csv(scenario.registry), encoding="utf-8")
    with (folder / READINGS_FILE).open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(READINGS_HEADER) + "\n")
        for chunk in _reading_lines(scenario):
            out.write(chunk)
    truth = sorted(scenario.truth, key=lambda i: (i.household, i.start, i.kind))
    (folder / TRUTH_FILE).write_text("".join(i.to_json() + "\n" for i in truth), encoding="utf-8")


def format_devices_csv(registry: RegistryFile) -> str:
    timezones = {h.id: h.timezone for h in registry.households}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(DEVICES_HEADER)
    for d in registry.devices:
        for sensor in sorted(d.sensors):
            writer.writerow([d.household, d.id, sensor, d.role, d.room, timezones[d.household]])
    return out.getvalue()


def _reading_lines(scenario: Scenario) -> Iterator[str]:
    readings = scenario.readings
    if len(readings) == 0:
        return
    span = (int(readings.ts.min()), int(readings.ts.max()) + 1)
    tables = {tz: OffsetTable.build(tz, *span) for tz in {h.timezone for h in scenario.registry.households}}
    zone_of = [tables[scenario.timezone(h)] for h in readings.households]
    prefixes = [
        f",{household},{device},{sensor},"
        for household in readings.households
        for device in readings.devices
        for sensor in SENSOR_KINDS
    ]
    per_household = len(readings.devices) * len(SENSOR_KINDS)
    for first in range(0, len(readings), _CHUNK):
        chunk = slice(first, first + _CHUNK)
        household = readings.household[chunk]
        times = _local_times(readings.ts[chunk], household, zone_of)
        prefix = (
            household * per_household + readings.device[chunk] * len(SENSOR_KINDS) + readings.sensor[chunk]
        ).tolist()
        values = _numbers(readings.value[chunk])
        yield "".join([f"{t}{prefixes[p]}{v}\n" for t, p, v in zip(times, prefix, values, strict=True)])


def _local_times(
    ts: NDArray[np.float64], household: NDArray[np.int32], zone_of: list[OffsetTable]
) -> list[str]:
    whole = np.floor(ts).astype(np.int64)
    if np.any(whole != ts):  # sub-second times (not from the simulator): one by one
        return [
            dt.datetime.fromtimestamp(t, zoneinfo.ZoneInfo(zone_of[h].timezone)).isoformat()
            for t, h in zip(ts.tolist(), household.tolist(), strict=True)
        ]
    zones = {z.timezone: z for z in zone_of}
    if len(zones) == 1:
        return format_local(whole, zone_of[0])
    times = [""] * len(ts)
    for name, zone in zones.items():
        mine = np.flatnonzero(np.array([z.timezone == name for z in zone_of])[household])
        for index, text in zip(mine.tolist(), format_local(whole[mine], zone), strict=True):
            times[index] = text
    return times


def _numbers(values: NDArray[np.float64]) -> list[str]:
    """Values as the shortest plain text: 1, 0, 2436.7, 19.4."""
    unique, inverse = np.unique(values, return_inverse=True)
    texts = [str(int(v)) if v.is_integer() else repr(v) for v in unique.tolist()]
    return [texts[i] for i in inverse.tolist()]


def read_scenario(folder: pathlib.Path) -> Scenario:
    """Read a scenario folder; `truth.jsonl` may be absent (no ground truth: empty)."""
    registry = parse_registry_csv((folder / DEVICES_FILE).read_text(encoding="utf-8-sig"))
    readings = read_readings(folder / READINGS_FILE)
    truth_path = folder / TRUTH_FILE
    truth = tuple(
        Incident.from_json(line)
        for line in (truth_path.read_text(encoding="utf-8").splitlines() if truth_path.exists() else [])
        if line.strip()
    )
    return Scenario(registry=registry, readings=readings, truth=truth)


def read_readings(path: pathlib.Path) -> ReadingTable:
    """Read `readings.csv` a million lines at a time (memory stays bounded)."""
    households: dict[str, int] = {}
    devices: dict[str, int] = {}
    kinds: dict[str, int] = {}
    parts: list[_Columns] = []
    with path.open(encoding="utf-8-sig") as source, _collector_paused():
        header = source.readline().rstrip("\n")
        if header.split(",") != list(READINGS_HEADER):
            raise ValueError(f"{path}: header must be {','.join(READINGS_HEADER)}, got {header}")
        first_line = 2
        while lines := list(itertools.islice(source, _CHUNK)):
            try:
                parts.append(_parse_lines(lines, households, devices, kinds))
            except ValueError as exc:
                raise ValueError(f"{path}: {_bad_line(lines, first_line) or exc}") from exc
            first_line += len(lines)
    try:
        sensor_of_kind = np.array([SENSOR_KINDS.index(SensorKind(k)) for k in kinds] or [0], np.int8)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return ReadingTable(
        ts=np.concatenate([p[0] for p in parts]) if parts else np.zeros(0),
        household=np.concatenate([p[1] for p in parts]).astype(np.int32) if parts else np.zeros(0, np.int32),
        device=np.concatenate([p[2] for p in parts]).astype(np.int32) if parts else np.zeros(0, np.int32),
        sensor=sensor_of_kind[np.concatenate([p[3] for p in parts])] if parts else np.zeros(0, np.int8),
        value=np.concatenate([p[4] for p in parts]) if parts else np.zeros(0),
        households=tuple(households),
        devices=tuple(devices),
    )


def _parse_lines(
    lines: list[str], households: dict[str, int], devices: dict[str, int], kinds: dict[str, int]
) -> _Columns:
    columns = len(READINGS_HEADER)
    # One split of many lines into fields is far faster than a split per line.
    fields = "".join(lines).rstrip("\n").replace("\n", ",").split(",")
    if len(fields) != columns * len(lines) or "" in fields[::columns]:
        raise ValueError("a line does not have 5 fields")
    ts_text, household, device, sensor, value = (fields[n::columns] for n in range(columns))
    return (
        _parse_times(ts_text),
        _codes(household, households),
        _codes(device, devices),
        _codes(sensor, kinds),
        np.array(value, dtype=np.float64),
    )


def _bad_line(lines: list[str], first_line: int) -> str | None:
    for number, line in enumerate(lines, start=first_line):
        fields = line.rstrip("\n").split(",")
        if len(fields) != len(READINGS_HEADER) or not fields[0]:
            return f"line {number} has {len(fields)} fields, expected {len(READINGS_HEADER)}"
    return None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Millions of small strings would set off the cyclic garbage collector again and again,
    for nothing: none of them can form a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _codes(texts: list[str], known: dict[str, int]) -> NDArray[np.intp]:
    """Each string's index among the distinct strings seen so far (new ones are added)."""
    for name in dict.fromkeys(texts):
        known.setdefault(name, len(known))
    return np.fromiter(map(known.__getitem__, texts), dtype=np.intp, count=len(texts))


def _parse_times(texts: list[str]) -> NDArray[np.float64]:
    """ISO-8601 with an offset to UTC epoch seconds; the common `YYYY-MM-DDTHH:MM:SS+HH:MM`
    is parsed in bulk by numpy, anything else one by one."""
    if set(map(len, texts)) == {25} and {t[19] for t in texts} <= {"+", "-"}:
        local = np.array([t[:19] for t in texts], dtype="datetime64[s]").astype(np.int64)
        offsets: dict[str, int] = {}
        offset_code = _codes([t[19:] for t in texts], offsets)
        seconds = np.array([_offset_seconds(o) for o in offsets] or [0], dtype=np.int64)
        return (local - seconds[offset_code]).astype(np.float64)
    parsed = []
    for text in texts:
        moment = dt.datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError(f"timestamp {text!r} has no UTC offset")
        parsed.append(moment.timestamp())
    return np.array(parsed, dtype=np.float64)


def _offset_seconds(text: str) -> int:
    sign = 1 if text[0] == "+" else -1
    return sign * (int(text[1:3]) * 3600 + int(text[4:6]) * 60)
