"""Ingest through faults, against real processes: a test-owned Mosquitto (persistence on), the
`telecare ingest` process, and PostgreSQL behind a proxy the test can cut. Outages here are
short; `python -m bench faults` runs the full-length ones and prints the figures."""

import pathlib

import pytest

from tests.fault_scenarios import (
    broker_restarted,
    database_unreachable,
    hub_backlog,
    ingest_killed_mid_stream,
)
from tests.services import MosquittoProcess


@pytest.mark.slow
def test_ingest_killed_during_a_100000_reading_stream_loses_and_doubles_nothing(
    database_url: str, mosquitto: MosquittoProcess, tmp_path: pathlib.Path
) -> None:
    figures = ingest_killed_mid_stream(database_url, mosquitto, tmp_path, readings=100_000)

    assert figures.detail["stored_at_kill"] < 100_000, "the kill must land mid-stream to mean anything"
    assert (figures.stored, figures.lost, figures.duplicated, figures.unexpected) == (100_000, 0, 0, 0)


@pytest.mark.slow
@pytest.mark.parametrize("stop_ingest_during_outage", [False, True], ids=["ingest-waits", "ingest-stopped"])
def test_a_database_outage_holds_readings_at_the_broker_and_loses_none(
    database_url: str, mosquitto: MosquittoProcess, tmp_path: pathlib.Path, stop_ingest_during_outage: bool
) -> None:
    figures = database_unreachable(
        database_url,
        mosquitto,
        tmp_path,
        outage_s=4,
        rate_per_s=500,
        stop_ingest_during_outage=stop_ingest_during_outage,
    )

    assert figures.detail["stored_during_outage"] == 0
    # Far more arrived during the outage than ingest may hold unacknowledged (200): the broker
    # kept them, and all of them were stored afterwards.
    assert figures.detail["sent_during_outage"] > 200
    assert (figures.stored, figures.lost, figures.duplicated, figures.unexpected) == (figures.sent, 0, 0, 0)


@pytest.mark.slow
def test_a_broker_restart_keeps_the_queued_session_and_ingest_reconnects(
    database_url: str, mosquitto: MosquittoProcess, tmp_path: pathlib.Path
) -> None:
    figures = broker_restarted(database_url, mosquitto, tmp_path, readings=4000)

    assert figures.detail["queued_delivered"] == 2000
    assert (figures.stored, figures.lost, figures.duplicated, figures.unexpected) == (4000, 0, 0, 0)


@pytest.mark.slow
def test_a_hub_back_after_a_day_offline_is_absorbed_without_stale_emergencies(
    database_url: str, mosquitto: MosquittoProcess, tmp_path: pathlib.Path
) -> None:
    figures = hub_backlog(database_url, mosquitto, tmp_path, hubs=2, rate_per_s=1000)

    stream = figures.stream
    assert stream.sent > 1000
    assert (stream.stored, stream.lost, stream.duplicated, stream.unexpected) == (stream.sent, 0, 0, 0)
    # The day held a pendant pressed and cancelled and a door opened at night, in each home:
    # history by now, not news.
    assert figures.stale_findings == 0
    assert figures.live_alarm_found, "a pendant pressed after the backlog is raised as ever"
