"""The platform end to end, as it runs in production: `telecare ingest`, `telecare detect`,
`telecare alerts` and `telecare serve` as separate processes on one Mosquitto and one
PostgreSQL, HOMES registered homes with the standard kit (12 devices) and a family contact
each, the duty team's Apprise channel (`json://`) a real webhook receiver on loopback.

Each run, on a fresh copy of the registered database and a fresh broker: ingest takes a burst
of one reading from every sensor of every home (within the last 50 minutes, as if every hub
had just reported); then detection (which fits baselines at start and runs a watchdog pass a
minute), alerts and the web start, and background readings flow at the mean rate of a
10,000-home service (about 69 a second) to the end. Then:

- e2e_urgent_latency_during_refit: one pendant press published REFIT_PRESS_AFTER_S after
  detection starts, while it fits baselines: detection reads no readings meanwhile.
- e2e_urgent_latency_p50/p99: PRESSES pendant presses, each in another home, PRESS_EVERY_S
  apart, published at QoS 1 on the native contract; latency is the arrival of the first
  message about that home at the duty team's receiver minus the moment of publishing. Once it
  has arrived the press is cancelled (the person's "I'm fine"). Every home has a check-in
  window (CHECKIN_WINDOW), which an urgent alert must not wait for: the run fails if any of
  these alerts was held for a check-in.
- e2e_urgent_missed: presses that never reached the duty team (within MISSED_AFTER_S; what
  became of each is printed to stderr).
- memory_<service>_10k_homes: each process's peak resident memory (VmHWM, MiB) at the end of
  the run: after the burst, the refit, at least two watchdog passes, the presses, and for the
  web a read of the alert queue through the API every second.
- memory_detect_refit_28_days: the homes above have under an hour of history, so their refit
  is light. This is what 28 days of history add to detection's peak at its refit, measured
  with REFIT_HOMES simulated homes. The refit and the routine pass hold one home's history at
  a time, so this does not grow with the number of homes (only the fitted results do, a few
  kilobytes each).

Latencies are the median over RUNS runs of each run's figure; memory the median of the runs.
Registering 10,000 homes takes about a minute (`store.import_registry`), so it is done once,
into a template database that each run copies.
Set TELECARE_BENCH_DATABASE_URL to use another PostgreSQL server (default: the local one).
"""

import contextlib
import datetime as dt
import http.client
import json
import os
import pathlib
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator

import numpy as np
import psycopg
from psycopg import sql

import store
from devices import ContactEntry, Reading, RegistryFile, SensorKind
from simulator import Scenario, simulate_population
from simulator._home import KIT, kit_registry
from store import ReadingWriter
from telecare.mqtt import new_client, parse_mqtt_url
from tests.receivers import HttpReceiver, http_receiver
from tests.services import (
    bench_server_url,
    free_port,
    fresh_database,
    publish,
    start_ingest,
    start_mosquitto,
    wait_for_port,
    wait_until,
)
from web._accounts import Role, add_user, issue_api_token

RUNS = 3
HOMES = 10_000
PRESSES = 40
PRESS_EVERY_S = 1.0
# A 10,000-home service's mean rate: about 600 readings per home per day (bench/faults.py).
BACKGROUND_PER_S = HOMES * 600 / 86_400
CHECKIN_WINDOW = dt.timedelta(minutes=2)
BURST_SPAN = dt.timedelta(minutes=50)  # within detection's hour for live readings (LATE)
MISSED_AFTER_S = 10.0  # a press not at the duty team by then is counted as missed
STEADY_S = 20  # at least this long after detection's refit at start before reading memory
REFIT_PRESS_AFTER_S = 5.0  # after detection starts, so during its refit
REFIT_TIMEOUT_S = 240.0
REFIT_HOMES = 100
REFIT_DAYS = 28
SERVICES = ("ingest", "detect", "alerts", "serve")
TIMEZONE = "Europe/London"


def run() -> Iterator[str]:
    server = bench_server_url()
    p50s, p99s, misses, refit_waits = [], [], [], []
    memory: dict[str, list[float]] = {name: [] for name in SERVICES}
    homes = [f"e2e-{n:05d}" for n in range(HOMES)]
    with http_receiver() as receiver, _template(server, homes, receiver) as (template, token):
        for n in range(RUNS):
            pressed = homes[n * PRESSES * 7 :: 7][:PRESSES]  # spread over the population
            during_refit = homes[n * PRESSES * 7 + 3]
            latencies, during, missed, peaks = _one_run(
                server, template, token, homes, pressed, during_refit, receiver
            )
            misses.append(len(missed))
            refit_waits.extend(during)
            p50s.append(float(np.percentile(latencies, 50)))
            p99s.append(float(np.percentile(latencies, 99)))
            for name, peak in peaks.items():
                memory[name].append(peak)
            print(
                f"# e2e run {n + 1}: p50 {p50s[-1] * 1000:.0f} ms, p99 {p99s[-1] * 1000:.0f} ms, max "
                f"{max(latencies) * 1000:.0f} ms; peak MiB "
                + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()),
                file=sys.stderr,
            )
    if refit_waits:
        yield f"e2e_urgent_latency_during_refit {statistics.median(refit_waits):.1f} s"
    yield f"e2e_urgent_missed {sum(misses)} of {RUNS * PRESSES} presses"
    yield f"e2e_urgent_latency_p50 {statistics.median(p50s) * 1000:.0f} ms"
    yield f"e2e_urgent_latency_p99 {statistics.median(p99s) * 1000:.0f} ms"
    for name in SERVICES:
        yield f"memory_{name}_{HOMES // 1000}k_homes {statistics.median(memory[name]):.0f} MB"
    yield f"memory_detect_refit_28_days {_refit_memory(server):.0f} MB ({REFIT_HOMES} homes)"


@contextlib.contextmanager
def _template(server: str, homes: list[str], receiver: HttpReceiver) -> Iterator[tuple[str, str]]:
    """A migrated database holding the homes (each with a family contact on the receiver and a
    check-in window) and a supervisor with an API token; dropped on exit."""
    name = f"bench_e2e_template_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = psycopg.conninfo.make_conninfo(server, dbname=name)
        kit = kit_registry(homes, TIMEZONE)
        family = (ContactEntry(name="Family", channels=(receiver.url("family"),)),)
        registry = RegistryFile(
            households=tuple(
                h.model_copy(update={"checkin_window": CHECKIN_WINDOW, "contacts": family})
                for h in kit.households
            ),
            devices=kit.devices,
        )
        began = time.monotonic()
        with store.connect(url) as conn:
            store.migrate(conn)
            store.import_registry(conn, registry)
            add_user(
                conn, username="bench", display_name="Bench", role=Role.SUPERVISOR, password="bench-" * 4
            )
            token = issue_api_token(conn, "bench", name="bench", now=dt.datetime.now(dt.UTC), lifetime=None)
        print(f"# e2e: {len(homes)} homes registered in {time.monotonic() - began:.0f} s", file=sys.stderr)
        yield name, token
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def _copy_of(server: str, template: str) -> Iterator[str]:
    name = f"bench_e2e_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    try:
        yield psycopg.conninfo.make_conninfo(server, dbname=name)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _one_run(
    server: str,
    template: str,
    token: str,
    homes: list[str],
    pressed: list[str],
    during_refit: str,
    receiver: HttpReceiver,
) -> tuple[list[float], list[float], list[str], dict[str, float]]:
    with (
        _copy_of(server, template) as database_url,
        tempfile.TemporaryDirectory() as workdir,
        start_mosquitto(pathlib.Path(workdir)) as broker,
    ):
        work = pathlib.Path(workdir)
        web_port = free_port()
        settings = {
            "TELECARE_DATA_DIR": str(work / "data"),
            "TELECARE_DUTY_TEAM_CHANNELS": json.dumps([receiver.url("duty")]),
            "TELECARE_WEB_PORT": str(web_port),
        }
        logs = {name: work / f"{name}.log" for name in SERVICES}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        stop = threading.Event()
        background = threading.Thread(target=_background, args=(broker.url, homes, stop), name="background")
        try:
            processes["ingest"] = start_ingest(
                database_url=database_url,
                mqtt_url=broker.url,
                client_id="bench-e2e-ingest",
                log=logs["ingest"],
                settings=settings,
            )
            wait_until(
                lambda: "subscribed" in logs["ingest"].read_text(), timeout=30, what="ingest subscribed"
            )
            _burst(database_url, broker.url, homes)
            for name in ("detect", "alerts", "serve"):
                processes[name] = _start(name, database_url, broker.url, settings, logs[name])
            started = time.monotonic()
            background.start()
            # A press while detection fits its baselines (at start, and then once a day).
            time.sleep(REFIT_PRESS_AFTER_S)
            refitting = "baselines refitted" not in logs["detect"].read_text()
            during, missed = _presses(broker.url, [during_refit], receiver, timeout=REFIT_TIMEOUT_S)
            wait_until(
                lambda: _running(processes) and "baselines refitted" in logs["detect"].read_text(),
                timeout=REFIT_TIMEOUT_S,
                what="detection's refit at start",
            )
            refitted = time.monotonic()
            print(f"# e2e: detection's refit at start took {refitted - started:.0f} s", file=sys.stderr)
            wait_for_port(web_port, timeout=30)
            latencies, missed_later = _presses(broker.url, pressed, receiver, timeout=MISSED_AFTER_S)
            missed += missed_later
            if missed:
                _explain_missed(database_url, missed)
            # Memory is read after a steady while and at least two watchdog passes (the first
            # in detection's first pass, with the refit, the next a minute after that pass began).
            _web_reads(web_port, token, until=max(refitted + STEADY_S, started + 65))
            pressed = [home for home in pressed if home not in missed]
            _check_no_waiting(database_url, pressed)
            _running(processes)
            peaks = {name: _peak_mib(process.pid) for name, process in processes.items()}
        except BaseException:
            for name, log in logs.items():
                if log.exists():
                    tail = "\n# ".join(log.read_text(errors="replace").splitlines()[-15:])
                    print(f"# telecare {name}'s log ends:\n# {tail}", file=sys.stderr)
            raise
        finally:
            stop.set()
            if background.is_alive():
                background.join(10)
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(30)
    return latencies, during if refitting else [], missed, peaks


def _refit_memory(server: str) -> float:
    """What 28 days of history add to detection's peak memory at its refit, in MiB:
    `telecare detect` started on REFIT_HOMES simulated homes with their last 28 days stored,
    and on the same homes with none, each measured once its refit at start is done."""
    first_day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=REFIT_DAYS)
    scenario = simulate_population(households=REFIT_HOMES, days=REFIT_DAYS, seed=7, first_day=first_day)
    without, with_history = (_peak_after_refit(server, scenario, history=h) for h in (False, True))
    print(
        f"# e2e refit: detect's peak {without:.0f} MiB with no history, {with_history:.0f} MiB with "
        f"{len(scenario.readings)} readings ({REFIT_HOMES} homes x {REFIT_DAYS} days)",
        file=sys.stderr,
    )
    return with_history - without


def _peak_after_refit(server: str, scenario: Scenario, *, history: bool) -> float:
    with fresh_database(server, "bench_e2e_refit") as database_url, tempfile.TemporaryDirectory() as workdir:
        with store.connect(database_url) as conn:
            store.import_registry(conn, scenario.registry)
            if history:
                _store_history(conn, scenario)
        log = pathlib.Path(workdir) / "detect.log"
        detect = _start("detect", database_url, "mqtt://127.0.0.1:1", {"TELECARE_DATA_DIR": workdir}, log)
        try:
            wait_until(
                lambda: _running({"detect": detect}) and "baselines refitted" in log.read_text(),
                timeout=REFIT_TIMEOUT_S,
                what="detection's refit",
            )
            return _peak_mib(detect.pid)
        finally:
            detect.terminate()
            detect.wait(30)


def _store_history(conn: psycopg.Connection[psycopg.rows.TupleRow], scenario: Scenario) -> None:
    writer, batch = ReadingWriter(conn), []
    for ts, household, device, sensor, value in scenario.readings.rows():
        batch.append(
            Reading(household=household, device=device, sensor=sensor, value=value, ts=ts, received_at=ts)
        )
        if len(batch) == 50_000:
            writer.write(batch)
            batch = []
    writer.write(batch)


def _running(processes: dict[str, subprocess.Popen[bytes]]) -> bool:
    for name, process in processes.items():
        if process.poll() is not None:
            raise AssertionError(f"telecare {name} exited with {process.returncode}")
    return True


def _start(
    command: str, database_url: str, mqtt_url: str, settings: dict[str, str], log: pathlib.Path
) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url, TELECARE_MQTT_URL=mqtt_url, **settings)
    with log.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "telecare", command], env=env, stdout=log_file, stderr=log_file
        )


def _payload(ts: dt.datetime, value: float, battery: int | None = None) -> bytes:
    body: dict[str, object] = {"ts": ts.isoformat(), "value": value}
    if battery is not None:
        body["battery"] = battery
    return json.dumps(body).encode()


_QUIET = {
    SensorKind.MOTION: 0.0,
    SensorKind.CONTACT: 0.0,
    SensorKind.OCCUPANCY: 0.0,
    SensorKind.POWER: 0.0,
    SensorKind.TEMPERATURE: 19.5,
}


def _burst(database_url: str, mqtt_url: str, homes: list[str]) -> None:
    """One reading from every sensor of every home but the pendant, each within the last
    BURST_SPAN (batteries with them), all published at once; waits until all are stored."""
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    messages, expected = [], 0
    for home in homes:
        for device in KIT:
            if SensorKind.ALARM in device.sensors:
                continue
            for sensor in device.sensors:
                battery = 90 if device.drain_per_day is not None else None
                ts = now - BURST_SPAN * rng.random()
                value = 1.0 if sensor is SensorKind.MOTION else _QUIET[sensor]
                messages.append((f"telecare/v1/{home}/{device.id}/{sensor}", _payload(ts, value, battery)))
                expected += 1 if battery is None else 2
    began = time.monotonic()
    publish(mqtt_url, messages)
    with store.connect(database_url) as conn:

        def stored() -> bool:
            row = conn.execute("SELECT count(*) FROM readings").fetchone()
            conn.commit()
            return row is not None and row[0] >= expected

        wait_until(stored, timeout=180, what=f"the burst of {expected} readings stored")
    print(
        f"# e2e burst: {len(messages)} messages ({expected} readings) stored in "
        f"{time.monotonic() - began:.1f} s",
        file=sys.stderr,
    )


def _background(mqtt_url: str, homes: list[str], stop: threading.Event) -> None:
    """Movement in random homes at BACKGROUND_PER_S until `stop`."""
    address = parse_mqtt_url(mqtt_url)
    client = new_client(address)
    client.connect(address.host, address.port)
    client.loop_start()
    rng = random.Random(11)
    rooms = [d.id for d in KIT if SensorKind.MOTION in d.sensors]
    try:
        started, n = time.monotonic(), 0
        while not stop.is_set():
            delay = started + n / BACKGROUND_PER_S - time.monotonic()
            if delay > 0:
                stop.wait(delay)
            topic = f"telecare/v1/{rng.choice(homes)}/{rng.choice(rooms)}/motion"
            client.publish(topic, _payload(dt.datetime.now(dt.UTC), float(n % 2)), qos=1)
            n += 1
    finally:
        client.disconnect()
        client.loop_stop()


def _presses(
    mqtt_url: str, pressed: list[str], receiver: HttpReceiver, *, timeout: float
) -> tuple[list[float], list[str]]:
    """Press each home's pendant in turn, PRESS_EVERY_S apart: the latency of each press that
    reached the duty team within `timeout`, and the homes whose press did not."""
    address = parse_mqtt_url(mqtt_url)
    client = new_client(address)
    client.connect(address.host, address.port)
    client.loop_start()
    latencies, missed = [], []
    try:
        started = time.monotonic()
        for n, home in enumerate(pressed):
            delay = started + n * PRESS_EVERY_S - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            topic = f"telecare/v1/{home}/pendant/alarm"
            published = time.time()
            client.publish(topic, _payload(dt.datetime.now(dt.UTC), 1, 80), qos=1).wait_for_publish(10)
            arrived = _first_arrival(receiver, home, after=published, timeout=timeout)
            if arrived is None:
                missed.append(home)
                continue
            latencies.append(arrived - published)
            client.publish(topic, _payload(dt.datetime.now(dt.UTC), 0, 80), qos=1).wait_for_publish(10)
    finally:
        client.disconnect()
        client.loop_stop()
    return latencies, missed


def _first_arrival(receiver: HttpReceiver, home: str, *, after: float, timeout: float) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # The duty team's title ends with the household: "URGENT: Pendant pressed (e2e-00042)".
        arrivals = [
            m.at
            for m in receiver.inbox.received
            if m.recipient == "duty" and m.at >= after and m.title.endswith(f"({home})")
        ]
        if arrivals:
            return min(arrivals)
        time.sleep(0.005)
    return None


def _web_reads(port: int, token: str, *, until: float) -> None:
    """Read the alert queue through the API every second, as a wallboard would, until `until`
    (time.monotonic())."""
    while True:
        web = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            web.request("GET", "/api/alerts", headers={"Authorization": f"Bearer {token}"})
            response = web.getresponse()
            assert response.status == 200, response.status
            json.loads(response.read())
        finally:
            web.close()
        if time.monotonic() >= until:
            return
        time.sleep(1)


def _explain_missed(database_url: str, missed: list[str]) -> None:
    """What became of each press that never reached the duty team."""
    with psycopg.connect(database_url) as conn:
        for home in missed:
            readings = conn.execute(
                """SELECT ts, received_at, value FROM readings
                   WHERE household_id = %s AND sensor = 'alarm' ORDER BY ts""",
                (home,),
            ).fetchall()
            findings = conn.execute(
                "SELECT kind, detected_at FROM findings WHERE household_id = %s", (home,)
            ).fetchall()
            print(f"# e2e missed press in {home}: readings {readings}; findings {findings}", file=sys.stderr)


def _check_no_waiting(database_url: str, pressed: list[str]) -> None:
    """An urgent alert goes out at once, whatever the home's check-in window: none of the
    presses' alerts was ever held for a check-in (`checkin_until` is set only then)."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """SELECT household_id, state, checkin_until FROM alerts
               WHERE household_id = ANY(%s) AND kind = 'alarm_pressed'""",
            (pressed,),
        ).fetchall()
    held = [row for row in rows if row[2] is not None or row[1] == "checking"]
    if len(rows) != len(pressed) or held:
        raise AssertionError(
            f"{len(rows)} pendant alerts for {len(pressed)} presses; held for a check-in: {held}"
        )


def _peak_mib(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for process {pid}")


if __name__ == "__main__":
    for figure in run():
        print(figure, flush=True)
