"""End-to-end ingest: readings published from separate processes through Mosquitto into
PostgreSQL, with acknowledgement after commit.

- ingest_throughput: 100,000 readings published as fast as `mosquitto_pub` (C) can, from ten
  processes (one per device topic); readings/s from the first publish to the last commit.
- ingest_throughput_2_workers: the same with two ingest processes sharing the stream through
  an MQTT 5 shared subscription (`TELECARE_INGEST_SHARE_GROUP`), on the same machine.
- readings_bytes_per_row: the readings table's size on disk (heap, indexes, TOAST, all
  partitions) divided by its rows, after a throughput run; the base of the storage figure in
  the README's capacity table.
- ingest_latency_p50/p99: a steady 2,000 readings/s for 15 s from a Python publisher that
  stamps each reading with its publish time; latency is the moment the bench is notified of
  the commit (LISTEN/NOTIFY, delivered at commit) minus that time.

Each figure is the median of RUNS runs, each on a fresh database, broker and ingest process.
Set TELECARE_BENCH_DATABASE_URL to use another PostgreSQL server (default: the local one).
"""

import contextlib
import datetime as dt
import json
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import numpy as np
import psycopg
from psycopg import sql

import store
from devices import parse_registry_csv
from tests.services import bench_server_url, fresh_database, start_ingest, start_mosquitto, wait_until

RUNS = 3
THROUGHPUT_READINGS = 100_000
DEVICES = 10
STEADY_RATE = 2000
STEADY_SECONDS = 15
HOUSEHOLD = "bench-home"


def run() -> Iterator[str]:
    server = bench_server_url()
    throughputs, two_workers, row_bytes, p50s, p99s = [], [], [], [], []
    for _ in range(RUNS):
        with _stack(server) as (database_url, broker_url):
            throughputs.append(_throughput(database_url, broker_url))
            row_bytes.append(_bytes_per_reading(database_url))
        with _stack(server, workers=2) as (database_url, broker_url):
            two_workers.append(_throughput(database_url, broker_url))
        with _stack(server) as (database_url, broker_url):
            latencies = _steady_latencies(database_url, broker_url)
            p50s.append(float(np.percentile(latencies, 50)))
            p99s.append(float(np.percentile(latencies, 99)))
    yield f"ingest_throughput {statistics.median(throughputs):.0f} readings/s"
    yield f"ingest_throughput_2_workers {statistics.median(two_workers):.0f} readings/s"
    yield f"readings_bytes_per_row {statistics.median(row_bytes):.0f} bytes"
    yield f"ingest_latency_p50 {statistics.median(p50s) * 1000:.0f} ms"
    yield f"ingest_latency_p99 {statistics.median(p99s) * 1000:.0f} ms"
    for name, runs in (("ingest_throughput", throughputs), ("ingest_throughput_2_workers", two_workers)):
        print(f"# {name} runs: {', '.join(f'{t:.0f}' for t in runs)}", file=sys.stderr)


@contextlib.contextmanager
def _stack(server: str, *, workers: int = 1) -> Iterator[tuple[str, str]]:
    """A fresh database and Mosquitto, with `workers` `telecare ingest` processes running
    against them (sharing one subscription when more than one)."""
    with fresh_database(server, "bench_ingest") as database_url:
        with store.connect(database_url) as conn:
            rows = ["household,device,sensor,role,room,timezone"] + [
                f"{HOUSEHOLD},pir-{n},motion,lounge_motion,lounge,Europe/London" for n in range(DEVICES)
            ]
            store.import_registry(conn, parse_registry_csv("\n".join(rows) + "\n"))
        with tempfile.TemporaryDirectory() as workdir, start_mosquitto(pathlib.Path(workdir)) as broker:
            logs = [pathlib.Path(workdir) / f"ingest-{n}.log" for n in range(workers)]
            shared = {"TELECARE_INGEST_SHARE_GROUP": "bench"} if workers > 1 else {}
            processes = [
                start_ingest(
                    database_url=database_url,
                    mqtt_url=broker.url,
                    client_id=f"bench-ingest-{n}",
                    log=log,
                    settings=shared,
                )
                for n, log in enumerate(logs)
            ]
            try:
                wait_until(
                    lambda: all("subscribed" in log.read_text() for log in logs),
                    timeout=30,
                    what="ingest subscribed",
                )
                yield database_url, broker.url
            finally:
                for ingest in processes:
                    ingest.terminate()
                    ingest.wait(30)


def _throughput(database_url: str, broker_url: str) -> float:
    port = broker_url.rsplit(":", 1)[1]
    per_device = THROUGHPUT_READINGS // DEVICES
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with tempfile.TemporaryDirectory() as workdir, _listening(database_url) as listener:
        files = []
        for n in range(DEVICES):
            path = pathlib.Path(workdir) / f"pir-{n}.jsonl"
            path.write_text(
                "".join(
                    json.dumps({"ts": (start + dt.timedelta(milliseconds=i)).isoformat(), "value": i % 2})
                    + "\n"
                    for i in range(per_device)
                )
            )
            files.append(path)
        began = time.monotonic()
        publishers = [
            subprocess.Popen(
                [
                    "mosquitto_pub",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    port,
                    "-q",
                    "1",
                    "-l",
                    "-t",
                    f"telecare/v1/{HOUSEHOLD}/pir-{n}/motion",
                ],
                stdin=path.open("rb"),
            )
            for n, path in enumerate(files)
        ]
        committed, last_commit = 0, began
        while committed < per_device * DEVICES:
            for note in _notifications(listener, timeout=60):
                committed += json.loads(note)["readings"]
                last_commit = time.monotonic()
        for publisher in publishers:
            publisher.wait(60)
    return committed / (last_commit - began)


def _steady_latencies(database_url: str, broker_url: str) -> list[float]:
    with _listening(database_url) as listener, store.connect(database_url) as conn:
        publisher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.steady_publisher",
                broker_url,
                HOUSEHOLD,
                str(DEVICES),
                str(STEADY_RATE),
                str(STEADY_SECONDS),
            ]
        )
        latencies: list[float] = []
        through = dt.datetime.min.replace(tzinfo=dt.UTC)
        expected = STEADY_RATE * STEADY_SECONDS
        while len(latencies) < expected:
            for note in _notifications(listener, timeout=60):
                noticed = dt.datetime.now(dt.UTC)
                newest = dt.datetime.fromisoformat(json.loads(note)["received_through"])
                published = conn.execute(
                    "SELECT ts FROM readings WHERE received_at > %s AND received_at <= %s", (through, newest)
                ).fetchall()
                conn.commit()
                latencies.extend((noticed - ts).total_seconds() for (ts,) in published)
                through = max(through, newest)
        publisher.wait(60)
    return latencies


def _bytes_per_reading(database_url: str) -> float:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE readings")
        row = conn.execute(
            """SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('readings')),
                      (SELECT count(*) FROM readings)"""
        ).fetchone()
    assert row is not None
    size, rows = row
    return float(size) / int(rows)


@contextlib.contextmanager
def _listening(database_url: str) -> Iterator[psycopg.Connection[psycopg.rows.TupleRow]]:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(store.READINGS_CHANNEL)))
        yield conn


def _notifications(conn: psycopg.Connection[psycopg.rows.TupleRow], *, timeout: float) -> list[str]:
    """Wait for the next commit notice, then take any others already waiting."""
    notices = [n.payload for n in conn.notifies(timeout=timeout, stop_after=1)]
    if not notices:
        raise TimeoutError(f"no commit notified for {timeout} s: is ingest running?")
    return notices + [n.payload for n in conn.notifies(timeout=0.001)]
