"""Injecting incidents into any scenario folder (real homes too), and the simulator's
commands as the `telecare` command registers them."""

import datetime as dt
import json
import pathlib
import zoneinfo

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from devices import SensorKind
from simulator import (
    SENSOR_KINDS,
    IncidentKind,
    InjectionError,
    Scenario,
    inject_collapse,
    inject_missed_wakeup,
    inject_night_exit,
    read_kasteren,
    read_scenario,
    simulate_population,
    write_scenario,
)
from simulator.cli import import_app, inject, simulate
from tests.data_sets import kasteren_file

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
ACTIVITY = [SENSOR_KINDS.index(k) for k in (SensorKind.MOTION, SensorKind.CONTACT, SensorKind.OCCUPANCY)]


@pytest.fixture(scope="module")
def home() -> Scenario:
    return simulate_population(households=1, days=21, seed=12)


def _activity(scenario: Scenario, start: float, end: float) -> np.ndarray:
    t = scenario.readings
    return t.ts[np.isin(t.sensor, ACTIVITY) & (t.ts > start) & (t.ts < end)]


def test_an_injected_collapse_removes_activity_for_hours_from_the_last_sign_of_life(home: Scenario) -> None:
    at = dt.datetime(2026, 1, 20, 11, 0, tzinfo=dt.UTC)

    injected = inject_collapse(home, "h-0001", at, hours=4)

    (incident,) = injected.truth
    assert incident.kind is IncidentKind.COLLAPSE
    assert incident.end == at + dt.timedelta(hours=4)
    last_sign = _activity(home, at.timestamp() - 86400, at.timestamp() + 1).max()
    assert incident.start.timestamp() == last_sign
    assert len(_activity(injected, at.timestamp(), incident.end.timestamp() + 1)) == 0
    assert len(_activity(home, at.timestamp(), incident.end.timestamp())) > 0, "there was activity to remove"
    temperatures = injected.readings.sensor == SENSOR_KINDS.index(SensorKind.TEMPERATURE)
    assert np.count_nonzero(temperatures) == np.count_nonzero(
        home.readings.sensor == SENSOR_KINDS.index(SensorKind.TEMPERATURE)
    )


def test_an_injected_night_exit_opens_the_front_door_and_empties_the_home(home: Scenario) -> None:
    at = dt.datetime(2026, 1, 22, 2, 30, tzinfo=dt.UTC)

    injected = inject_night_exit(home, "h-0001", at, hours=2)

    (incident,) = injected.truth
    assert (incident.kind, incident.start, incident.end) == (
        IncidentKind.NIGHT_EXIT,
        at,
        at + dt.timedelta(hours=2),
    )
    table = injected.readings
    door = (table.device == table.devices.index("front-door")) & (
        table.sensor == SENSOR_KINDS.index(SensorKind.CONTACT)
    )
    window = (table.ts >= at.timestamp()) & (table.ts <= incident.end.timestamp() + 10)
    assert [
        (t - at.timestamp(), v)
        for t, v in zip(table.ts[door & window], table.value[door & window], strict=True)
    ] == [(0, 1), (10, 0), (7200, 1), (7210, 0)]
    assert len(_activity(injected, at.timestamp() + 10, incident.end.timestamp())) == 0
    assert np.all(np.diff(table.ts) >= 0)


def test_an_injected_missed_wakeup_starts_at_the_usual_latest_rising(home: Scenario) -> None:
    at = dt.datetime(2026, 1, 23, 4, 0, tzinfo=dt.UTC)

    injected = inject_missed_wakeup(home, "h-0001", at, hours=5)

    (incident,) = injected.truth
    t = home.readings
    risings = []
    for back in range(1, 15):
        day_from = at.timestamp() - back * 86400
        risings.append(_activity(home, day_from - 1, day_from + 43200).min() - day_from)
    assert incident.start.timestamp() == at.timestamp() + max(risings)
    assert incident.end == at + dt.timedelta(hours=5)
    assert len(_activity(injected, at.timestamp() - 1, incident.end.timestamp())) == 0
    assert len(t.ts) > len(injected.readings.ts)


def test_a_missed_wakeup_too_short_to_pass_the_usual_rising_is_refused(home: Scenario) -> None:
    with pytest.raises(InjectionError, match="usual latest rising"):
        inject_missed_wakeup(home, "h-0001", dt.datetime(2026, 1, 23, 4, 0, tzinfo=dt.UTC), hours=0.5)


def test_incidents_inject_into_a_real_home(tmp_path: pathlib.Path) -> None:
    kasteren = read_kasteren(kasteren_file(), "kasteren-a")
    at = dt.datetime(2008, 3, 14, 3, 0, tzinfo=AMSTERDAM)

    injected = inject_night_exit(kasteren, "kasteren-a", at, hours=2)
    injected = inject_collapse(
        injected, "kasteren-a", dt.datetime(2008, 3, 16, 11, 0, tzinfo=AMSTERDAM), hours=4
    )
    write_scenario(tmp_path, injected)

    lines = (tmp_path / "truth.jsonl").read_text().splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["night_exit", "collapse"]
    assert json.loads(lines[0])["start"] == "2008-03-14T03:00:00+01:00"
    assert len(read_scenario(tmp_path).readings) == len(injected.readings)


def _app() -> typer.Typer:
    """The commands registered as telecare/cli.py registers them."""
    app = typer.Typer()
    app.command()(simulate)
    app.command()(inject)
    app.add_typer(import_app, name="import")
    return app


def test_the_commands_simulate_import_and_inject(tmp_path: pathlib.Path) -> None:
    runner = CliRunner()
    spec = tmp_path / "incidents.yaml"
    spec.write_text("- {kind: collapse, household: h-0002, day: 15, time: '11:00', hours: 3}\n")

    simulated = runner.invoke(
        _app(),
        [
            "simulate",
            "--households",
            "2",
            "--days",
            "16",
            "--seed",
            "3",
            "--incidents",
            str(spec),
            "--out",
            str(tmp_path / "sim"),
        ],
    )
    assert simulated.exit_code == 0, simulated.output
    assert "2 homes, 16 days" in simulated.output
    assert [i.kind for i in read_scenario(tmp_path / "sim").truth] == [IncidentKind.COLLAPSE]

    injected = runner.invoke(
        _app(),
        [
            "inject",
            str(tmp_path / "sim"),
            "--kind",
            "night_exit",
            "--household",
            "h-0001",
            "--at",
            "2026-01-15T02:00:00+00:00",
            "--hours",
            "1.5",
            "--out",
            str(tmp_path / "injected"),
        ],
    )
    assert injected.exit_code == 0, injected.output
    assert "night_exit in h-0001 from 2026-01-15T02:00:00+00:00" in injected.output
    assert len(read_scenario(tmp_path / "injected").truth) == 2

    refused = runner.invoke(_app(), ["simulate", "--households", "2", "--days", "16"])
    assert refused.exit_code != 0
    assert "--out" in refused.output


def test_the_import_command_writes_a_folder(tmp_path: pathlib.Path) -> None:
    result = CliRunner().invoke(
        _app(), ["import", "kasteren", str(kasteren_file()), "--household", "k-a", "--out", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    assert "2,638 readings" in result.output
    assert read_scenario(tmp_path).registry.households[0].id == "k-a"
