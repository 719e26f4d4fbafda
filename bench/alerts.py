"""Alerts end to end on real PostgreSQL and a real webhook receiver on loopback.

- alerts_latency_p50/p99: the alerts service runs as in production (router and timer on one
  thread, dispatcher on another, real clock). Findings are committed one at a time, a steady
  STEADY_RATE a second for STEADY_SECONDS, each a new urgent condition whose alert goes to the
  duty team's webhook; latency is the message's arrival at the receiver minus the finding's
  commit.
- alerts_routing_throughput: BURST findings (BURST_HOMES homes, each with a family contact)
  queued while the router is stopped, then routed: alerts opened and audited, and their
  messages (duty team and family) written to the outbox. Alerts per second.
- alerts_delivery_throughput: those messages sent from the outbox to the webhook receiver.

Each figure is the median of RUNS runs, each on a fresh database.
Set TELECARE_BENCH_DATABASE_URL to use another PostgreSQL server (default: the local one).
"""

import datetime as dt
import statistics
import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import psycopg

import store
from alerts import AlertConfig, AlertService, Dispatcher, TeamChannels, route_findings
from devices import ContactEntry, HouseholdEntry, RegistryFile
from tests.receivers import HttpReceiver, http_receiver
from tests.services import bench_server_url, fresh_database, wait_until

RUNS = 3
STEADY_RATE = 20
STEADY_SECONDS = 10
BURST = 2000
BURST_HOMES = 200


def run() -> Iterator[str]:
    server = bench_server_url()
    p50s, p99s, routing, delivery = [], [], [], []
    for _ in range(RUNS):
        with fresh_database(server, "bench_alerts") as database_url, http_receiver() as receiver:
            latencies = _steady_latencies(database_url, receiver)
            p50s.append(float(np.percentile(latencies, 50)))
            p99s.append(float(np.percentile(latencies, 99)))
        with fresh_database(server, "bench_alerts") as database_url, http_receiver() as receiver:
            routed, delivered = _burst(database_url, receiver)
            routing.append(routed)
            delivery.append(delivered)
    yield f"alerts_latency_p50 {statistics.median(p50s) * 1000:.0f} ms"
    yield f"alerts_latency_p99 {statistics.median(p99s) * 1000:.0f} ms"
    yield f"alerts_routing_throughput {statistics.median(routing):.0f} alerts/s"
    yield f"alerts_delivery_throughput {statistics.median(delivery):.0f} messages/s"
    print(f"# alerts_routing_throughput runs: {', '.join(f'{r:.0f}' for r in routing)}", file=sys.stderr)


def _register(database_url: str, homes: int, receiver: HttpReceiver) -> list[str]:
    ids = [f"bench-{n:04d}" for n in range(homes)]
    family = (ContactEntry(name="Family", channels=(receiver.url("family"),)),)
    entries = tuple(HouseholdEntry(id=home, timezone="Europe/London", contacts=family) for home in ids)
    with store.connect(database_url) as conn:
        store.import_registry(conn, RegistryFile(households=entries))
    return ids


def _insert_finding(conn: psycopg.Connection[psycopg.rows.TupleRow], household: str, n: int) -> None:
    """A new episode of an urgent condition, as detection's reconcile writes it."""
    now = dt.datetime.now(dt.UTC)
    conn.execute(
        """INSERT INTO findings (household_id, condition_key, kind, severity, onset, detected_at, updated_at,
                                 message)
           VALUES (%s, %s, 'alarm_pressed', 'urgent', %s, %s, %s, %s)""",
        (household, f"alarm_pressed:bench-{n}", now, now, now, f"finding {n}"),
    )
    conn.commit()


def _steady_latencies(database_url: str, receiver: HttpReceiver) -> list[float]:
    [home] = _register(database_url, 1, receiver)
    config = AlertConfig(teams=TeamChannels(duty_team=(receiver.url("duty"),)))
    stop = threading.Event()
    service = threading.Thread(
        target=AlertService(database_url=database_url, config=config).run, args=(stop,), name="alerts"
    )
    service.start()
    committed: dict[int, float] = {}
    expected = STEADY_RATE * STEADY_SECONDS
    try:
        with store.connect(database_url) as conn:
            started = time.monotonic()
            for n in range(expected):
                delay = started + n / STEADY_RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                _insert_finding(conn, home, n)
                committed[n] = time.time()
        wait_until(
            lambda: len(receiver.inbox.to("duty")) >= expected, timeout=60, what="every alert delivered"
        )
    finally:
        stop.set()
        service.join(30)
    # The duty team's message quotes the finding: "... household bench-0000. finding 17 Alert ..."
    return [m.at - committed[int(m.body.split("finding ")[1].split()[0])] for m in receiver.inbox.to("duty")]


def _burst(database_url: str, receiver: HttpReceiver) -> tuple[float, float]:
    homes = _register(database_url, BURST_HOMES, receiver)
    config = AlertConfig(teams=TeamChannels(duty_team=(receiver.url("duty"),)))
    with store.connect(database_url) as conn:
        for n in range(BURST):
            _insert_finding(conn, homes[n % BURST_HOMES], n)
        began = time.monotonic()
        now = dt.datetime.now(dt.UTC)
        while route_findings(conn, config, now):
            pass
        routing = BURST / (time.monotonic() - began)
        messages = conn.execute("SELECT count(*) FROM notifications").fetchone()
        conn.commit()
        assert messages == (2 * BURST,)
        dispatcher = Dispatcher(config=config)
        began = time.monotonic()
        while dispatcher.dispatch_due(conn, dt.datetime.now(dt.UTC)).claimed:
            pass
        delivery = 2 * BURST / (time.monotonic() - began)
    assert len(receiver.inbox.received) == 2 * BURST
    return routing, delivery
