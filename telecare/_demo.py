"""`telecare demo`: demo homes simulated over MQTT, ingested, and watched live in the terminal."""

import datetime as dt
import threading
import time
import zoneinfo

import psycopg
from psycopg.rows import TupleRow
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table

import store
from alerts import AlertService
from alerts.cli import alert_config
from detection._service import DetectionService
from ingest import IngestService
from simulator import DemoPublisher, demo_registry
from telecare._logging import log_to_console
from telecare._platform import Endpoints
from telecare._services import ingest_service
from telecare.mqtt import parse_mqtt_url
from telecare.settings import Settings
from web import create_app, serve
from web._demo import demo_responder, demo_socket

DEMO_TIMEZONE = "Europe/London"
# How long ingest gets, after the simulator stops, to store what is still in flight.
DRAIN_SECONDS = 15.0


def run_demo(
    settings: Settings,
    endpoints: Endpoints,
    *,
    households: int,
    speed: float,
    duration: float | None,
    stop: threading.Event,
) -> None:
    registry = demo_registry(households, DEMO_TIMEZONE)
    with store.connect(endpoints.database_url) as conn:
        store.import_registry(conn, registry)
    household_ids = [h.id for h in registry.households]
    with store.connect(endpoints.database_url) as conn:
        username, password = demo_responder(conn, household_ids)
    web_socket = demo_socket(settings.web_host, settings.web_port)
    web_app = create_app(database_url=endpoints.database_url, settings=settings)
    # Simulated time must not outrun the real clock: start it as far back as the run will
    # cover (a day when running until Ctrl-C), and it ends at "now".
    lead = dt.timedelta(seconds=speed * duration) if duration else dt.timedelta(days=1)
    ingest = ingest_service(settings, endpoints)
    publisher = DemoPublisher(
        broker=parse_mqtt_url(endpoints.mqtt_url),
        households=household_ids,
        timezone=DEMO_TIMEZONE,
        speed=speed,
        lead=min(lead, dt.timedelta(days=7)),
    )
    services_stop, publisher_stop = threading.Event(), threading.Event()
    # Ingest first (it must be subscribed before the simulator publishes), then the others.
    ingest_thread = threading.Thread(target=ingest.run, args=(services_stop,), name="ingest")
    others = [
        threading.Thread(target=run, args=(services_stop,), name=name)
        for name, run in (
            (
                "detection",
                DetectionService(
                    database_url=endpoints.database_url, alert_config=alert_config(settings)
                ).run,
            ),
            ("alerts", AlertService(database_url=endpoints.database_url, config=alert_config(settings)).run),
            ("web", lambda stop: serve(web_app, web_socket, stop)),
        )
    ]
    publisher_thread = threading.Thread(target=publisher.run, args=(publisher_stop,), name="simulator")
    ingest_thread.start()
    for thread in others:
        thread.start()
    ingest.wait_connected(timeout=30)
    publisher_thread.start()
    console = Console()
    log_to_console(console)
    host, port = web_socket.getsockname()[:2]
    console.print(f"Responder console: http://{host}:{port}/ (user {username!r}, password {password!r})")
    started = time.monotonic()
    try:
        with (
            store.connect(endpoints.database_url, application_name="telecare-demo") as conn,
            Live(console=console, refresh_per_second=2, transient=False) as live,
        ):
            while not stop.is_set():
                if duration is not None and time.monotonic() - started >= duration:
                    break
                live.update(_view(conn, ingest, publisher, started))
                conn.commit()
                stop.wait(0.5)
    finally:
        publisher_stop.set()
        publisher_thread.join()
        _drain(ingest, publisher.stats.published, stop)
        services_stop.set()
        for thread in [ingest_thread, *others]:
            thread.join()
    elapsed = time.monotonic() - started
    stats = ingest.stats
    console.print(
        f"demo finished after {elapsed:.0f} s: {publisher.stats.published} readings published, "
        f"{stats.readings_stored} stored ({stats.readings_stored / elapsed:.0f}/s), "
        f"{stats.duplicates} duplicates, {stats.dead_letters} dead letters"
    )


def _drain(ingest: IngestService, published: int, stop: threading.Event) -> None:
    deadline = time.monotonic() + DRAIN_SECONDS
    while ingest.stats.messages < published and time.monotonic() < deadline:
        if stop.wait(0.1):
            return


def _view(
    conn: psycopg.Connection[TupleRow],
    ingest: IngestService,
    publisher: DemoPublisher,
    started: float,
) -> Group:
    elapsed = max(time.monotonic() - started, 1e-9)
    stats = ingest.stats
    sim_now = publisher.stats.simulated_now
    header = Table.grid(padding=(0, 3))
    header.add_row(
        f"[b]{stats.readings_stored / elapsed:,.0f}[/b] readings/s",
        f"[b]{stats.readings_stored:,}[/b] stored",
        f"{stats.dead_letters} dead letters",
        f"simulated clock {_local(sim_now):%a %H:%M}" if sim_now else "simulator starting",
    )
    homes = Table(title="Households (live state from the store)", expand=True)
    for column in ("household", "last activity", "where", "last reading"):
        homes.add_column(column)
    rows = conn.execute(
        """SELECT h.id, s.last_activity_at, d.room, s.last_reading_at
           FROM households h
           LEFT JOIN household_state s ON s.household_id = h.id
           LEFT JOIN devices d ON d.household_id = h.id AND d.id = s.last_activity_device
           WHERE h.id LIKE 'demo-%' ORDER BY h.id"""
    ).fetchall()
    for household, activity_at, room, reading_at in rows:
        homes.add_row(
            household,
            f"{_local(activity_at):%a %H:%M}" if activity_at else "-",
            room or "-",
            f"{_local(reading_at):%a %H:%M:%S}" if reading_at else "-",
        )
    findings = Table(title="Open findings (detection, explained)", expand=True)
    for column in ("household", "severity", "kind", "what was found"):
        findings.add_column(column, overflow="fold")
    for household, kind, severity, _, message in store.open_findings(conn)[:8]:
        findings.add_row(household, severity, kind, message)
    return Group(header, homes, findings)


def _local(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(zoneinfo.ZoneInfo(DEMO_TIMEZONE))
