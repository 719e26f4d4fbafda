"""The `telecare` command: run the platform's services, manage the registry, inspect data."""

import csv
import datetime as dt
import json
import pathlib
import sys
from typing import Annotated

import typer

import store
from alerts.cli import alerts_app
from reports.cli import report
from simulator.cli import import_app, inject, replay, simulate
from telecare._cli_privacy import retention_app
from telecare._cli_registry import devices_app, households_app
from telecare._logging import configure_logging
from telecare._platform import database, platform
from telecare._signals import stop_on_signals
from telecare.settings import Settings
from web.cli import teams_app, users_app

app = typer.Typer(
    help="Open telecare platform: home sensors over MQTT, routines learned, the right people told.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
readings_app = typer.Typer(help="Stored sensor readings.", no_args_is_help=True)
app.command()(simulate)
app.command()(replay)
app.command()(inject)
app.command()(report)
app.add_typer(import_app, name="import")
app.add_typer(alerts_app, name="alerts")
app.add_typer(households_app, name="households")
app.add_typer(devices_app, name="devices")
app.add_typer(readings_app, name="readings")
app.add_typer(users_app, name="users")
app.add_typer(teams_app, name="teams")
app.add_typer(retention_app, name="retention")


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


@app.command()
def demo(
    households: Annotated[int, typer.Option(min=1, max=500, help="Number of demo homes.")] = 5,
    speed: Annotated[float, typer.Option(min=1, help="Simulated seconds per real second.")] = 600,
    duration: Annotated[
        float | None, typer.Option(min=1, help="Run this many seconds, then exit with a summary.")
    ] = None,
) -> None:
    """Seed demo homes, simulate their days over MQTT, ingest them, show it live."""
    from telecare._demo import run_demo

    settings = _settings()
    with stop_on_signals() as stop, platform(settings) as endpoints:
        run_demo(
            settings,
            endpoints,
            households=households,
            speed=speed,
            duration=duration,
            stop=stop,
        )


@app.command()
def run() -> None:
    """Run every service of the platform in one process: ingest, detection, device health, alerts, web."""
    from telecare._services import run_all

    settings = _settings()
    with stop_on_signals() as stop, platform(settings) as endpoints:
        run_all(settings, endpoints, stop)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address (default TELECARE_WEB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default TELECARE_WEB_PORT).")] = None,
) -> None:
    """Run the web service alone: the responder console and the JSON API."""
    from telecare._services import web_service

    settings = _settings()
    given = {"web_host": host, "web_port": port}
    settings = settings.model_copy(update={name: value for name, value in given.items() if value is not None})
    with stop_on_signals() as stop, database(settings) as url:
        web_service(settings, url)(stop)


@app.command()
def ingest() -> None:
    """Run the ingest service alone: MQTT in, readings stored, dead letters kept."""
    from telecare._services import ingest_service

    settings = _settings()
    with stop_on_signals() as stop, platform(settings) as endpoints:
        ingest_service(settings, endpoints).run(stop)


@app.command()
def detect() -> None:
    """Run the detection service alone: instant rules, watchdogs each minute, daily refits
    (over this worker's share of the households with TELECARE_WORKER_INDEX/_COUNT); the first
    worker also checks every home's device health each minute."""
    from telecare._services import detection_services, run_services

    settings = _settings()
    with stop_on_signals() as stop, database(settings) as url:
        run_services(detection_services(settings, url), stop)


@app.command()
def migrate() -> None:
    """Apply pending database migrations, then exit."""
    settings = _settings()
    with database(settings):
        typer.echo("database schema is up to date")


def _timestamp(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise typer.BadParameter("give a UTC offset, e.g. 2026-11-01T00:00:00+00:00")
    return parsed


@readings_app.command("export")
def readings_export(
    household: Annotated[str | None, typer.Option(help="Only this household.")] = None,
    since: Annotated[
        dt.datetime | None, typer.Option(parser=_timestamp, help="From this instant (ISO-8601).")
    ] = None,
    until: Annotated[
        dt.datetime | None, typer.Option(parser=_timestamp, help="Before this instant (ISO-8601).")
    ] = None,
) -> None:
    """Print stored readings as CSV: ts,household,device,sensor,value."""
    settings = _settings()
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["ts", "household", "device", "sensor", "value"])
    with database(settings) as url, store.connect(url) as conn:
        for ts, household_id, device, sensor, value in store.iter_readings(
            conn, household=household, since=since, until=until
        ):
            writer.writerow([ts.isoformat(), household_id, device, sensor, _plain_number(value)])


def _plain_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


@app.command()
def evaluate(
    folder: Annotated[pathlib.Path, typer.Argument(exists=True, file_okay=False, help="A scenario folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    findings: Annotated[
        pathlib.Path | None, typer.Option(help="Also write every finding as a JSON line here.")
    ] = None,
) -> None:
    """Replay a scenario through the real detection code in simulated time and score it.

    Per incident kind: count, recall, median and 90th-percentile delay; false alerts in total
    and per household per 30 days (device-health findings counted apart). See the README for
    the matching rule.
    """
    from detection import finding_record, replay, score
    from simulator import read_scenario

    configure_logging(Settings().log_level)
    scenario = read_scenario(folder)
    episodes = replay(scenario)
    if findings is not None:
        with findings.open("w", encoding="utf-8") as out:
            for episode in episodes:
                out.write(json.dumps(finding_record(episode)) + "\n")
    result = score(episodes, scenario)
    if as_json:
        typer.echo(json.dumps(result.as_json()))
        return
    typer.echo(f"{result.households} households, {result.days:g} days")
    typer.echo(f"{'incident':<16}{'count':>6}{'found':>7}{'recall':>8}{'median min':>12}{'p90 min':>9}")
    for kind, s in result.by_kind.items():
        median = f"{s.median_delay_min:.0f}" if s.median_delay_min is not None else "-"
        p90 = f"{s.p90_delay_min:.0f}" if s.p90_delay_min is not None else "-"
        typer.echo(f"{kind:<16}{s.count:>6}{s.detected:>7}{s.recall:>8.2f}{median:>12}{p90:>9}")
    typer.echo(
        f"false alerts: {result.false_alerts} ({result.false_alerts_per_household_30d:.2f} per household "
        f"per 30 days); device-health findings: {result.device_findings}"
    )
    decline = result.by_kind.get("decline")
    if decline is not None and decline.median_delay_min is not None and decline.p90_delay_min is not None:
        typer.echo(
            f"decline: found {decline.detected}/{decline.count}, median delay "
            f"{decline.median_delay_min / 1440:.1f} days (p90 {decline.p90_delay_min / 1440:.1f})"
        )
    typer.echo(
        f"routine-change findings: {result.routine_changes}, false {result.false_routine_changes} "
        f"({result.false_routine_changes_per_household_90d:.2f} per household per 90 days)"
    )
