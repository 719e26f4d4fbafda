"""The detection service against the store: findings written, cleared, never duplicated."""

import datetime as dt
import threading
from typing import Any

import psycopg
import pytest

import store
from alerts._router import route_findings
from alerts.cli import alert_config
from detection import _service as detection_service
from detection._baseline import RoutineBaseline
from detection._service import DetectionService, fit_baselines, load_homes
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


def _ordinary_day(conn: Conn, household: str, day: dt.date, rise_hour: float) -> None:
    """In bed from 22:00 the evening before; up at `rise_hour`, then about the kitchen."""
    at = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    _write(conn, household, "bed-mat", SensorKind.OCCUPANCY, 1, at - dt.timedelta(hours=2))
    risen = at + dt.timedelta(hours=rise_hour)
    _write(conn, household, "bed-mat", SensorKind.OCCUPANCY, 0, risen)
    for minutes in range(1, 12 * 60, 30):
        _write(conn, household, "kitchen-pir", SensorKind.MOTION, 1, risen + dt.timedelta(minutes=minutes))


def test_a_day_with_a_concern_is_not_learned_as_usual_unless_it_was_a_false_alarm(
    conn: Conn, database_url: str, household_id: str
) -> None:
    # Nine mornings up at 07:00 and one in bed until 12:30 with a 'not up' concern raised: that
    # morning must not teach that rising at 12:30 is usual (which would hide the next one),
    # unless a responder found it a false alarm (then it was an ordinary lie-in).
    register_standard_home(database_url, household_id)
    first = dt.date(2026, 1, 5)
    for n in range(10):
        _ordinary_day(conn, household_id, first + dt.timedelta(days=n), 12.5 if n == 8 else 7.0)
    late = dt.datetime.combine(first + dt.timedelta(days=8), dt.time(9, 0), tzinfo=dt.UTC)
    finding = conn.execute(
        """INSERT INTO findings (household_id, condition_key, kind, severity, onset, detected_at,
                                 updated_at, cleared_at, message)
           VALUES (%s, 'not_up', 'not_up', 'high', %s, %s, %s, %s, 'not up') RETURNING id""",
        (household_id, late, late, late, late + dt.timedelta(hours=3)),
    ).fetchone()
    assert finding is not None
    conn.commit()
    homes, _ = load_homes(conn)
    now = dt.datetime.combine(first + dt.timedelta(days=10), dt.time(1, 0), tzinfo=dt.UTC)

    weekday_rising, _ = fit_baselines(conn, homes, now)[household_id].latest_rising_
    assert weekday_rising < 8 * 3600

    alert = conn.execute(
        """INSERT INTO alerts (household_id, condition_key, kind, severity, state, onset, created_at,
                               updated_at, message, evidence, last_finding_id, resolved_at, outcome)
           VALUES (%s, 'not_up', 'not_up', 'high', 'resolved', %s, %s, %s, 'not up', '{}', %s, %s,
                   'false_alarm') RETURNING id""",
        (household_id, late, late, late, finding[0], late + dt.timedelta(hours=1)),
    ).fetchone()
    assert alert is not None
    conn.execute("INSERT INTO alert_findings (finding_id, alert_id) VALUES (%s, %s)", (finding[0], alert[0]))
    conn.commit()
    weekday_rising, _ = fit_baselines(conn, homes, now)[household_id].latest_rising_
    assert weekday_rising > 12.5 * 3600


def test_a_pendant_press_is_raised_while_the_daily_refit_is_still_running(
    conn: Conn, database_url: str, household_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # For a large service the refit takes minutes: the service runs it in a thread of its own,
    # so the passes that raise an emergency never wait for it. The gate holds the refit open.
    register_standard_home(database_url, household_id)
    gate = threading.Event()
    real_fit = detection_service.fit_baselines

    def slow_fit(*args: Any, **kwargs: Any) -> dict[str, RoutineBaseline]:
        assert gate.wait(timeout=60)
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(detection_service, "fit_baselines", slow_fit)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    service = DetectionService(database_url=database_url)
    service.pass_once(conn, now, refit_aside=True)  # starts the refit, which waits at the gate
    _write(conn, household_id, "pendant", SensorKind.ALARM, 1, now + dt.timedelta(seconds=1))
    service.pass_once(conn, now + dt.timedelta(seconds=2), tick=False, refit_aside=True)
    assert _findings(conn) == [("alarm_pressed", "urgent", True)]
    assert conn.execute("SELECT count(*) FROM baselines").fetchone() == (0,)
    conn.commit()

    gate.set()
    refit = service._refit_thread
    assert refit is not None
    refit.join(timeout=60)
    service.pass_once(conn, now + dt.timedelta(seconds=3), tick=False, refit_aside=True)
    assert conn.execute("SELECT household_id, version FROM baselines").fetchall() == [(household_id, 1)]
    assert _findings(conn) == [("alarm_pressed", "urgent", True)]
