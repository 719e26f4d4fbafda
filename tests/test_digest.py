"""The daily reassurance digest end to end, against real PostgreSQL, a real SMTP server and a real
webhook receiver: at the carer's time, once a day, through restarts, quiet hours and outages."""

import dataclasses
import datetime as dt
import logging
import threading

import psycopg
import pytest
from psycopg.rows import TupleRow
from typer.testing import CliRunner

import alerts._digests
import store
from alerts import (
    AlertConfig,
    AlertService,
    Dispatcher,
    DispatchPass,
    Outcome,
    TeamChannels,
    household_day_status,
    resolve_alert,
    route_findings,
    send_due_digests,
    set_route,
)
from alerts._digests import NO_STATUS
from alerts.cli import alerts_app
from devices import (
    ContactEntry,
    DeviceEntry,
    HouseholdEntry,
    MonitoringState,
    Reading,
    RegistryFile,
    SensorKind,
)
from tests.receivers import HttpReceiver, Received, SmtpReceiver
from tests.services import wait_until
from tests.test_digest_status import DAY, HOME, a_day, at, learned_baseline

Conn = psycopg.Connection[TupleRow]
KINDS = ("alarm_pressed", "fall_detected", "battery_low")
DUTY = "duty@team.example"
JANE = "jane@example.org"
MONDAY = DAY + dt.timedelta(days=1)
TO = "\u2013"


@pytest.fixture
def config(smtp: SmtpReceiver, webhooks: HttpReceiver) -> AlertConfig:
    return AlertConfig(
        teams=TeamChannels(duty_team=(smtp.url(DUTY),), device_team=(webhooks.url("device-team"),)),
        duty_team_phone="0300 123 4567",
    )


def _register(
    conn: Conn,
    *contacts: ContactEntry,
    household: str = "h-mum",
    timezone: str = "Europe/London",
    state: MonitoringState = MonitoringState.ACTIVE,
) -> None:
    entry = HouseholdEntry(
        id=household,
        timezone=timezone,
        display_name="Mrs Brown",
        monitoring_state=state,
        away_until=at(DAY, "00:00") + dt.timedelta(days=7) if state is MonitoringState.AWAY else None,
        contacts=contacts,
    )
    devices = tuple(
        DeviceEntry(household=household, id=name, role=spec.role, room=spec.room, sensors=spec.sensors)
        for name, spec in HOME.devices.items()
    )
    store.import_registry(conn, RegistryFile(households=(entry,), devices=devices))


def _live_the_day(conn: Conn, household: str = "h-mum") -> None:
    """Yesterday and today's readings, and the routine learned over the two weeks before."""
    readings = a_day(DAY - dt.timedelta(days=1)) + a_day(DAY)
    store.ReadingWriter(conn).write(
        [
            Reading(
                household=household,
                device=device,
                sensor=SensorKind(sensor),
                value=value,
                ts=ts,
                received_at=ts,
            )
            for ts, device, sensor, value in readings
        ]
    )
    baseline = learned_baseline()
    store.save_baselines(conn, [(household, baseline.days_learned_, baseline.to_json())], at(DAY, "03:00"))


def _found(household: str, kind: str, onset: dt.datetime) -> store.Finding:
    return store.Finding(
        household=household,
        condition_key=kind,
        kind=kind,
        severity="routine",
        onset=onset,
        message="Details of what was found.",
        evidence={},
    )


def _detect(conn: Conn, config: AlertConfig, now: dt.datetime, *current: store.Finding) -> None:
    """Detection's pass (these findings hold now, no others), then the router's."""
    store.reconcile_findings(conn, KINDS, current, now)
    while route_findings(conn, config, now):
        pass


def _digests(conn: Conn, config: AlertConfig, now: dt.datetime) -> int:
    """The service's digest pass at `now`: digests written."""
    written = 0
    while batch := send_due_digests(conn, config, now):
        written += batch
    return written


def _deliver(conn: Conn, config: AlertConfig, now: dt.datetime) -> DispatchPass:
    dispatcher = Dispatcher(config=config)
    passes = [DispatchPass(0, 0, 0, 0)]
    while (batch := dispatcher.dispatch_due(conn, now)).claimed:
        passes.append(batch)
    return DispatchPass(*(sum(counts) for counts in zip(*map(dataclasses.astuple, passes), strict=True)))


def _rows(conn: Conn, query: str, *params: object) -> list[TupleRow]:
    rows = conn.execute(query.encode(), params).fetchall()
    conn.commit()
    return rows


def _digest_titles(received: list[Received]) -> list[str]:
    return [m.title for m in received if m.title.startswith("Daily update")]


def test_a_family_carer_gets_one_kind_digest_at_their_time_by_each_channel(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    jane = ContactEntry(
        name="Jane",
        relationship="daughter",
        channels=(smtp.url(JANE), webhooks.url("jane")),
        quiet_hours="22:00-07:00",
        digest_at=dt.time(18),
    )
    tom = ContactEntry(name="Tom", channels=(webhooks.url("tom"),))  # no digest: news as it comes
    _register(conn, jane, tom)
    _live_the_day(conn)
    battery = _found("h-mum", "battery_low", at(DAY, "09:12"))
    _detect(conn, config, at(DAY, "09:12"), battery)
    _detect(conn, config, at(DAY, "14:00"), battery, _found("h-mum", "alarm_pressed", at(DAY, "14:00")))
    _deliver(conn, config, at(DAY, "14:00"))
    [(alarm,)] = _rows(conn, "SELECT id FROM alerts WHERE kind = 'alarm_pressed'")
    resolve_alert(
        conn,
        alarm,
        Outcome.RESOLVED_BY_PHONE,
        by="ann",
        note="pressed by mistake",
        now=at(DAY, "14:05"),
        config=config,
    )
    _deliver(conn, config, at(DAY, "14:05"))
    during_the_day = {m.title for m in smtp.inbox.to(JANE)}

    before = _digests(conn, config, at(DAY, "17:59"))
    due = _digests(conn, config, at(DAY, "18:00"))
    _deliver(conn, config, at(DAY, "18:00"))
    again = _digests(conn, config, at(DAY, "18:30"))
    _deliver(conn, config, at(DAY, "18:30"))

    assert (before, due, again) == (0, 1, 0)
    # Jane heard of the alarm as it happened; the battery waited for her digest.
    assert during_the_day == {
        "The pendant alarm was pressed (Mrs Brown)",
        "Update: The pendant alarm was pressed (Mrs Brown)",
    }
    [by_mail] = [m for m in smtp.inbox.to(JANE) if m.title.startswith("Daily update")]
    [by_webhook] = [m for m in webhooks.inbox.to("jane") if m.title.startswith("Daily update")]
    assert by_mail.title == by_webhook.title == "Daily update: Mrs Brown, Sun 22 Nov"
    assert (
        by_mail.body.splitlines()
        == by_webhook.body.splitlines()
        == [
            "Apart from today's alert, the day looks as usual: "
            f"up at 07:40, kettle used 4 times, out 10:05{TO}11:30.",
            "The pendant alarm was pressed at 14:00: "
            "the duty team spoke to Mrs Brown by phone and it is settled.",
            "For your information:",
            "- A sensor's battery is low (noticed at 09:12 on Sun 22 Nov): our device team will see to it; "
            "there is nothing you need to do.",
            "You can reach the duty team on 0300 123 4567.",
        ]
    )
    assert by_mail.key
    assert by_webhook.key
    assert by_mail.key != by_webhook.key  # one key per channel
    assert _digest_titles(webhooks.inbox.to("tom")) == []
    assert "A sensor's battery is low (Mrs Brown)" in {m.title for m in webhooks.inbox.to("tom")}
    assert _rows(conn, "SELECT c.name, d.day FROM digests d JOIN contacts c ON c.id = d.contact_id") == [
        ("Jane", DAY)
    ]
    assert _rows(conn, "SELECT count(*) FROM digest_entries WHERE digest_id IS NULL") == [(0,)]
    assert _rows(conn, "SELECT actor, detail->>'held' FROM audit_events WHERE action = 'digest.written'") == [
        ("system:digest", "1")
    ]


def test_a_day_with_nothing_to_report_still_sends_the_reassurance(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver
) -> None:
    _register(conn, ContactEntry(name="Jane", channels=(webhooks.url("jane"),), digest_at=dt.time(18, 30)))
    _live_the_day(conn)

    _digests(conn, config, at(DAY, "18:30"))
    _deliver(conn, config, at(DAY, "18:30"))

    [digest] = webhooks.inbox.to("jane")
    assert digest.body.splitlines() == [
        f"All looks as usual today: up at 07:40, kettle used 4 times, out 10:05{TO}11:30.",
        "No alerts today.",
        "You can reach the duty team on 0300 123 4567.",
    ]
    status = household_day_status(conn, "h-mum", now=at(DAY, "18:30"))
    assert status.sentence == digest.body.splitlines()[0]
    assert (status.kettle_uses, status.usual) == (4, True)


def test_a_digest_missed_while_down_is_sent_once_when_back_that_day_held_past_quiet_hours_never_the_next_day(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver
) -> None:
    jane = ContactEntry(
        name="Jane", channels=(webhooks.url("jane"),), quiet_hours="22:00-07:00", digest_at=dt.time(21, 30)
    )
    tom = ContactEntry(name="Tom", channels=(webhooks.url("tom"),), digest_at=dt.time(23))
    _register(conn, jane, tom)
    _live_the_day(conn)
    _detect(conn, config, at(DAY, "20:00"), _found("h-mum", "battery_low", at(DAY, "20:00")))

    # The alerts service is down from 21:15 until 22:30 (Jane's time passed), then from 22:45
    # until 00:30 on Monday (Tom's time passed, and Sunday with it).
    early = _digests(conn, config, at(DAY, "21:00"))
    back = _digests(conn, config, at(DAY, "22:30"))
    _deliver(conn, config, at(DAY, "22:30"))
    delivered_at_night = len(webhooks.inbox.to("jane"))
    after_midnight = _digests(conn, config, at(MONDAY, "00:30"))
    _deliver(conn, config, at(MONDAY, "06:59"))
    before_morning = len(webhooks.inbox.to("jane"))
    _deliver(conn, config, at(MONDAY, "07:00"))
    morning = len(webhooks.inbox.to("jane"))
    monday_morning = _digests(conn, config, at(MONDAY, "07:00"))
    monday_night = _digests(conn, config, at(MONDAY, "23:00"))
    _deliver(conn, config, at(MONDAY, "23:00"))

    # Monday night: Jane's Monday digest (held for her morning) and Tom's.
    assert (early, back, after_midnight, monday_morning, monday_night) == (0, 1, 0, 0, 2)
    assert (delivered_at_night, before_morning, morning) == (0, 0, 1)
    [jane_sunday] = webhooks.inbox.to("jane")
    assert jane_sunday.title == "Daily update: Mrs Brown, Sun 22 Nov"
    assert "A sensor's battery is low (noticed at 20:00 on Sun 22 Nov)" in jane_sunday.body
    # Tom's Sunday digest was never sent (it would be yesterday's news); the battery news it
    # would have carried waited for Monday's, which says honestly that it knows nothing of Monday.
    [tom_monday] = webhooks.inbox.to("tom")
    assert tom_monday.title == "Daily update: Mrs Brown, Mon 23 Nov"
    assert tom_monday.body.splitlines()[0] == (
        "We have had no readings from the home today, so we cannot say how the day has gone."
    )
    assert "A sensor's battery is low (noticed at 20:00 on Sun 22 Nov)" in tom_monday.body
    assert _rows(
        conn, "SELECT c.name, d.day FROM digests d JOIN contacts c ON c.id = d.contact_id ORDER BY d.id"
    ) == [
        ("Jane", DAY),
        ("Jane", MONDAY),
        ("Tom", MONDAY),
    ]


def _noon_somewhere() -> tuple[str, dt.datetime]:
    """A fixed-offset zone where it is now around midday, and the local time now: the real-clock
    test then never straddles a local midnight."""
    now = dt.datetime.now(dt.UTC)
    shift = 12 - now.hour  # hours east of UTC
    shift = max(-11, min(shift, 12))
    zone = f"Etc/GMT{-shift:+d}" if shift else "Etc/UTC"
    return zone, now.astimezone(dt.timezone(dt.timedelta(hours=shift)))


def test_a_restart_never_sends_a_days_digest_twice(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver, database_url: str
) -> None:
    zone, local_now = _noon_somewhere()
    digest_at = (local_now - dt.timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    _register(
        conn, ContactEntry(name="Jane", channels=(webhooks.url("jane"),), digest_at=digest_at), timezone=zone
    )

    def run_service_until(done: str, condition: object) -> None:
        stop = threading.Event()
        service = AlertService(database_url=database_url, config=config)
        running = threading.Thread(target=service.run, args=(stop,), name="alerts-service")
        running.start()
        try:
            wait_until(condition, timeout=15, what=done)  # type: ignore[arg-type]
        finally:
            stop.set()
            running.join(15)
        assert not running.is_alive()

    run_service_until("the digest", lambda: len(webhooks.inbox.received) == 1)
    # Restarted: the new process routes a fall (so it has made its passes) and sends no digest.
    now = dt.datetime.now(dt.UTC)
    store.reconcile_findings(conn, KINDS, [_found("h-mum", "fall_detected", now)], now)
    run_service_until("the fall", lambda: len(webhooks.inbox.received) == 2)
    # Two more processes, side by side, find nothing due either.
    written: list[int] = []

    def digest_process() -> None:
        with store.connect(database_url) as own:
            written.append(send_due_digests(own, config, dt.datetime.now(dt.UTC)))

    processes = [threading.Thread(target=digest_process) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()

    assert written == [0, 0]
    assert [m.title.split(":")[0] for m in webhooks.inbox.received] == [
        "Daily update",
        "A fall was detected (Mrs Brown)",
    ]
    assert _rows(conn, "SELECT count(*) FROM digests") == [(1,)]
    assert _rows(conn, "SELECT count(*) FROM notifications WHERE event = 'digest'") == [(1,)]


def test_two_processes_at_digest_time_write_each_digest_once(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver, database_url: str
) -> None:
    for home in range(6):
        _register(
            conn,
            ContactEntry(name="Jane", channels=(webhooks.url(f"jane-{home}"),), digest_at=dt.time(18)),
            ContactEntry(name="Tom", channels=(webhooks.url(f"tom-{home}"),), digest_at=dt.time(17)),
            household=f"h-{home}",
        )
    start = threading.Barrier(2)
    written: list[int] = []

    def digest_process() -> None:
        with store.connect(database_url) as own:
            start.wait()
            written.append(_digests(own, config, at(DAY, "18:00")))

    processes = [threading.Thread(target=digest_process) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    _deliver(conn, config, at(DAY, "18:00"))

    assert sum(written) == 12
    assert len(webhooks.inbox.received) == len({m.recipient for m in webhooks.inbox.received}) == 12


def test_a_contact_unreachable_for_their_digest_is_raised_to_the_duty_team(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    jane = ContactEntry(
        name="Jane", relationship="daughter", channels=(webhooks.url("jane"),), digest_at=dt.time(18)
    )
    _register(conn, jane)
    _live_the_day(conn)
    _digests(conn, config, at(DAY, "18:00"))
    webhooks.stop()

    now = at(DAY, "18:00")
    while now < at(DAY, "18:08"):
        _deliver(conn, config, now)
        now += dt.timedelta(seconds=10)
    webhooks.start()
    _deliver(conn, config, now + dt.timedelta(minutes=3))

    [problem] = smtp.inbox.to(DUTY)
    assert problem.title == "Could not reach Jane (daughter) (h-mum)"
    assert (
        "about the daily digest of Sun 22 Nov (household h-mum (Mrs Brown)). Please reach them"
        in problem.body
    )
    assert _digest_titles(webhooks.inbox.delivered) == ["Daily update: Mrs Brown, Sun 22 Nov"]
    assert _rows(conn, "SELECT count(*) FROM audit_events WHERE action = 'notification.unreachable'") == [
        (1,)
    ]


def test_a_fault_in_the_days_summary_still_sends_the_digest(
    conn: Conn,
    config: AlertConfig,
    webhooks: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _register(conn, ContactEntry(name="Jane", channels=(webhooks.url("jane"),), digest_at=dt.time(18)))
    _live_the_day(conn)

    def broken(*args: object, **kwargs: object) -> None:
        raise FloatingPointError("a fault in summarising the day")

    monkeypatch.setattr(alerts._digests, "day_status", broken)
    with caplog.at_level(logging.WARNING):
        written = _digests(conn, config, at(DAY, "18:00"))
    _deliver(conn, config, at(DAY, "18:00"))

    [digest] = webhooks.inbox.to("jane")
    assert written == 1
    assert digest.body.splitlines()[:2] == [NO_STATUS, "No alerts today."]
    assert "day status failed; digest sent without it household=h-mum error=FloatingPointError" in caplog.text


def test_an_away_home_sends_no_digest_and_holds_no_routine_news_for_one(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver
) -> None:
    _register(
        conn,
        ContactEntry(name="Jane", channels=(webhooks.url("jane"),), digest_at=dt.time(18)),
        state=MonitoringState.AWAY,
    )
    _detect(conn, config, at(DAY, "09:00"), _found("h-mum", "battery_low", at(DAY, "09:00")))

    written = _digests(conn, config, at(DAY, "18:00"))
    _deliver(conn, config, at(DAY, "18:00"))

    assert written == 0
    assert webhooks.inbox.to("jane") == []
    assert _rows(conn, "SELECT count(*) FROM digest_entries") == [(0,)]
    assert [m.title for m in webhooks.inbox.to("device-team")] == [
        "ROUTINE: A sensor's battery is low (h-mum)"
    ]


def test_the_digest_tells_of_no_alert_the_households_routing_keeps_from_its_family(
    conn: Conn, config: AlertConfig, webhooks: HttpReceiver
) -> None:
    _register(conn, ContactEntry(name="Jane", channels=(webhooks.url("jane"),), digest_at=dt.time(18)))
    _live_the_day(conn)
    set_route(conn, "h-mum", "high", ["duty_team"], by="ann", now=at(DAY, "08:00"))
    _detect(conn, config, at(DAY, "12:00"), _found("h-mum", "cold_home", at(DAY, "12:00")))

    _digests(conn, config, at(DAY, "18:00"))
    _deliver(conn, config, at(DAY, "18:00"))

    [digest] = webhooks.inbox.to("jane")
    assert digest.body.splitlines()[:2] == [
        f"All looks as usual today: up at 07:40, kettle used 4 times, out 10:05{TO}11:30.",
        "No alerts today.",
    ]


def test_todays_status_from_the_command_line(
    conn: Conn, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _register(conn, ContactEntry(name="Jane"))
    monkeypatch.setenv("TELECARE_DATABASE_URL", database_url)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        known = CliRunner().invoke(alerts_app, ["today", "h-mum"])
        unknown = CliRunner().invoke(alerts_app, ["today", "h-nobody"])
    finally:
        root.handlers[:], root.level = handlers, level

    # Nothing has been heard from this home on the real clock's today.
    assert (known.exit_code, known.output) == (
        0,
        "We have had no readings from the home today, so we cannot say how the day has gone.\n",
    )
    assert (unknown.exit_code, unknown.output) == (1, "there is no household 'h-nobody'\n")


def test_the_clocks_changing_neither_skips_nor_doubles_a_digest(conn: Conn, config: AlertConfig) -> None:
    _register(
        conn, ContactEntry(name="Jane", channels=("json://127.0.0.1:9/jane",), digest_at=dt.time(1, 30))
    )
    utc = dt.UTC

    # Spring forward (29 March 2026): 01:30 never happens in London; the digest goes at 02:00.
    before_the_change = _digests(conn, config, dt.datetime(2026, 3, 29, 0, 59, tzinfo=utc))  # 00:59 GMT
    after_the_change = _digests(conn, config, dt.datetime(2026, 3, 29, 1, 0, tzinfo=utc))  # 02:00 BST
    # Fall back (25 October 2026): 01:30 happens twice; the digest goes at the first.
    first_half_past_one = _digests(conn, config, dt.datetime(2026, 10, 25, 0, 30, tzinfo=utc))  # BST
    second_half_past_one = _digests(conn, config, dt.datetime(2026, 10, 25, 1, 30, tzinfo=utc))  # GMT

    assert (before_the_change, after_the_change, first_half_past_one, second_half_past_one) == (0, 1, 1, 0)
    assert _rows(conn, "SELECT day FROM digests ORDER BY id") == [
        (dt.date(2026, 3, 29),),
        (dt.date(2026, 10, 25),),
    ]
