"""The scenario folder: its format, byte-for-byte reproducibility, and reading it back."""

import datetime as dt
import json
import pathlib
import tempfile
import zoneinfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices import DeviceRole, RegistryFile, parse_registry_csv
from simulator import (
    SENSOR_KINDS,
    IncidentKind,
    ReadingTable,
    Scenario,
    read_scenario,
    simulate_households,
    simulate_population,
    write_scenario,
)
from simulator._home import kit_registry


def _files(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_same_seed_writes_the_same_folder_byte_for_byte(tmp_path: pathlib.Path) -> None:
    for run in ("first", "second"):
        write_scenario(tmp_path / run, simulate_population(households=5, days=20, seed=7, incident_rate=4))
    write_scenario(tmp_path / "other", simulate_population(households=5, days=20, seed=8, incident_rate=4))

    first = _files(tmp_path / "first")
    assert set(first) == {"devices.csv", "readings.csv", "truth.jsonl"}
    assert first == _files(tmp_path / "second")
    assert first["readings.csv"] != _files(tmp_path / "other")["readings.csv"]


def test_a_household_is_the_same_whatever_the_size_of_its_population() -> None:
    small = simulate_households(["h-a", "h-b"], days=10, seed=3, incident_rate=5)
    large = simulate_households(["h-a", "h-b", "h-c", "h-d", "h-e"], days=10, seed=3, incident_rate=5)

    for mine, theirs in ((small.readings.of_household("h-b"), large.readings.of_household("h-b")),):
        assert np.array_equal(mine.ts, theirs.ts)
        assert np.array_equal(mine.value, theirs.value)
    assert [i for i in small.truth if i.household == "h-b"] == [
        i for i in large.truth if i.household == "h-b"
    ]


def test_the_folder_has_the_documented_format(tmp_path: pathlib.Path) -> None:
    write_scenario(tmp_path, simulate_population(households=4, days=16, seed=2, incident_rate=6))

    devices = (tmp_path / "devices.csv").read_text()
    assert devices.splitlines()[0] == "household,device,sensor,role,room,timezone"
    registry = parse_registry_csv(devices)
    assert {d.role for d in registry.devices} >= {DeviceRole.FRONT_DOOR, DeviceRole.KETTLE, DeviceRole.BED}
    lines = (tmp_path / "readings.csv").read_text().splitlines()
    assert lines[0] == "ts,household,device,sensor,value"
    times = [dt.datetime.fromisoformat(line.split(",")[0]) for line in lines[1:]]
    assert all(t.tzinfo is not None for t in times)
    assert times == sorted(times)
    for line in (tmp_path / "truth.jsonl").read_text().splitlines():
        record = json.loads(line)
        assert set(record) <= {"household", "kind", "start", "end", "device"}
        assert IncidentKind(record["kind"])
        assert dt.datetime.fromisoformat(record["start"]) <= dt.datetime.fromisoformat(record["end"])


def test_a_written_scenario_reads_back_the_same(tmp_path: pathlib.Path) -> None:
    scenario = simulate_population(households=3, days=15, seed=4, incident_rate=8)
    write_scenario(tmp_path, scenario)

    back = read_scenario(tmp_path)

    assert back.truth == tuple(sorted(scenario.truth, key=lambda i: (i.household, i.start, i.kind)))
    assert back.registry.households == scenario.registry.households
    assert set(back.registry.devices) == set(scenario.registry.devices)
    for column in ("ts", "value", "sensor"):
        assert np.array_equal(getattr(back.readings, column), getattr(scenario.readings, column))
    assert [r[1:3] for r in back.readings.rows()] == [r[1:3] for r in scenario.readings.rows()]


def test_a_folder_without_truth_reads_as_having_none(tmp_path: pathlib.Path) -> None:
    write_scenario(tmp_path, simulate_population(households=1, days=2, seed=1))
    (tmp_path / "truth.jsonl").unlink()

    assert read_scenario(tmp_path).truth == ()


_ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Adelaide")


@settings(max_examples=40, deadline=None)
@given(
    instants=st.lists(
        st.tuples(
            # 1990 to 2050: whole seconds as the simulator writes them, or any fraction.
            st.integers(min_value=631_152_000, max_value=2_524_608_000).map(float)
            | st.floats(min_value=631_152_000, max_value=2_524_608_000),
            st.sampled_from(["h-1", "h-2"]),
            st.floats(min_value=-40, max_value=10_000, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    ),
    zones=st.tuples(st.sampled_from(_ZONES), st.sampled_from(_ZONES)),
)
def test_any_readings_round_trip_through_the_folder_with_their_local_offsets(
    instants: list[tuple[float, str, float]], zones: tuple[str, str]
) -> None:
    instants.sort(key=lambda r: r[0])
    table = ReadingTable(
        ts=np.array([float(r[0]) for r in instants]),
        household=np.array([0 if r[1] == "h-1" else 1 for r in instants], dtype=np.int32),
        device=np.zeros(len(instants), dtype=np.int32),
        sensor=np.full(len(instants), SENSOR_KINDS.index("power"), dtype=np.int8),
        value=np.array([r[2] for r in instants]),
        households=("h-1", "h-2"),
        devices=("kettle-plug",),
    )
    first, second = kit_registry(["h-1"], zones[0]), kit_registry(["h-2"], zones[1])
    registry = RegistryFile(
        households=first.households + second.households, devices=first.devices + second.devices
    )
    with tempfile.TemporaryDirectory() as folder:
        write_scenario(pathlib.Path(folder), Scenario(registry=registry, readings=table))
        lines = (pathlib.Path(folder) / "readings.csv").read_text().splitlines()[1:]
        back = read_scenario(pathlib.Path(folder)).readings

    for line, (ts, household, _) in zip(lines, instants, strict=True):
        stamp = dt.datetime.fromisoformat(line.split(",")[0])
        zone = zoneinfo.ZoneInfo(zones[0] if household == "h-1" else zones[1])
        assert stamp.utcoffset() == dt.datetime.fromtimestamp(ts, zone).utcoffset()
    assert np.allclose(back.ts, table.ts, rtol=0, atol=1e-6)
    assert np.array_equal(back.value, table.value)
    assert [back.households[h] for h in back.household] == [r[1] for r in instants]


def test_a_malformed_line_is_named(tmp_path: pathlib.Path) -> None:
    write_scenario(tmp_path, simulate_population(households=1, days=1, seed=1))
    readings = tmp_path / "readings.csv"
    lines = readings.read_text().splitlines()
    lines[3] = lines[3] + ",extra"
    readings.write_text("\n".join(lines) + "\n")

    with pytest.raises(ValueError, match="line 4 has 6 fields"):
        read_scenario(tmp_path)
