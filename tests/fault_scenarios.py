"""Faults played against the real processes: ingest killed, the database unreachable, the
broker restarted. Each scenario returns its figures; the tests assert on them with short
outages, `python -m bench faults` prints them with the full-length ones."""

import dataclasses
import datetime as dt
import json
import pathlib
import subprocess
import threading
import time
import uuid

import psycopg

import store
from devices import RegistryFile
from simulator import SENSOR_KINDS
from tests.conftest import register_standard_home
from tests.readings import Expected, native_messages
from tests.services import MosquittoProcess, kill_hard, publish, start_ingest, wait_until
from tests.tcp_proxy import tcp_proxy


@dataclasses.dataclass(frozen=True, slots=True)
class StreamFigures:
    """What happened to a stream of readings that met a fault."""

    sent: int
    stored: int
    lost: int  # sent, never stored
    unexpected: int  # stored, never sent as such (a reading altered, or under the wrong key)
    duplicated: int  # rows stored more than once for one reading
    recovery_s: float  # from the fault's end until the last reading was stored
    detail: dict[str, float] = dataclasses.field(default_factory=dict)

    def lines(self, name: str) -> list[str]:
        figures = {
            "sent": self.sent,
            "stored": self.stored,
            "lost": self.lost,
            "duplicated": self.duplicated,
            "unexpected": self.unexpected,
            "recovery_s": round(self.recovery_s, 1),
            **{key: round(value, 1) for key, value in self.detail.items()},
        }
        return [f"faults_{name}_{key} {value}" for key, value in figures.items()]


def stored_count(database_url: str, household: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM readings WHERE household_id = %s", (household,)).fetchone()
    return int(row[0]) if row else 0


def stream_figures(
    database_url: str, household: str, expected: set[Expected], recovery_s: float, **detail: float
) -> StreamFigures:
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        rows = conn.execute(
            "SELECT device_id, sensor, ts, value FROM readings WHERE household_id = %s", (household,)
        ).fetchall()
    stored = {(d, s, ts, v) for d, s, ts, v in rows}
    return StreamFigures(
        sent=len(expected),
        stored=len(rows),
        lost=len(expected - stored),
        unexpected=len(stored - expected),
        duplicated=len(rows) - len(stored),
        recovery_s=recovery_s,
        detail=detail,
    )


def _stream(household: str, readings: int) -> tuple[list[tuple[str, bytes]], set[Expected]]:
    # Ten milliseconds apart from two hours ago: the newest is still in the past at 100,000.
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=2)
    return native_messages(household, readings, start=start)


class _Publisher(threading.Thread):
    """Publishes in the background; `join` raises what went wrong, so a test cannot miss it."""

    def __init__(self, url: str, messages: list[tuple[str, bytes]], pace_per_s: float | None) -> None:
        super().__init__(name="publisher")
        self._args = (url, messages, pace_per_s)
        self._failure: BaseException | None = None
        self.start()

    def run(self) -> None:
        url, messages, pace_per_s = self._args
        try:
            publish(url, messages, pace_per_s=pace_per_s)
        except BaseException as exc:  # handed to the test's thread by join()
            self._failure = exc

    def join(self, timeout: float | None = None) -> None:
        super().join(timeout)
        if self._failure is not None:
            raise RuntimeError("publishing failed") from self._failure


def _client_id() -> str:
    return f"fault-ingest-{uuid.uuid4().hex[:10]}"


def _wait_subscribed(log: pathlib.Path, times: int = 1) -> None:
    wait_until(
        lambda: log.read_text().count("subscribed topics=") >= times, timeout=60, what="ingest subscribed"
    )


def ingest_killed_mid_stream(
    database_url: str, broker: MosquittoProcess, workdir: pathlib.Path, *, readings: int
) -> StreamFigures:
    """SIGKILL ingest once a third of the stream is stored; restart it at once."""
    household = "h-kill-" + uuid.uuid4().hex[:8]
    register_standard_home(database_url, household)
    messages, expected = _stream(household, readings)
    client_id, log = _client_id(), workdir / "ingest-killed.log"
    ingest = start_ingest(database_url=database_url, mqtt_url=broker.url, client_id=client_id, log=log)
    try:
        _wait_subscribed(log)
        publisher = _Publisher(broker.url, messages, None)
        wait_until(
            lambda: stored_count(database_url, household) >= readings // 3, timeout=300, what="a third stored"
        )
        kill_hard(ingest)
        stored_at_kill = stored_count(database_url, household)
        restarted = time.monotonic()
        ingest = start_ingest(database_url=database_url, mqtt_url=broker.url, client_id=client_id, log=log)
        publisher.join()
        wait_until(lambda: stored_count(database_url, household) >= readings, timeout=600, what="all stored")
        recovery = time.monotonic() - restarted
        time.sleep(1)  # anything stored twice would show by now
    finally:
        kill_hard(ingest)
    return stream_figures(database_url, household, expected, recovery, stored_at_kill=stored_at_kill)


def database_unreachable(
    database_url: str,
    broker: MosquittoProcess,
    workdir: pathlib.Path,
    *,
    outage_s: float,
    rate_per_s: float,
    stop_ingest_during_outage: bool = False,
) -> StreamFigures:
    """A steady stream; PostgreSQL is cut off (a proxy between ingest and it drops every
    connection and refuses new ones) for `outage_s`, then comes back. Ingest's Receive Maximum
    is set far below what arrives meanwhile, so every reading not lost was kept by the broker.

    With `stop_ingest_during_outage`, ingest is stopped (SIGTERM) while it holds an unstored
    batch and started again once the database is back."""
    household = "h-dbcut-" + uuid.uuid4().hex[:8]
    register_standard_home(database_url, household)
    lead_s = 2.0
    messages, expected = _stream(household, int(rate_per_s * (lead_s * 2 + outage_s)))
    target = psycopg.conninfo.conninfo_to_dict(database_url)
    with tcp_proxy((str(target.get("host", "127.0.0.1")), int(str(target.get("port", 5432))))) as proxy:
        proxied = psycopg.conninfo.make_conninfo(database_url, host="127.0.0.1", port=proxy.port)
        client_id, log = _client_id(), workdir / "ingest-dbcut.log"
        settings = {"TELECARE_INGEST_RECEIVE_MAXIMUM": "200"}

        def start() -> "subprocess.Popen[bytes]":
            return start_ingest(
                database_url=proxied, mqtt_url=broker.url, client_id=client_id, log=log, settings=settings
            )

        ingest = start()
        try:
            _wait_subscribed(log)
            publisher = _Publisher(broker.url, messages, rate_per_s)
            wait_until(lambda: stored_count(database_url, household) > 0, timeout=60, what="first readings")
            proxy.cut()
            stored_at_cut = stored_count(database_url, household)
            if stop_ingest_during_outage:
                wait_until(
                    lambda: "database unavailable" in log.read_text(), timeout=30, what="ingest retrying"
                )
                ingest.terminate()
                ingest.wait(30)
            time.sleep(outage_s)
            stored_after_outage = stored_count(database_url, household)
            proxy.restore()
            restored = time.monotonic()
            if stop_ingest_during_outage:
                ingest = start()
            publisher.join()
            wait_until(
                lambda: stored_count(database_url, household) >= len(expected), timeout=300, what="all stored"
            )
            recovery = time.monotonic() - restored
            time.sleep(1)
        finally:
            kill_hard(ingest)
    return stream_figures(
        database_url,
        household,
        expected,
        recovery,
        stored_at_cut=stored_at_cut,
        stored_during_outage=stored_after_outage - stored_at_cut,
        sent_during_outage=int(rate_per_s * outage_s),
    )


def broker_restarted(
    database_url: str, broker: MosquittoProcess, workdir: pathlib.Path, *, readings: int
) -> StreamFigures:
    """Half the stream is queued for ingest (stopped) when the broker restarts: the session and
    its queue must survive. Then the broker restarts under a running ingest, which reconnects
    with backoff, and the other half follows."""
    household = "h-broker-" + uuid.uuid4().hex[:8]
    register_standard_home(database_url, household)
    messages, expected = _stream(household, readings)
    first, second = messages[: readings // 2], messages[readings // 2 :]
    client_id, log = _client_id(), workdir / "ingest-broker.log"
    ingest = start_ingest(database_url=database_url, mqtt_url=broker.url, client_id=client_id, log=log)
    try:
        _wait_subscribed(log)
        ingest.terminate()
        ingest.wait(30)
        publish(broker.url, first)  # queued in ingest's session: nobody is connected to take it
        broker.restart()
        ingest = start_ingest(database_url=database_url, mqtt_url=broker.url, client_id=client_id, log=log)
        wait_until(
            lambda: stored_count(database_url, household) >= len(first), timeout=120, what="the queued half"
        )
        queued_delivered = stored_count(database_url, household)
        broker.restart()
        back = time.monotonic()
        _wait_subscribed(log, times=3)
        reconnect = time.monotonic() - back
        publish(broker.url, second)
        wait_until(lambda: stored_count(database_url, household) >= readings, timeout=120, what="all stored")
        recovery = time.monotonic() - back
        time.sleep(1)
    finally:
        kill_hard(ingest)
    return stream_figures(
        database_url,
        household,
        expected,
        recovery,
        queued_across_restart=len(first),
        queued_delivered=queued_delivered,
        reconnect_s=round(reconnect, 1),
    )


# --- a hub back after a day offline -----------------------------------------------------------

# Kinds detection raises from a single reading as it arrives (its instant rules).
INSTANT_KINDS = ("alarm_pressed", "fall_detected", "smoke", "carbon_monoxide", "water_leak", "night_exit")


@dataclasses.dataclass(frozen=True, slots=True)
class BacklogFigures:
    stream: StreamFigures
    stale_findings: int  # instant findings opened for something that happened before the hub returned
    live_alarm_found: bool  # a pendant pressed after the backlog is still raised at once


def _backlog(
    households: list[str], now: dt.datetime
) -> tuple[RegistryFile, list[tuple[float, str, str, str, float]]]:
    """Simulated homes and their last day (up to two minutes ago), with emergencies long
    past: a pendant pressed and cancelled, one pressed and never cancelled (the person was up
    and about for hours after), the front door opened in the night."""
    from simulator import simulate_households

    first_day = (now - dt.timedelta(days=2)).date()
    scenario = simulate_households(households, days=3, seed=7, first_day=first_day)
    table = scenario.readings
    kinds = dict(enumerate(SENSOR_KINDS))
    readings = [
        (float(ts), table.households[h], table.devices[d], kinds[s].value, float(v))
        for ts, h, d, s, v in zip(
            table.ts, table.household, table.device, table.sensor, table.value, strict=True
        )
        if now.timestamp() - 86_400 < ts < now.timestamp() - 120
    ]
    pressed, night, forgotten = (now.timestamp() - hours * 3600 for hours in (20, 6, 5))
    for h in households:
        readings += [(pressed, h, "pendant", "alarm", 1.0), (pressed + 180, h, "pendant", "alarm", 0.0)]
        readings += [(forgotten, h, "pendant", "alarm", 1.0)]
        readings += [(night, h, "front-door", "contact", 1.0), (night + 60, h, "front-door", "contact", 0.0)]
    # The simulator now and then gives one sensor two values in the same second (a kettle off
    # and on); the store keeps one reading per (device, sensor, time), so keep the first. Exact
    # repeats stay: hubs do resend, and those must be stored once.
    first_value: dict[tuple[float, str, str, str], float] = {}
    for ts, h, d, s, v in sorted(readings):
        first_value.setdefault((ts, h, d, s), v)
    return scenario.registry, [r for r in sorted(readings) if first_value[r[:4]] == r[4]]


def hub_backlog(
    database_url: str,
    broker: MosquittoProcess,
    workdir: pathlib.Path,
    *,
    hubs: int,
    rate_per_s: float,
) -> BacklogFigures:
    """`hubs` homes come back after a day offline and send their day at `rate_per_s`, while
    ingest and detection run; then one person presses the pendant, live."""
    from detection._service import DetectionService

    households = [f"h-back-{n:03d}" for n in range(hubs)]
    now = dt.datetime.now(dt.UTC)
    registry, backlog = _backlog(households, now)
    with store.connect(database_url) as conn:
        store.import_registry(conn, registry)
    messages = [
        (f"telecare/v1/{h}/{d}/{s}", json.dumps({"ts": _iso(ts), "value": v}).encode())
        for ts, h, d, s, v in backlog
    ]
    expected = {(h, d, s, dt.datetime.fromtimestamp(ts, dt.UTC), v) for ts, h, d, s, v in backlog}
    client_id, log = _client_id(), workdir / "ingest-backlog.log"
    ingest = start_ingest(database_url=database_url, mqtt_url=broker.url, client_id=client_id, log=log)
    stop = threading.Event()
    detection = threading.Thread(
        target=DetectionService(database_url=database_url).run, args=(stop,), name="detection"
    )
    try:
        _wait_subscribed(log)
        detection.start()
        began = time.monotonic()
        publish(broker.url, messages, pace_per_s=rate_per_s)
        # The simulated hubs repeat a message now and then, as real ones do: stored once.
        wait_until(lambda: _all_count(database_url) >= len(expected), timeout=600, what="the backlog stored")
        absorbed = time.monotonic() - began
        pressed = dt.datetime.now(dt.UTC).replace(microsecond=0)
        publish(broker.url, [(f"telecare/v1/{households[0]}/pendant/alarm", _payload(pressed, 1.0))])
        live_found = _wait_for_finding(database_url, households[0], "alarm_pressed", since=pressed)
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM findings WHERE kind = ANY(%s) AND onset < %s",
                (list(INSTANT_KINDS), now),
            ).fetchone()
        stale = int(row[0]) if row else 0
    finally:
        stop.set()
        if detection.is_alive():
            detection.join(30)
        kill_hard(ingest)
    stream = _stream_figures_all(
        database_url, expected, absorbed, rate_per_s=rate_per_s, messages=len(messages)
    )
    return BacklogFigures(stream=stream, stale_findings=stale, live_alarm_found=live_found)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat()


def _payload(ts: dt.datetime, value: float) -> bytes:
    return json.dumps({"ts": ts.isoformat(), "value": value}).encode()


def _all_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM readings").fetchone()
    return int(row[0]) if row else 0


def _wait_for_finding(database_url: str, household: str, kind: str, *, since: dt.datetime) -> bool:
    def found() -> bool:
        with psycopg.connect(database_url) as conn:
            return (
                conn.execute(
                    "SELECT 1 FROM findings WHERE household_id = %s AND kind = %s AND onset >= %s",
                    (household, kind, since),
                ).fetchone()
                is not None
            )

    try:
        wait_until(found, timeout=30, what=f"a {kind} finding")
    except AssertionError:
        return False
    return True


def _stream_figures_all(
    database_url: str,
    expected: set[tuple[str, str, str, dt.datetime, float]],
    recovery_s: float,
    **detail: float,
) -> StreamFigures:
    """As `stream_figures`, over every household, leaving out what was sent live at the end."""
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        rows = conn.execute(
            """SELECT household_id, device_id, sensor, ts, value FROM readings
               WHERE ts < now() - interval '90 s'"""
        ).fetchall()
    stored = {tuple(r) for r in rows}
    return StreamFigures(
        sent=len(expected),
        stored=len(rows),
        lost=len(expected - stored),
        unexpected=len(stored - expected),
        duplicated=len(rows) - len(stored),
        recovery_s=recovery_s,
        detail=detail,
    )
