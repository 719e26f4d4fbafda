"""Detection's feed sees every stored reading once, even one that ingest stamped on arrival
before a detection pass and committed only after it (a batch's wait and write)."""

import datetime as dt

import psycopg

from detection._service import DetectionService
from devices import Reading, SensorKind
from store import ReadingWriter
from tests.conftest import register_standard_home

Conn = psycopg.Connection[psycopg.rows.TupleRow]


def _write(
    conn: Conn, household: str, device: str, sensor: SensorKind, value: float, at: dt.datetime
) -> None:
    ReadingWriter(conn).write(
        [Reading(household=household, device=device, sensor=sensor, value=value, ts=at, received_at=at)]
    )


def _open_findings(conn: Conn) -> list[str]:
    rows = conn.execute("SELECT kind FROM findings WHERE cleared_at IS NULL ORDER BY id").fetchall()
    conn.commit()
    return [kind for (kind,) in rows]


def test_a_press_committed_just_after_a_pass_that_read_past_its_arrival_is_still_raised(
    conn: Conn, database_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    now = dt.datetime.now(dt.UTC)
    _write(conn, household_id, "kitchen-pir", SensorKind.MOTION, 1, now - dt.timedelta(minutes=5))
    service = DetectionService(database_url=database_url)
    service.pass_once(conn, now)  # reads up to `now`: the press below arrived before it ...
    _write(conn, household_id, "pendant", SensorKind.ALARM, 1, now - dt.timedelta(milliseconds=50))
    assert _open_findings(conn) == []  # ... and is committed only after that pass
    service.pass_once(conn, now + dt.timedelta(seconds=1), tick=False)
    assert _open_findings(conn) == ["alarm_pressed"]


def test_readings_read_again_while_settling_are_observed_once(
    conn: Conn, database_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    now = dt.datetime.now(dt.UTC)
    _write(conn, household_id, "kitchen-pir", SensorKind.MOTION, 1, now - dt.timedelta(minutes=5))
    _write(conn, household_id, "pendant", SensorKind.ALARM, 1, now - dt.timedelta(seconds=2))
    service = DetectionService(database_url=database_url)
    service.pass_once(conn, now)
    _write(conn, household_id, "pendant", SensorKind.ALARM, 0, now + dt.timedelta(milliseconds=500))
    service.pass_once(conn, now + dt.timedelta(seconds=1), tick=False)
    assert _open_findings(conn) == []  # cancelled
    # The press is read again (it is within the settling time) but must not be observed again:
    # it would reopen the alarm the cancel ended.
    service.pass_once(conn, now + dt.timedelta(seconds=2), tick=False)
    assert _open_findings(conn) == []


def test_a_press_ingest_held_through_a_database_outage_is_raised_when_it_is_written_at_last(
    conn: Conn, database_url: str, household_id: str
) -> None:
    # Ingest took the press in just before the database went away and writes it only once it
    # is back, which may be after detection's first passes back.
    register_standard_home(database_url, household_id)
    now = dt.datetime.now(dt.UTC)
    _write(conn, household_id, "kitchen-pir", SensorKind.MOTION, 1, now - dt.timedelta(minutes=5))
    service = DetectionService(database_url=database_url)
    service.pass_once(conn, now)
    service.database_lost()  # what the service's loop does when its connection fails
    back = now + dt.timedelta(seconds=60)
    service.pass_once(conn, back, tick=False)
    service.pass_once(conn, back + dt.timedelta(seconds=10), tick=False)
    _write(conn, household_id, "pendant", SensorKind.ALARM, 1, now + dt.timedelta(seconds=1))
    service.pass_once(conn, back + dt.timedelta(seconds=20), tick=False)
    assert _open_findings(conn) == ["alarm_pressed"]
    # Read again until the catching up is over, but observed once: the cancel ends it for good.
    _write(conn, household_id, "pendant", SensorKind.ALARM, 0, back + dt.timedelta(seconds=25))
    for seconds in (30, 40, 90, 100):
        service.pass_once(conn, back + dt.timedelta(seconds=seconds), tick=False)
        assert _open_findings(conn) == []
