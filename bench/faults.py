"""Faults at full length, against real processes (a test-owned Mosquitto with persistence,
`telecare ingest`, PostgreSQL behind a TCP proxy, a webhook receiver), with their figures:

- killed: ingest SIGKILLed a third of the way through a 100,000-reading stream, restarted.
- db_outage: PostgreSQL unreachable for 60 s under a steady 1,000 readings/s.
- broker_restart: the broker restarted with 10,000 readings queued for ingest, then again
  under a running ingest.
- receiver_down: every notification receiver down for 10 minutes under 20 urgent alerts
  (escalations run meanwhile); each message must arrive exactly once after.
- restarts: detection and alerts killed 10 times at random moments of a simulated night;
  the alerts, escalations and messages must equal those of an undisturbed night.
- backlog: 20 hubs back after a day offline replay it at ten times the normal rate of a
  10,000-home service, while ingest and detection run.

One run each (they are long and their figures are counts, not timings to average).
"""

import collections
import contextlib
import pathlib
import tempfile
from collections.abc import Iterator

import psycopg

from tests.fault_scenarios import (
    broker_restarted,
    database_unreachable,
    hub_backlog,
    ingest_killed_mid_stream,
)
from tests.fault_scenarios_alerts import prepare_night, receiver_down, run_night
from tests.receivers import http_receiver
from tests.services import MosquittoProcess, bench_server_url, fresh_database, start_mosquitto

SERVICE_HOMES = 10_000
BURST = 10
BACKLOG_HUBS = 20
# A simulated home sends about 600 readings a day (the standard kit, bench/simulator.py).
READINGS_PER_HOME_DAY = 600


def run() -> Iterator[str]:
    server = bench_server_url()
    with _stack(server) as (database_url, broker, workdir):
        yield from ingest_killed_mid_stream(database_url, broker, workdir, readings=100_000).lines("killed")
    with _stack(server) as (database_url, broker, workdir):
        figures = database_unreachable(database_url, broker, workdir, outage_s=60, rate_per_s=1000)
        yield from figures.lines("db_outage")
    with _stack(server) as (database_url, broker, workdir):
        yield from broker_restarted(database_url, broker, workdir, readings=20_000).lines("broker_restart")
    with fresh_database(server, "bench_faults") as database_url:
        delivery = receiver_down(database_url, outage_s=600, households=20, escalate=True)
        yield from delivery.lines("receiver_down")
    yield from _restarts(server)
    normal = SERVICE_HOMES * READINGS_PER_HOME_DAY / 86_400
    with _stack(server) as (database_url, broker, workdir):
        backlog = hub_backlog(database_url, broker, workdir, hubs=BACKLOG_HUBS, rate_per_s=BURST * normal)
    yield from backlog.stream.lines("backlog")
    yield f"faults_backlog_stale_findings {backlog.stale_findings}"
    yield f"faults_backlog_live_alarm_found {int(backlog.live_alarm_found)}"


def _restarts(server: str) -> Iterator[str]:
    homes = [f"h-night-{n}" for n in range(12)]
    outcomes = []
    for kills in (0, 10):
        with http_receiver() as receiver, fresh_database(server, "bench_night") as database_url:
            prepare_night(database_url, receiver, homes)
            landed = run_night(database_url, receiver, kills=kills, seed=2026)
            with psycopg.connect(database_url) as conn:
                alerts = conn.execute(
                    "SELECT household_id, kind, state, escalation_level FROM alerts ORDER BY 1, 2"
                ).fetchall()
            shown = collections.Counter((m.recipient, m.title) for m in receiver.inbox.delivered)
            outcomes.append((landed, alerts, shown, len(receiver.inbox.received)))
    (_, alerts, shown, _), (landed, alerts_k, shown_k, received_k) = outcomes
    yield f"faults_restarts_kills {landed}"
    yield f"faults_restarts_alerts {len(alerts_k)} (undisturbed {len(alerts)})"
    yield f"faults_restarts_alerts_differing {len(set(alerts) ^ set(alerts_k))}"
    yield f"faults_restarts_messages_shown {shown_k.total()} (undisturbed {shown.total()})"
    yield f"faults_restarts_messages_differing {((shown - shown_k) + (shown_k - shown)).total()}"
    # Sent again after a kill between sending and recording, under the same key: shown once.
    yield f"faults_restarts_messages_resent_same_key {received_k - shown_k.total()}"


@contextlib.contextmanager
def _stack(server: str) -> Iterator[tuple[str, MosquittoProcess, pathlib.Path]]:
    """A fresh database and a Mosquitto of our own (persistence on), with a work folder."""
    with (
        fresh_database(server, "bench_faults") as database_url,
        tempfile.TemporaryDirectory() as workdir,
        start_mosquitto(pathlib.Path(workdir)) as broker,
    ):
        yield database_url, broker, pathlib.Path(workdir)
