"""Ingest scaled out: two `telecare ingest` processes on one MQTT 5 shared subscription
against a real Mosquitto split the stream between them, and lose and double nothing."""

import datetime as dt
import pathlib
import re
import uuid

import pytest

from tests.conftest import register_standard_home
from tests.fault_scenarios import stored_count, stream_figures
from tests.readings import native_messages
from tests.services import MosquittoProcess, publish, start_ingest, wait_until


def _subscribed(log: pathlib.Path) -> bool:
    return "subscribed" in log.read_text()


def _stored_by(log: pathlib.Path) -> int:
    """Readings this worker stored, from its summary lines (one per interval, and at exit)."""
    return sum(int(n) for n in re.findall(r"ingest summary .*? stored=(\d+)", log.read_text()))


@pytest.mark.slow
def test_two_ingest_workers_on_a_shared_subscription_split_the_stream_and_lose_nothing(
    database_url: str, mosquitto: MosquittoProcess, household_id: str, tmp_path: pathlib.Path
) -> None:
    register_standard_home(database_url, household_id)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    messages, expected = native_messages(household_id, 10_000, start=start)
    group = f"ingest-{uuid.uuid4().hex[:6]}"
    logs = [tmp_path / f"ingest-{n}.log" for n in range(2)]
    workers = [
        start_ingest(
            database_url=database_url,
            mqtt_url=mosquitto.url,
            client_id=f"{group}-{n}",
            log=log,
            settings={"TELECARE_INGEST_SHARE_GROUP": group},
        )
        for n, log in enumerate(logs)
    ]
    try:
        wait_until(lambda: all(map(_subscribed, logs)), timeout=60, what="both workers subscribed")
        assert f"$share/{group}/telecare/v1/#" in logs[0].read_text()
        publish(mosquitto.url, messages)
        wait_until(lambda: stored_count(database_url, household_id) >= 10_000, timeout=120, what="all stored")
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)

    figures = stream_figures(database_url, household_id, expected, 0.0)
    assert (figures.stored, figures.lost, figures.duplicated, figures.unexpected) == (10_000, 0, 0, 0)
    shares = [_stored_by(log) for log in logs]
    assert sum(shares) == 10_000, "each message was stored by exactly one worker"
    assert min(shares) > 1000, f"the broker should share the stream between the workers, got {shares}"
