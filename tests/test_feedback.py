"""Learning from outcomes: false alarms widen a household's limit for that watchdog and time of
day (bounded), real incidents narrow it back, and a true collapse is still caught."""

import dataclasses
import datetime as dt

import psycopg

import store
from alerts import Outcome, resolve_alert, route_findings
from alerts.cli import alert_config
from detection import Device, Engine, Home, RoutineBaseline, learn_from_outcomes, lessons_of
from detection._feedback import CAP, STEP, Lesson, band_of, describe_lesson, learn
from devices import DeviceRole, SensorKind
from telecare.settings import Settings
from tests.conftest import register_standard_home

Conn = psycopg.Connection[psycopg.rows.TupleRow]
MONDAY = dt.datetime(2026, 1, 12, tzinfo=dt.UTC)  # winter: London is on UTC


def _at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return MONDAY + dt.timedelta(days=day, hours=hh, minutes=mm)


def _alert_resolved(conn: Conn, household: str, at: dt.datetime, outcome: Outcome) -> None:
    """An inactivity finding at `at`, routed to an alert, closed by a responder with `outcome`."""
    finding = store.Finding(
        household=household,
        condition_key="inactivity",
        kind="inactivity",
        severity="urgent",
        onset=at - dt.timedelta(minutes=50),
        message="No movement since 14:00 (50 min)",
        evidence={},
    )
    config = alert_config(Settings())
    store.reconcile_findings(conn, ["inactivity"], [finding], at)
    route_findings(conn, config, at)
    row = conn.execute("SELECT id FROM alerts WHERE state <> 'resolved'").fetchone()
    assert row is not None
    resolve_alert(
        conn, row[0], outcome, by="duty-1", note=None, now=at + dt.timedelta(minutes=5), config=config
    )
    store.reconcile_findings(conn, ["inactivity"], [], at + dt.timedelta(minutes=6))
    route_findings(conn, config, at + dt.timedelta(minutes=6))


def _engine(household: str, learned: dict[str, dict[tuple[str, int], float]]) -> Engine:
    """A home whose person is never still for long by day: a 50-min inactivity limit at 14:00."""
    home = Home(
        id=household,
        timezone="Europe/London",
        devices={
            "kitchen-pir": Device(
                DeviceRole.KITCHEN_MOTION, "kitchen", frozenset({SensorKind.MOTION, SensorKind.TEMPERATURE})
            ),
            "front-door": Device(DeviceRole.FRONT_DOOR, "hall", frozenset({SensorKind.CONTACT})),
        },
    )
    engine = Engine([home])
    learned_day = dataclasses.replace(
        RoutineBaseline().fit_empty(),
        days_learned_=28,
        quiet_limit_=(50 * 60.0,) * 48,
        quiet_usual_=(30 * 60.0,) * 48,
    )
    engine.set_baselines({household: learned_day})
    engine.set_adjustments(learned)
    return engine


def _still_from_two(engine: Engine, household: str, day: int, *, until: dt.datetime) -> list[dt.datetime]:
    """Seen in the kitchen at 14:00, then still (the kitchen thermometer reporting every 10 min)
    until `until` (or 17:00). When inactivity was raised, if it was."""
    t = _at(day, 13, 50).timestamp()
    engine.observe(household, "kitchen-pir", SensorKind.MOTION, 1, t)
    engine.observe(household, "kitchen-pir", SensorKind.MOTION, 1, _at(day, 14).timestamp())
    raised = []
    now = _at(day, 14).timestamp()
    while now < min(until, _at(day, 17)).timestamp():
        now += 60
        if now % 600 == 0:
            engine.observe(household, "kitchen-pir", SensorKind.TEMPERATURE, 20.0, now)
        engine.tick(now)
        episode = engine.open.get((household, "inactivity"))
        if episode is not None and episode.detected_at == now:
            raised.append(dt.datetime.fromtimestamp(now, dt.UTC))
    return raised


def test_repeated_false_alarms_at_two_stop_while_a_collapse_at_two_is_still_caught(
    conn: Conn, database_url: str, household_id: str
) -> None:
    register_standard_home(database_url, household_id)
    # She reads after lunch without moving for about 70 minutes; each time a responder rings,
    # she is fine, and the alert is closed as a false alarm.
    still_for_70_min = _at(7, 15, 10)
    assert _still_from_two(_engine(household_id, {}), household_id, 7, until=still_for_70_min) == [
        _at(7, 14, 51)
    ], "before any lesson, 70 minutes still at 14:00 is an alert"
    for day in range(3):
        _alert_resolved(conn, household_id, _at(day, 14, 50), Outcome.FALSE_ALARM)

    learned = learn_from_outcomes(conn, _at(6, 9))
    assert learned == {household_id: {("inactivity", 7): STEP**3}}  # 14:00-16:00 is band 7
    (lesson,) = lessons_of(conn, household_id)
    assert (
        describe_lesson(lesson) == "The inactivity limit for 14:00-16:00 is 95 % wider after 3 false alarms."
    )

    engine = _engine(household_id, learned)
    assert _still_from_two(engine, household_id, 7, until=still_for_70_min) == [], "the lesson is learned"

    collapse = _still_from_two(engine, household_id, 8, until=_at(9, 0))
    limit = 50 * STEP**3
    assert collapse == [_at(8, 14) + dt.timedelta(minutes=int(limit) + 1)], "still caught, within the bound"
    message = engine.open[(household_id, "inactivity")].message
    assert "widened by 95 % at this time of day" in message

    # A true collapse closed by an ambulance moves the limit back a step.
    _alert_resolved(conn, household_id, _at(8, 15, 38), Outcome.EMERGENCY_SERVICES)
    assert learn_from_outcomes(conn, _at(9, 9)) == {household_id: {("inactivity", 7): STEP**2}}
    assert store.false_alarms_by_month(conn, household_id, months=2, now=_at(9, 9)) == [
        (dt.date(2025, 12, 1), 0),
        (dt.date(2026, 1, 1), 3),
    ]


def test_the_rule_is_bounded_both_ways_and_forgets_nothing_else() -> None:
    many_false = [("inactivity", 7, "false_alarm")] * 10
    assert learn(many_false)[("inactivity", 7)] == Lesson("inactivity", 7, CAP, 10, 0)
    back = learn([*many_false, *[("inactivity", 7, "hospital_admission")] * 10])[("inactivity", 7)]
    assert back.factor == 1.0
    assert (back.false_alarms, back.real_incidents) == (10, 10)
    # Other bands, other watchdogs and outcomes that say nothing are left alone.
    assert learn([("inactivity", 3, "resolved_by_phone"), ("night_exit", 1, "false_alarm")]) == {}
    assert band_of("not_up", _at(0, 14).timestamp(), "Europe/London") == 0
    assert band_of("inactivity", _at(0, 23, 59).timestamp(), "Europe/London") == 11
