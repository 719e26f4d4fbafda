"""The two real homes imported into scenario folders: every interval as an "on" and an
"off" reading, sensors on our roles, local times with their offsets."""

import datetime as dt
import pathlib
import re

import numpy as np

from devices import DeviceRole, SensorKind, parse_registry_csv
from simulator import read_kasteren, read_ordonez, read_scenario, write_scenario
from tests.data_sets import kasteren_file, ordonez_file


def _intervals(path: pathlib.Path, pattern: str) -> int:
    return sum(1 for line in path.read_text(encoding="latin-1").splitlines() if re.match(pattern, line))


def test_kasteren_house_a_becomes_a_scenario_folder(tmp_path: pathlib.Path) -> None:
    source = kasteren_file()
    write_scenario(tmp_path, read_kasteren(source, "kasteren-a"))
    scenario = read_scenario(tmp_path)

    assert _intervals(source, r"\d{2}-\w{3}-\d{4} ") == 1319
    assert len(scenario.readings) == 2 * 1319
    roles = {d.id: d.role for d in scenario.registry.devices}
    assert roles["front-door"] is DeviceRole.FRONT_DOOR
    assert roles["toilet-flush"] is DeviceRole.TOILET
    assert roles["bedroom-door"] is DeviceRole.BEDROOM_DOOR
    assert len(roles) == 14
    assert scenario.timezone("kasteren-a") == "Europe/Amsterdam"
    first, second = (tmp_path / "readings.csv").read_text().splitlines()[1:3]
    # The file's first interval: 25-Feb-2008 00:20:14 to 00:22:57 on the bedroom door (24).
    assert first == "2008-02-25T00:20:14+01:00,kasteren-a,bedroom-door,contact,1"
    assert second == "2008-02-25T00:22:57+01:00,kasteren-a,bedroom-door,contact,0"
    assert (tmp_path / "truth.jsonl").read_text() == ""
    assert parse_registry_csv((tmp_path / "devices.csv").read_text()).households[0].id == "kasteren-a"


def test_ordonez_home_a_becomes_a_scenario_folder(tmp_path: pathlib.Path) -> None:
    source = ordonez_file()
    write_scenario(tmp_path, read_ordonez(source, "ordonez-a"))
    scenario = read_scenario(tmp_path)
    table = scenario.readings

    assert _intervals(source, r"\d{4}-\d{2}-\d{2} ") == 409
    assert len(table) == 2 * 409
    devices = {d.id: d for d in scenario.registry.devices}
    assert devices["bed"].role is DeviceRole.BED
    assert devices["bed"].sensors == {SensorKind.OCCUPANCY}
    assert devices["seat"].role is DeviceRole.CHAIR
    assert devices["front-door"].role is DeviceRole.FRONT_DOOR
    assert devices["basin"].sensors == {SensorKind.MOTION}
    assert devices["toaster"].sensors == {SensorKind.POWER}
    assert scenario.timezone("ordonez-a") == "Europe/Madrid"
    # The first interval: the bed, occupied from 02:27:59 to 10:18:11 on 28 Nov 2011 (CET).
    bed = table.device == table.devices.index("bed")
    assert table.ts[bed][:2].tolist() == [
        dt.datetime(2011, 11, 28, 1, 27, 59, tzinfo=dt.UTC).timestamp(),
        dt.datetime(2011, 11, 28, 9, 18, 11, tzinfo=dt.UTC).timestamp(),
    ]
    toaster = table.value[table.device == table.devices.index("toaster")]
    assert set(np.unique(toaster).tolist()) == {0.0, 800.0}
    assert np.all(np.diff(table.ts) >= 0)


def test_an_interval_ending_as_the_next_begins_keeps_both_readings_off_first(tmp_path: pathlib.Path) -> None:
    source = tmp_path / "kasterenSenseData.txt"
    source.write_text(
        "Start time\tEnd time\tID\tVal\r\n"
        "20-Mar-2008 09:49:54\t20-Mar-2008 22:51:15\t5\t1\r\n"
        "20-Mar-2008 22:51:15\t20-Mar-2008 22:51:16\t5\t1\r\n"
        "Length: 2"
    )

    scenario = read_kasteren(source, "k")

    assert [(r[0].isoformat(), r[4]) for r in scenario.readings.rows()] == [
        ("2008-03-20T08:49:54+00:00", 1.0),
        ("2008-03-20T21:51:15+00:00", 0.0),
        ("2008-03-20T21:51:15+00:00", 1.0),
        ("2008-03-20T21:51:16+00:00", 0.0),
    ]
