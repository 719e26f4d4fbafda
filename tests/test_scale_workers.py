"""Detection and alerts scaled out: workers split households by a stable hash of the id, each
household watched, routed, escalated, digested and sent for by exactly one of them, and no
worker touches another's."""

import datetime as dt
from collections.abc import Iterator

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
from tests.receivers import HttpReceiver, http_receiver

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


@pytest.fixture
def webhooks() -> Iterator[HttpReceiver]:
    with http_receiver() as receiver:
        yield receiver


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
