"""Detection and alerts scaled out: workers split households by a stable hash of the id, each
household watched, routed, escalated, digested and sent for by exactly one of them, and no
worker touches another's."""

import datetime as dt
import json
import os
import pathlib
import re
import signal
import subprocess
import sys

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

import store
from alerts import AlertConfig, Dispatcher, TeamChannels, route_findings, run_timers, send_due_digests
from detection._service import DetectionService
from devices import ContactEntry, HouseholdEntry, Reading, RegistryFile, SensorKind
from telecare._workers import WorkerShare, bucket_sql, household_bucket, owned_by_worker
from tests.conftest import register_standard_home
from tests.receivers import HttpReceiver
from tests.services import REPO, wait_until

Conn = psycopg.Connection[psycopg.rows.TupleRow]
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
household_ids = st.from_regex(r"[A-Za-z0-9_.-]{1,64}", fullmatch=True)


@given(household=household_ids, count=st.integers(1, 64))
def test_every_household_has_exactly_one_owner_among_the_workers(household: str, count: int) -> None:
    owners = [index for index in range(count) if WorkerShare(index, count).owns(household)]
    assert owners == [household_bucket(household, count)]


def test_the_split_is_fixed_across_processes_and_releases() -> None:
    # Python's own hash() of a str changes with every process; ours must not, and a change
    # to it would move households between running workers.
    assert [household_bucket(f"h-{n:04d}", 4) for n in range(8)] == [2, 1, 0, 2, 0, 2, 3, 3]
    assert owned_by_worker("h-0002", 0, 4)


def test_a_worker_index_outside_the_count_is_refused() -> None:
    with pytest.raises(ValueError, match=r"worker index must be in 0\.\.1"):
        WorkerShare(2, 2)


def test_two_detection_workers_each_watch_their_own_households_and_no_other(
    conn: Conn, database_url: str
) -> None:
    homes = [f"h-split-{n:02d}" for n in range(16)]
    for home in homes:
        register_standard_home(database_url, home)
    pressed = T0 - dt.timedelta(minutes=1)
    store.ReadingWriter(conn).write(
        [
            Reading(
                household=home,
                device="pendant",
                sensor=SensorKind.ALARM,
                value=1.0,
                ts=pressed,
                received_at=pressed + dt.timedelta(seconds=1),
            )
            for home in homes
        ]
    )
    workers = [DetectionService(database_url=database_url, worker=WorkerShare(n, 2)) for n in range(2)]

    # Each worker passes several times, interleaved: one settling its findings must never
    # clear those the other has opened.
    for second in range(3):
        for worker in workers:
            worker.pass_once(conn, T0 + dt.timedelta(seconds=second))

    rows = conn.execute(
        "SELECT household_id, count(*) FROM findings WHERE kind = 'alarm_pressed' AND cleared_at IS NULL"
        " GROUP BY household_id"
    ).fetchall()
    assert dict(rows) == {home: 1 for home in homes}
    watched = [{home.id for home in worker._engine.homes} for worker in workers]
    assert watched[0].isdisjoint(watched[1])
    assert watched[0] | watched[1] == set(homes)
    assert all(watched), "sixteen homes should not all hash to one worker"
    for index, share in enumerate(watched):
        assert all(household_bucket(home, 2) == index for home in share)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    households=st.lists(household_ids | st.text(min_size=1, max_size=20), max_size=30),
    count=st.integers(1, 64),
)
def test_the_database_puts_every_household_in_the_same_bucket_as_python(
    conn: Conn, households: list[str], count: int
) -> None:
    households = [h for h in households if "\x00" not in h]  # PostgreSQL text holds no NUL
    buckets = conn.execute(
        sql.SQL("SELECT h, {} FROM unnest(%s::text[]) AS h").format(bucket_sql(sql.Identifier("h"), count)),
        (households,),
    ).fetchall()
    assert buckets == [(h, household_bucket(h, count)) for h in households]
    index = household_bucket(households[0], count) if households else 0
    share = WorkerShare(index, count)
    owned = conn.execute(
        sql.SQL("SELECT h FROM unnest(%s::text[]) AS h WHERE {}").format(share.owned("h")), (households,)
    ).fetchall()
    assert [h for (h,) in owned] == [h for h in households if share.owns(h)]


# --- alerts ----------------------------------------------------------------------------------

TWO = (WorkerShare(0, 2), WorkerShare(1, 2))


def _homes_with_families(conn: Conn, receiver: HttpReceiver, count: int) -> list[str]:
    homes = [f"h-share-{n:02d}" for n in range(count)]
    entries = tuple(
        HouseholdEntry(
            id=home,
            timezone="Europe/London",
            contacts=(
                ContactEntry(
                    name="Family", channels=(receiver.url(f"family-{home}"),), digest_at=dt.time(18)
                ),
            ),
        )
        for home in homes
    )
    store.import_registry(conn, RegistryFile(households=entries))
    return homes


def _by_household(conn: Conn, query: str) -> dict[str, int]:
    rows = conn.execute(query.encode()).fetchall()
    conn.commit()
    return dict(rows)


def test_two_alerts_workers_each_route_escalate_digest_and_send_for_their_own_households_only(
    conn: Conn, webhooks: HttpReceiver
) -> None:
    config = AlertConfig(
        teams=TeamChannels(duty_team=(webhooks.url("duty"),), supervisor=(webhooks.url("supervisor"),))
    )
    homes = _homes_with_families(conn, webhooks, 12)
    share_of = {home: TWO[household_bucket(home, 2)] for home in homes}
    mine = [{home for home in homes if share_of[home] is worker} for worker in TWO]
    assert all(mine), "twelve homes should not all hash to one worker"
    pressed = [
        store.Finding(
            household=home,
            condition_key="alarm_pressed",
            kind="alarm_pressed",
            severity="urgent",
            onset=T0,
            message="The pendant alarm was pressed.",
            evidence={},
        )
        for home in homes
    ]
    store.reconcile_findings(conn, ["alarm_pressed"], pressed, T0)
    # A queued change whose finding has gone with its household belongs to no one: the first
    # worker clears it.
    conn.execute("INSERT INTO alert_finding_inbox (finding_id) VALUES (-1)")
    conn.commit()
    alerts = "SELECT household_id, count(*) FROM alerts GROUP BY household_id"

    # Routing: worker 1 first, so it is seen to leave worker 0's households (and the orphan) queued.
    while route_findings(conn, config, T0, worker=TWO[1]):
        pass
    assert set(_by_household(conn, alerts)) == mine[1]
    assert _by_household(conn, "SELECT -1, count(*) FROM alert_finding_inbox") == {-1: len(mine[0]) + 1}
    while route_findings(conn, config, T0, worker=TWO[0]):
        pass
    assert _by_household(conn, alerts) == {home: 1 for home in homes}
    assert _by_household(conn, "SELECT -1, count(*) FROM alert_finding_inbox") == {-1: 0}

    # Escalation: each worker's timer escalates its own alerts, once.
    due = T0 + dt.timedelta(seconds=61)
    assert [run_timers(conn, config, due, worker=w).escalated for w in TWO] == [len(m) for m in mine]
    assert [run_timers(conn, config, due, worker=w).escalated for w in TWO] == [0, 0]

    # Delivery: each dispatcher sends its own households' messages, and nothing twice.
    sent = (
        "SELECT household_id, count(*) FILTER (WHERE state = 'sent') FROM notifications GROUP BY household_id"
    )
    for index, worker in enumerate(TWO):
        dispatcher = Dispatcher(config=config, worker=worker)
        while dispatcher.dispatch_due(conn, due).claimed:
            pass
        done = {home for home, count in _by_household(conn, sent).items() if count}
        assert done == set().union(*mine[: index + 1])
    waiting = _by_household(conn, "SELECT -1, count(*) FROM notifications WHERE state <> 'sent'")
    assert waiting == {-1: 0}
    keys = [message.key for message in webhooks.inbox.received]
    assert len(keys) == len(set(keys)) == _by_household(conn, "SELECT -1, count(*) FROM notifications")[-1]

    # Digests at the families' 6 p.m.: each worker writes its own households', once.
    evening = dt.datetime(2026, 11, 22, 18, 0, tzinfo=dt.UTC)
    assert [send_due_digests(conn, config, evening, worker=w) for w in TWO] == [len(m) for m in mine]
    assert [send_due_digests(conn, config, evening, worker=w) for w in TWO] == [0, 0]

    # The audit trail names the worker behind every change it made.
    acted = conn.execute(
        "SELECT household_id, detail->>'worker' FROM audit_events WHERE actor LIKE 'system:%'"
    ).fetchall()
    assert {worker for _, worker in acted} == {"0/2", "1/2"}
    assert all(worker == str(share_of[home]) for home, worker in acted)


# --- two real workers --------------------------------------------------------------------------

SENT_LINE = re.compile(r"notification=(\d+) attempt=\d+ .*outcome=sent worker=(\d+/\d+)")


def _start_worker(
    database_url: str, receiver: HttpReceiver, worker: WorkerShare, logs: pathlib.Path
) -> list[subprocess.Popen[bytes]]:
    """`telecare detect` and `telecare alerts` as worker `worker`, as deploy/systemd runs them."""
    env = dict(
        os.environ,
        TELECARE_DATABASE_URL=database_url,
        TELECARE_WORKER_INDEX=str(worker.index),
        TELECARE_WORKER_COUNT=str(worker.count),
        TELECARE_DUTY_TEAM_CHANNELS=json.dumps([receiver.url("duty")]),
        TELECARE_SUPERVISOR_CHANNELS=json.dumps([receiver.url("supervisor")]),
        # Escalations a second apart: all three rounds happen while the test watches.
        TELECARE_ALERT_ACK_URGENT_SECONDS="1",
    )
    processes = []
    for command in ("detect", "alerts"):
        with (logs / f"{command}-{worker.index}.log").open("ab") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "telecare", command], cwd=REPO, env=env, stdout=log, stderr=log
                )
            )
    return processes


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _pendant_pressed_in(database_url: str, homes: list[str], at: dt.datetime) -> None:
    with store.connect(database_url) as conn:
        store.ReadingWriter(conn).write(
            [
                Reading(
                    household=home,
                    device="pendant",
                    sensor=SensorKind.ALARM,
                    value=1.0,
                    ts=at,
                    received_at=at + dt.timedelta(seconds=1),
                )
                for home in homes
            ]
        )


def test_two_worker_processes_handle_each_household_in_exactly_one_from_finding_to_message(
    conn: Conn, database_url: str, webhooks: HttpReceiver, tmp_path: pathlib.Path
) -> None:
    homes = _homes_with_families(conn, webhooks, 20)
    for home in homes:
        register_standard_home(database_url, home)
    share_of = {home: TWO[household_bucket(home, 2)] for home in homes}
    mine = [{home for home in homes if share_of[home] is worker} for worker in TWO]
    assert all(mine), "twenty homes should not all hash to one worker"
    _pendant_pressed_in(database_url, homes, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=30))
    findings = "SELECT household_id, id FROM findings WHERE kind = 'alarm_pressed'"
    alerts = "SELECT household_id, count(*) FROM alerts WHERE kind = 'alarm_pressed' GROUP BY household_id"
    told = "SELECT DISTINCT household_id, 1 FROM notifications WHERE event = 'raised' AND state = 'sent'"
    done = (
        "SELECT household_id, 1 FROM alerts WHERE kind = 'alarm_pressed' AND escalation_level = 3"
        " AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.state IN ('pending', 'sending'))"
    )
    running: list[subprocess.Popen[bytes]] = []
    try:
        # Worker 0 alone first: it does everything for its own households and nothing for the
        # others, which wait (unwatched) for their own worker.
        running += _start_worker(database_url, webhooks, TWO[0], tmp_path)
        wait_until(
            lambda: set(_by_household(conn, told)) >= mine[0], timeout=30, what="worker 0's households told"
        )
        first = _by_household(conn, findings)
        assert set(first) == mine[0]
        assert set(_by_household(conn, alerts)) == mine[0]
        assert set(_by_household(conn, "SELECT household_id, 1 FROM notifications")) == mine[0]

        # Then worker 1 beside it: its households are handled too, worker 0's are left alone.
        running += _start_worker(database_url, webhooks, TWO[1], tmp_path)
        wait_until(
            lambda: set(_by_household(conn, done)) == set(homes),
            timeout=40,
            what="every alert escalated, all sent",
        )
    finally:
        _stop(running)
    assert all(process.returncode == 0 for process in running), [p.returncode for p in running]

    # Findings: one per household, worker 0's untouched since worker 1 started.
    rows = conn.execute(findings.encode()).fetchall()
    assert sorted(home for home, _ in rows) == sorted(homes)
    assert {home: id_ for home, id_ in rows if home in mine[0]} == first
    # Alerts: one per household, every change by its household's worker; three escalations each.
    assert _by_household(conn, alerts) == {home: 1 for home in homes}
    acted = conn.execute(
        "SELECT household_id, detail->>'worker' FROM audit_events WHERE actor LIKE 'system:%'"
    ).fetchall()
    assert {home for home, _ in acted} == set(homes)
    assert all(worker == str(share_of[home]) for home, worker in acted)
    escalations = conn.execute(
        """SELECT a.household_id, e.detail->>'level'
           FROM audit_events e JOIN alerts a ON a.id::text = e.subject_id
           WHERE e.subject_type = 'alert' AND e.action = 'alert.escalated' AND a.kind = 'alarm_pressed'"""
    ).fetchall()
    assert sorted(escalations) == sorted((home, str(level)) for home in homes for level in (1, 2, 3))
    # Messages: each sent once, by the dispatcher of its household's worker, and received once.
    notifications = dict(conn.execute("SELECT id, household_id FROM notifications").fetchall())
    senders: dict[int, list[str]] = {}
    for index in range(2):
        for line in (tmp_path / f"alerts-{index}.log").read_text().splitlines():
            if match := SENT_LINE.search(line):
                senders.setdefault(int(match[1]), []).append(match[2])
    assert senders == {id_: [str(share_of[home])] for id_, home in notifications.items()}
    keys = [message.key for message in webhooks.inbox.received]
    assert len(keys) == len(set(keys)) == len(notifications)
