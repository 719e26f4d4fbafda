"""Faults on the alerting side, against real PostgreSQL and a real webhook receiver: the
receiver down for a while, and detection and alerts processes killed at random moments."""

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import psycopg

import store
from alerts import AlertConfig, AlertService, Severity, TeamChannels
from devices import ContactEntry, HouseholdEntry, Reading, RegistryFile, SensorKind
from tests.conftest import register_standard_home
from tests.receivers import HttpReceiver, http_receiver
from tests.services import REPO, wait_until


@dataclasses.dataclass(frozen=True, slots=True)
class DeliveryFigures:
    notifications: int  # in the outbox, all sent by the end
    received: int  # requests that reached the receiver
    duplicated: int  # requests beyond the first for one idempotency key
    missing: int  # sent according to the outbox, never received
    recovery_s: float  # from the receiver's return to the last message's arrival

    def lines(self, name: str) -> list[str]:
        return [
            f"faults_{name}_{field.name} {round(getattr(self, field.name), 1)}"
            for field in dataclasses.fields(self)
        ]


def _teams(receiver: HttpReceiver) -> TeamChannels:
    return TeamChannels(
        duty_team=(receiver.url("duty"),),
        supervisor=(receiver.url("supervisor"),),
        device_team=(receiver.url("device-team"),),
    )


def _register_with_family(
    conn: psycopg.Connection[psycopg.rows.TupleRow], households: list[str], receiver: HttpReceiver
) -> None:
    store.import_registry(
        conn,
        RegistryFile(
            households=tuple(
                HouseholdEntry(
                    id=h,
                    timezone="Europe/London",
                    contacts=(ContactEntry(name="Family", channels=(receiver.url(f"family-{h}"),)),),
                )
                for h in households
            )
        ),
    )


def _keys_in_outbox(database_url: str) -> tuple[set[str], int]:
    """Keys of sent notifications, and how many are still waiting to go."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT idempotency_key::text, state FROM notifications").fetchall()
    return {key for key, state in rows if state == "sent"}, sum(
        state in ("pending", "sending") for _, state in rows
    )


def receiver_down(database_url: str, *, outage_s: float, households: int, escalate: bool) -> DeliveryFigures:
    """Urgent alerts for `households` homes while every channel's receiver is down for
    `outage_s`; the alerts service runs throughout on the real clock. Without `escalate` the
    acknowledge deadline is put out of reach, so only the first messages are in play."""
    homes = [f"h-recv-{n:03d}" for n in range(households)]
    with http_receiver() as receiver, store.connect(database_url) as conn:
        _register_with_family(conn, homes, receiver)
        config = AlertConfig(teams=_teams(receiver))
        if not escalate:
            config = dataclasses.replace(config, ack_within={Severity.URGENT: dt.timedelta(days=1)})
        receiver.stop()
        stop = threading.Event()
        service = threading.Thread(
            target=AlertService(database_url=database_url, config=config).run, args=(stop,), name="alerts"
        )
        service.start()
        try:
            now = dt.datetime.now(dt.UTC)
            findings = [
                store.Finding(
                    household=h,
                    condition_key="fall_detected",
                    kind="fall_detected",
                    severity="urgent",
                    onset=now,
                    message="A fall was detected.",
                    evidence={},
                )
                for h in homes
            ]
            store.reconcile_findings(conn, ["fall_detected"], findings, now)
            time.sleep(outage_s)
            receiver.start()
            back = time.monotonic()

            def all_sent() -> bool:
                sent, waiting = _keys_in_outbox(database_url)
                return waiting == 0 and len(sent) >= 2 * households

            wait_until(all_sent, timeout=300, what="every notification sent")
            time.sleep(1)  # a message sent twice would arrive by now
        finally:
            stop.set()
            service.join(30)
    sent, _ = _keys_in_outbox(database_url)
    received = receiver.inbox.received
    keys = [m.key for m in received]
    return DeliveryFigures(
        notifications=len(sent),
        received=len(received),
        duplicated=len(keys) - len(set(keys)),
        missing=len(sent - {k for k in keys if k is not None}),
        recovery_s=max(m.at for m in received) - (time.time() - (time.monotonic() - back)),
    )


# --- detection and alerts killed at random moments of a simulated night -------------------------

# A November night in London (GMT): local times read as UTC.
NIGHT_START = dt.datetime(2026, 11, 22, 0, 0, tzinfo=dt.UTC)
NIGHT_MINUTES = 150
# Each kill falls in a minute drawn at random from what is left of the night (from the driver
# still starting up to its last quarter hour), this far (seconds, drawn uniformly) into that
# minute's work. Aiming at minutes rather than wall-clock time makes every kill land however
# fast or loaded the machine is.
KILL_INTO_MINUTE_S = (0.0, 0.05)
LAST_KILL_MINUTE = NIGHT_MINUTES - 15


def _night_readings(households: list[str]) -> list[Reading]:
    """Movement now and then in every home, and in some of them an emergency: a pendant press
    never cancelled, one cancelled after four minutes, a home getting cold."""
    readings: list[tuple[str, str, SensorKind, float, int]] = []
    for n, h in enumerate(households):
        cold = n % 3 == 2
        readings += [
            (h, "kitchen-pir", SensorKind.TEMPERATURE, 12.5 if cold and 45 <= m < 110 else 19.0, m)
            for m in range(0, NIGHT_MINUTES, 5)
        ]
        readings += [(h, "bed-mat", SensorKind.OCCUPANCY, 1.0, 1)]
        if n % 3 == 0:
            readings += [(h, "pendant", SensorKind.ALARM, 1.0, 10 + n)]
        elif n % 3 == 1:
            readings += [
                (h, "pendant", SensorKind.ALARM, 1.0, 30 + n),
                (h, "pendant", SensorKind.ALARM, 0.0, 34 + n),
            ]
    at = NIGHT_START.__add__
    return [
        Reading(
            household=h,
            device=d,
            sensor=s,
            value=v,
            ts=at(dt.timedelta(minutes=m, seconds=n % 50)),
            received_at=at(dt.timedelta(minutes=m, seconds=n % 50 + 2)),
        )
        for n, (h, d, s, v, m) in enumerate(readings)
    ]


def prepare_night(database_url: str, receiver: HttpReceiver, households: list[str]) -> None:
    """The homes, their families' webhooks, and the night's readings as ingest would store them."""
    for h in households:
        register_standard_home(database_url, h)
    with store.connect(database_url) as conn:
        _register_with_family(conn, households, receiver)
        store.ReadingWriter(conn).write(_night_readings(households))


def run_night(database_url: str, receiver: HttpReceiver, *, kills: int, seed: int) -> int:
    """Detection and alerts (one process, `python -m tests.night_driver`) work through the
    night minute by minute; it is SIGKILLed `kills` times at random moments and restarted at
    the minute it was on. Returns how many kills landed before the night was done."""
    chance = random.Random(seed)
    teams = json.dumps(dataclasses.asdict(_teams(receiver)))
    minute = landed = 0
    while minute < NIGHT_MINUTES:
        with subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.night_driver",
                database_url,
                teams,
                str(minute),
                str(NIGHT_MINUTES),
            ],
            cwd=REPO,
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            text=True,
        ) as driver:
            assert driver.stdout is not None
            target = chance.randint(minute, max(minute, LAST_KILL_MINUTE)) if landed < kills else None
            killers: list[threading.Timer] = []

            def arm(killers: list[threading.Timer] = killers, driver: subprocess.Popen[str] = driver) -> None:
                killers.append(threading.Timer(chance.uniform(*KILL_INTO_MINUTE_S), driver.kill))
                killers[-1].start()

            if target == minute:  # while it starts up: imports, warm-up, refit
                arm()
            for line in driver.stdout:
                minute = int(line) + 1  # the minute it finished; a killed minute is done again
                if minute == target:
                    arm()
            driver.wait()
            for killer in killers:
                killer.cancel()
        if driver.returncode == -signal.SIGKILL:
            landed += 1
        elif driver.returncode != 0:
            raise RuntimeError(f"night driver failed with exit status {driver.returncode}")
    return landed
