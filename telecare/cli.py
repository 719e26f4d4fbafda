"""The `telecare` command: run the platform's services, manage the registry, inspect data."""

import csv
import datetime as dt
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

import store
from telecare._cli_registry import devices_app, households_app
from telecare._logging import configure_logging
from telecare._platform import database, platform
from telecare.settings import Settings

app = typer.Typer(
    help="Open telecare platform: home sensors over MQTT, routines learned, the right people told.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
readings_app = typer.Typer(help="Stored sensor readings.", no_args_is_help=True)
app.add_typer(households_app, name="households")
app.add_typer(devices_app, name="devices")
app.add_typer(readings_app, name="readings")


def _settings() -> Settings:
    settings = Settings()
    configure_logging(settings.log_level)
    return settings


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by Ctrl-C or SIGTERM, so services finish their batch and stop cleanly."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


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
    with _stop_on_signals() as stop, platform(settings) as endpoints:
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
    """Run every service of the platform in one process (ingest, device health) until stopped."""
    from telecare._services import run_all

    settings = _settings()
    with _stop_on_signals() as stop, platform(settings) as endpoints:
        run_all(settings, endpoints, stop)


@app.command()
def ingest() -> None:
    """Run the ingest service alone: MQTT in, readings stored, dead letters kept."""
    from telecare._services import ingest_service

    settings = _settings()
    with _stop_on_signals() as stop, platform(settings) as endpoints:
        ingest_service(settings, endpoints).run(stop)


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
