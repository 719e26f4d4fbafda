"""The detection service against the store: findings written, cleared, never duplicated."""

import datetime as dt

import psycopg

import store
from alerts._router import route_findings
from alerts.cli import alert_config
from detection._service import DetectionService
from devices import Reading, SensorKind
from store import ReadingWriter
from telecare.settings import Settings
from tests.conftest import register_standard_home

Conn = psycopg.Connection[psycopg.rows.TupleRow]


def _write(
    conn: Conn, household: str, device: str, sensor: SensorKind, value: float, at: dt.datetime
) -> None:
    ReadingWriter(conn).write(
        [Reading(household=household, device=device, sensor=sensor, value=value, ts=at, received_at=at)]
    )


def _findings(conn: Conn) -> list[tuple[str, str, bool]]:
    rows = conn.execute("SELECT kind, severity, cleared_at IS NULL FROM findings ORDER BY id").fetchall()
    conn.commit()
    return [(k, s, o) for k, s, o in rows]


def test_a_pendant_press_is_a_finding_at_once_cleared_by_cancel_and_kept_across_restarts(
    conn: Conn, database_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    service = DetectionService(database_url=database_url)
    _write(conn, household_id, "kitchen-pir", SensorKind.MOTION, 1, now - dt.timedelta(minutes=5))
    _write(conn, household_id, "pendant", SensorKind.ALARM, 1, now - dt.timedelta(seconds=20))

    service.pass_once(conn, now, tick=False)
    assert _findings(conn) == [("alarm_pressed", "urgent", True)]
    message = conn.execute("SELECT message FROM findings").fetchone()
    assert message is not None
    assert "pendant alarm was pressed" in message[0]

    restarted = DetectionService(database_url=database_url)  # warms up from the last day
    restarted.pass_once(conn, now + dt.timedelta(seconds=5))
    assert _findings(conn) == [("alarm_pressed", "urgent", True)], "a restart must not duplicate it"

    _write(conn, household_id, "pendant", SensorKind.ALARM, 0, now + dt.timedelta(seconds=30))
    restarted.pass_once(conn, now + dt.timedelta(seconds=31), tick=False)
    assert _findings(conn) == [("alarm_pressed", "urgent", False)]

    versions = conn.execute("SELECT household_id, version, days_learned FROM baselines").fetchall()
    assert (household_id, 1, 0) in versions


def test_a_pendant_cancel_is_the_persons_check_in_for_an_alert_waiting_for_one(
    conn: Conn, database_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    conn.execute("UPDATE households SET checkin_window = '10 minutes' WHERE id = %s", (household_id,))
    conn.commit()
    config = alert_config(Settings())
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    _write(conn, household_id, "kitchen-pir", SensorKind.MOTION, 1, now - dt.timedelta(hours=3))
    store.reconcile_findings(
        conn,
        ["not_up"],
        [
            store.Finding(
                household=household_id,
                condition_key="not_up",
                kind="not_up",
                severity="high",
                onset=now - dt.timedelta(minutes=5),
                message="No sign of being up yet",
                evidence={},
            )
        ],
        now - dt.timedelta(minutes=1),
    )
    route_findings(conn, config, now - dt.timedelta(minutes=1))
    assert conn.execute("SELECT state FROM alerts").fetchone() == ("checking",)

    _write(conn, household_id, "pendant", SensorKind.ALARM, 0, now)  # "I'm fine"
    DetectionService(database_url=database_url, alert_config=config).pass_once(
        conn, now + dt.timedelta(seconds=5)
    )
    DetectionService(database_url=database_url, alert_config=config).pass_once(
        conn, now + dt.timedelta(seconds=9)
    )

    assert conn.execute("SELECT state, outcome FROM alerts").fetchone() == ("resolved", "person_checked_in")
    assert conn.execute("SELECT count(*) FROM checkins").fetchone() == (1,), "a replayed press counts once"
