"""The simulator's commands: `simulate`, `replay`, `inject` and `import kasteren|ordonez`,
for the `telecare` command to register."""

from __future__ import annotations

import datetime as dt
import enum
import pathlib
import threading
from typing import Annotated

import typer

from simulator._inject import InjectionError, inject_collapse, inject_missed_wakeup, inject_night_exit
from simulator._kasteren import read_kasteren
from simulator._live import PublisherStats, replay_readings
from simulator._ordonez import read_ordonez
from simulator._population import DEFAULT_FIRST_DAY, DEFAULT_TIMEZONE, simulate_population
from simulator._scenario import Scenario, read_scenario, write_scenario
from simulator._spec import IncidentSpecError, parse_incident_spec
from telecare._logging import configure_logging
from telecare.mqtt import BrokerAddress, parse_mqtt_url
from telecare.settings import Settings

import_app = typer.Typer(
    help="Turn a real home-sensor data set into a scenario folder.", no_args_is_help=True
)


def simulate(
    households: Annotated[int, typer.Option(min=1, help="Number of homes (personas in turn).")] = 10,
    days: Annotated[int, typer.Option(min=1, max=395, help="Days to simulate.")] = 30,
    seed: Annotated[int, typer.Option(help="The same seed gives the same homes, byte for byte.")] = 1,
    incidents: Annotated[
        pathlib.Path | None,
        typer.Option(exists=True, dir_okay=False, help="YAML file of incidents to inject."),
    ] = None,
    incident_rate: Annotated[
        float, typer.Option(min=0, help="Random incidents per home per 30 days (none in the first 14 days).")
    ] = 0.0,
    start: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First local day (default 2026-01-05).")
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA timezone of the homes.")] = DEFAULT_TIMEZONE,
    out: Annotated[
        pathlib.Path | None, typer.Option(file_okay=False, help="Write a scenario folder here.")
    ] = None,
    mqtt: Annotated[bool, typer.Option("--mqtt", help="Publish live to TELECARE_MQTT_URL instead.")] = False,
    speed: Annotated[
        float, typer.Option(min=1, help="With --mqtt: simulated seconds per real second.")
    ] = 3600,
) -> None:
    """Simulate homes: write a scenario folder (--out) or publish them live (--mqtt)."""
    if (out is None) == (not mqtt):
        raise typer.BadParameter("give either --out DIR or --mqtt")
    configure_logging(Settings().log_level)
    try:
        spec = parse_incident_spec(incidents.read_text(encoding="utf-8")) if incidents else []
        scenario = simulate_population(
            households=households,
            days=days,
            seed=seed,
            first_day=start.date() if start else DEFAULT_FIRST_DAY,
            timezone=timezone,
            incident_rate=incident_rate,
            spec=spec,
        )
    except IncidentSpecError as exc:
        typer.echo(f"{incidents}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if out is not None:
        write_scenario(out, scenario)
        readings, truth = len(scenario.readings), len(scenario.truth)
        typer.echo(f"wrote {out}: {households} homes, {days} days, {readings:,} readings, {truth} incidents")
    else:
        _publish(scenario, speed)


def replay(
    folder: Annotated[pathlib.Path, typer.Argument(exists=True, file_okay=False, help="A scenario folder.")],
    speed: Annotated[float, typer.Option(min=1, help="Simulated seconds per real second.")] = 3600,
) -> None:
    """Publish a scenario folder over MQTT, compressed in time so that it ends about now."""
    configure_logging(Settings().log_level)
    _publish(read_scenario(folder), speed)


class InjectableKind(enum.StrEnum):
    COLLAPSE = "collapse"
    MISSED_WAKEUP = "missed_wakeup"
    NIGHT_EXIT = "night_exit"


def _instant(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise typer.BadParameter("give a UTC offset, e.g. 2008-03-10T03:10:00+01:00")
    return parsed


def inject(
    folder: Annotated[pathlib.Path, typer.Argument(exists=True, file_okay=False, help="A scenario folder.")],
    kind: Annotated[InjectableKind, typer.Option(help="What to inject.")],
    household: Annotated[str, typer.Option(help="Into which household.")],
    at: Annotated[dt.datetime, typer.Option(parser=_instant, help="When (ISO-8601 with offset).")],
    hours: Annotated[float, typer.Option(min=0.01, help="For how long.")] = 3.0,
    out: Annotated[
        pathlib.Path | None, typer.Option(file_okay=False, help="Write the result here (default: in place).")
    ] = None,
) -> None:
    """Inject an incident into a scenario folder (real homes too) and record its ground truth."""
    scenario = read_scenario(folder)
    injectors = {
        InjectableKind.COLLAPSE: inject_collapse,
        InjectableKind.MISSED_WAKEUP: inject_missed_wakeup,
        InjectableKind.NIGHT_EXIT: inject_night_exit,
    }
    try:
        injected = injectors[kind](scenario, household, at, hours)
    except InjectionError as exc:
        typer.echo(f"nothing injected: {exc}", err=True)
        raise typer.Exit(1) from exc
    write_scenario(out or folder, injected)
    incident = injected.truth[-1]
    typer.echo(
        f"{incident.kind} in {household} from {incident.start.isoformat()} to {incident.end.isoformat()}"
    )


@import_app.command("kasteren")
def import_kasteren(
    file: Annotated[pathlib.Path, typer.Argument(exists=True, dir_okay=False, help="kasterenSenseData.txt")],
    household: Annotated[str, typer.Option(help="Household id to give the home.")],
    out: Annotated[pathlib.Path, typer.Option(file_okay=False, help="Scenario folder to write.")],
) -> None:
    """van Kasteren house A (Amsterdam 2008) as a scenario folder."""
    _write_import(read_kasteren(file, household), out)


@import_app.command("ordonez")
def import_ordonez(
    file: Annotated[pathlib.Path, typer.Argument(exists=True, dir_okay=False, help="OrdonezA_Sensors.txt")],
    household: Annotated[str, typer.Option(help="Household id to give the home.")],
    out: Annotated[pathlib.Path, typer.Option(file_okay=False, help="Scenario folder to write.")],
) -> None:
    """Ordóñez home A (Spain 2011) as a scenario folder."""
    _write_import(read_ordonez(file, household), out)


def _write_import(scenario: Scenario, out: pathlib.Path) -> None:
    write_scenario(out, scenario)
    typer.echo(f"wrote {out}: {len(scenario.registry.devices)} devices, {len(scenario.readings):,} readings")


def _publish(scenario: Scenario, speed: float) -> None:
    broker = _broker()
    stats = PublisherStats()
    stop = threading.Event()
    span_hours = (
        (scenario.readings.ts[-1] - scenario.readings.ts[0]) / 3600 if len(scenario.readings) else 0.0
    )
    typer.echo(
        f"publishing {len(scenario.readings):,} readings ({span_hours:.0f} h) at {speed:g}x; Ctrl-C stops"
    )
    try:
        shift = replay_readings(scenario.readings, broker, speed=speed, stop=stop, stats=stats)
    except KeyboardInterrupt:
        stop.set()
        typer.echo(f"stopped after {stats.published:,} readings")
        return
    except OSError as exc:
        typer.echo(f"cannot publish to {broker.host}:{broker.port}: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"published {stats.published:,} readings, times shifted by {shift / 86400:+.0f} days")


def _broker() -> BrokerAddress:
    url = Settings().mqtt_url
    if url is None:
        typer.echo("publishing needs a broker: set TELECARE_MQTT_URL, e.g. mqtt://127.0.0.1:1883", err=True)
        raise typer.Exit(2)
    return parse_mqtt_url(url)
