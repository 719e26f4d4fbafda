"""Detection scaled out: workers split households by a stable hash of the id, each household
watched by exactly one of them, and no worker settles another's findings."""

import datetime as dt

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

import store
from detection._service import DetectionService
from devices import Reading, SensorKind
from telecare._workers import WorkerShare, household_bucket, owned_by_worker
from tests.conftest import register_standard_home

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
