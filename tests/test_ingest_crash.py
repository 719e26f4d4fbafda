"""Ingest killed mid-stream and restarted: nothing lost, nothing doubled."""

import datetime as dt
import pathlib
import threading
import uuid

import psycopg
import pytest

from tests.conftest import register_standard_home
from tests.readings import native_messages
from tests.services import MosquittoProcess, kill_hard, publish, start_ingest, wait_until


def _count(database_url: str, household: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM readings WHERE household_id = %s", (household,)).fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow
def test_ingest_killed_halfway_through_a_stream_loses_and_doubles_nothing(
    database_url: str, mosquitto: MosquittoProcess, household_id: str, tmp_path: pathlib.Path
) -> None:
    register_standard_home(database_url, household_id)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    messages, expected = native_messages(household_id, 10_000, start=start)
    client_id = f"test-ingest-{uuid.uuid4().hex[:10]}"
    log = tmp_path / "ingest.log"
    ingest = start_ingest(database_url=database_url, mqtt_url=mosquitto.url, client_id=client_id, log=log)
    try:
        # Until ingest has subscribed once, there is no session for the broker to queue into.
        wait_until(lambda: "subscribed" in log.read_text(), timeout=30, what="ingest subscribed")
        # A steady stream of 2,000 readings/s, so the kill lands mid-stream.
        publisher = threading.Thread(
            target=publish, args=(mosquitto.url, messages), kwargs={"pace_per_s": 2000}
        )
        publisher.start()
        wait_until(lambda: _count(database_url, household_id) >= 3000, timeout=60, what="3,000 stored")
        kill_hard(ingest)
        stored_at_kill = _count(database_url, household_id)
        ingest = start_ingest(database_url=database_url, mqtt_url=mosquitto.url, client_id=client_id, log=log)
        publisher.join(timeout=60)
        wait_until(lambda: _count(database_url, household_id) >= 10_000, timeout=60, what="all stored")
    finally:
        kill_hard(ingest)

    assert 3000 <= stored_at_kill < 10_000, "the kill must land mid-stream for this test to mean anything"
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT device_id, sensor, ts, value FROM readings WHERE household_id = %s", (household_id,)
        ).fetchall()
    assert len(rows) == 10_000
    assert {tuple(r) for r in rows} == expected
