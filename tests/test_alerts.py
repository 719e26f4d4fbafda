"""Alerts end to end against real PostgreSQL, a real SMTP server and a real webhook receiver:
findings in, alerts routed and escalated on a controllable clock, messages delivered once."""

import dataclasses
import datetime as dt
import logging
import os
import re
import signal
import subprocess
import sys
import threading

import psycopg
import pytest
from psycopg.rows import TupleRow

import store
from alerts import (
    AlertConfig,
    AlertService,
    CheckinSource,
    Dispatcher,
    DispatchPass,
    Outcome,
    TeamChannels,
    acknowledge_alert,
    checkin_by_token,
    issue_checkin_token,
    record_checkin,
    resolve_alert,
    route_findings,
    run_timers,
)
from alerts._retry import LEASE
from devices import ContactEntry, HouseholdEntry, RegistryFile
from tests.receivers import HttpReceiver, SmtpReceiver
from tests.services import REPO, wait_until

Conn = psycopg.Connection[TupleRow]
# A Sunday morning in November: London keeps GMT, so local times read as UTC.
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
KINDS = (
    "alarm_pressed",
    "fall_detected",
    "smoke",
    "not_up",
    "cold_home",
    "battery_low",
    "inactivity",
)
DUTY = "duty@team.example"
SUPERVISOR = "supervisor@team.example"
JANE = "jane@example.org"


@pytest.fixture
def config(smtp: SmtpReceiver, webhooks: HttpReceiver) -> AlertConfig:
    return AlertConfig(
        teams=TeamChannels(
            duty_team=(smtp.url(DUTY),),
            supervisor=(smtp.url(SUPERVISOR),),
            device_team=(webhooks.url("device-team"),),
        ),
        duty_team_phone="0300 123 4567",
    )


def _jane(smtp: SmtpReceiver, webhooks: HttpReceiver) -> ContactEntry:
    return ContactEntry(
        name="Jane",
        relationship="daughter",
        channels=(smtp.url(JANE), webhooks.url("jane")),
        quiet_hours="22:00-07:00",
    )


def _register(
    conn: Conn, *contacts: ContactEntry, household: str = "h-mum", checkin_minutes: int = 0
) -> None:
    entry = HouseholdEntry(
        id=household, timezone="Europe/London", display_name="Mrs Brown", contacts=contacts
    )
    store.import_registry(conn, RegistryFile(households=(entry,)))
    if checkin_minutes:
        conn.execute(
            "UPDATE households SET checkin_window = %s WHERE id = %s",
            (dt.timedelta(minutes=checkin_minutes), household),
        )
        conn.commit()


def _found(
    household: str, kind: str, onset: dt.datetime, message: str = "Details of what was found."
) -> store.Finding:
    return store.Finding(
        household=household,
        condition_key=kind,
        kind=kind,
        severity="routine",  # the alerts service sets severity from the kind
        onset=onset,
        message=message,
        evidence={"seen": message},
    )


def _detect(conn: Conn, now: dt.datetime, *current: store.Finding) -> None:
    """What detection does each pass: these findings hold now, and no others."""
    store.reconcile_findings(conn, KINDS, current, now)


def _route(conn: Conn, config: AlertConfig, now: dt.datetime) -> None:
    while route_findings(conn, config, now):
        pass


def _tick(conn: Conn, config: AlertConfig, now: dt.datetime) -> None:
    """One turn of the service's router-and-timer loop."""
    _route(conn, config, now)
    run_timers(conn, config, now)


def _deliver(conn: Conn, config: AlertConfig, now: dt.datetime) -> DispatchPass:
    """Dispatch until nothing more is due at `now`; the passes' counts added up."""
    dispatcher = Dispatcher(config=config)
    passes = [DispatchPass(0, 0, 0, 0)]
    while (batch := dispatcher.dispatch_due(conn, now)).claimed:
        passes.append(batch)
    return DispatchPass(*(sum(counts) for counts in zip(*map(dataclasses.astuple, passes), strict=True)))


def _rows(conn: Conn, query: str, *params: object) -> list[TupleRow]:
    rows = conn.execute(query.encode(), params).fetchall()
    conn.commit()  # leave the connection idle, so the next pass commits its own transaction
    return rows


def _alert_states(conn: Conn) -> list[TupleRow]:
    return _rows(conn, "SELECT kind, severity, state, outcome, occurrences FROM alerts ORDER BY id")


def test_an_urgent_alert_reaches_the_duty_team_and_the_family_by_their_channels(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    _detect(conn, T0, _found("h-mum", "alarm_pressed", T0 - dt.timedelta(seconds=20), "Pressed twice."))

    _route(conn, config, T0)
    delivered = _deliver(conn, config, T0)

    assert delivered.sent == 3
    [duty], [by_mail], [by_webhook] = smtp.inbox.to(DUTY), smtp.inbox.to(JANE), webhooks.inbox.to("jane")
    assert duty.title == "URGENT: The pendant alarm was pressed (h-mum)"
    assert "household h-mum (Mrs Brown). Pressed twice." in duty.body
    assert "Acknowledge by 10:01:00 on Sun 22 Nov." in duty.body
    assert by_mail.title == by_webhook.title == "The pendant alarm was pressed (Mrs Brown)"
    assert (
        by_mail.body
        == by_webhook.body
        == (
            "The pendant alarm was pressed at 09:59 on Sun 22 Nov. Pressed twice. The duty team has been "
            "alerted and is contacting Mrs Brown now. You can reach the duty team on 0300 123 4567."
        )
    )
    assert all(m.key for m in smtp.inbox.received + webhooks.inbox.received)
    assert webhooks.inbox.to("device-team") == []
    assert _alert_states(conn) == [("alarm_pressed", "urgent", "open", None, 1)]
    assert _rows(conn, "SELECT DISTINCT state, attempts FROM notifications") == [("sent", 1)]


def test_quiet_hours_hold_routine_and_high_news_for_family_but_never_urgent(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    tom = ContactEntry(name="Tom", channels=(webhooks.url("tom"),), digest_at=dt.time(19))
    _register(conn, _jane(smtp, webhooks), tom)
    night = dt.datetime(2026, 11, 22, 3, 0, tzinfo=dt.UTC)
    _detect(
        conn,
        night,
        _found("h-mum", "smoke", night),
        _found("h-mum", "cold_home", night),
        _found("h-mum", "battery_low", night),
    )
    _route(conn, config, night)

    _deliver(conn, config, night)
    _deliver(conn, config, night.replace(hour=6, minute=59))
    at_night = {m.title for m in smtp.inbox.to(JANE)}
    _deliver(conn, config, night.replace(hour=7))

    assert at_night == {"Smoke was detected (Mrs Brown)"}
    assert {m.title for m in smtp.inbox.to(JANE)[1:]} == {
        "The home is cold (Mrs Brown)",
        "A sensor's battery is low (Mrs Brown)",
    }
    assert sorted(m.title.split(":")[0] for m in smtp.inbox.to(DUTY)) == ["HIGH", "URGENT"]
    assert [m.title for m in webhooks.inbox.to("device-team")] == [
        "ROUTINE: A sensor's battery is low (h-mum)"
    ]
    # Tom keeps no quiet hours and takes routine news in his evening digest instead.
    assert {m.title for m in webhooks.inbox.to("tom")} == {
        "Smoke was detected (Mrs Brown)",
        "The home is cold (Mrs Brown)",
    }
    assert _rows(
        conn,
        "SELECT a.kind FROM digest_entries d JOIN alerts a ON a.id = d.alert_id"
        " JOIN contacts c ON c.id = d.contact_id WHERE c.name = 'Tom'",
    ) == [("battery_low",)]


def test_news_held_for_the_morning_is_withdrawn_if_the_alert_ends_overnight(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    night = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)
    _detect(conn, night, _found("h-mum", "cold_home", night))
    _route(conn, config, night)
    _deliver(conn, config, night)
    _detect(conn, night + dt.timedelta(hours=1))  # the heating came back on
    _route(conn, config, night + dt.timedelta(hours=1))
    _deliver(conn, config, night.replace(hour=8))

    assert smtp.inbox.to(JANE) == []
    assert webhooks.inbox.to("jane") == []
    assert [m.title for m in smtp.inbox.to(DUTY)] == [
        "HIGH: The home is cold (h-mum)",
        "Resolved: The home is cold (h-mum)",
    ]
    assert _alert_states(conn) == [("cold_home", "high", "resolved", "condition_cleared", 1)]


def test_an_unacknowledged_urgent_alert_escalates_at_its_deadline_and_an_acknowledged_one_does_not(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    _register(conn, household="h-dad")
    _detect(conn, T0, _found("h-mum", "fall_detected", T0), _found("h-dad", "fall_detected", T0))
    _route(conn, config, T0)
    [dad] = _rows(conn, "SELECT id FROM alerts WHERE household_id = 'h-dad'")
    acknowledge_alert(
        conn, dad[0], by="ann", note="calling now", now=T0 + dt.timedelta(seconds=30), config=config
    )

    early = run_timers(conn, config, T0 + dt.timedelta(seconds=59))
    due = run_timers(conn, config, T0 + dt.timedelta(seconds=60))
    later = run_timers(conn, config, T0 + dt.timedelta(minutes=2))
    _deliver(conn, config, T0 + dt.timedelta(minutes=2))

    assert (early.escalated, due.escalated, later.escalated) == (0, 1, 1)
    [escalation] = smtp.inbox.to(SUPERVISOR)[:1]
    assert escalation.title == "ESCALATED: A fall was detected (h-mum)"
    assert (
        "was not acknowledged in time and is now with the supervisor (escalation 1 of 3)" in escalation.body
    )
    assert [m.title for m in smtp.inbox.to(DUTY) if m.title.startswith("ESCALATED")] == [
        "ESCALATED: A fall was detected (h-mum)"
    ] * 2
    assert _rows(conn, "SELECT household_id, state, escalation_level FROM alerts ORDER BY household_id") == [
        ("h-dad", "acknowledged", 0),
        ("h-mum", "escalated", 2),
    ]


def test_a_restart_during_a_pending_escalation_escalates_it_once(
    conn: Conn, config: AlertConfig, database_url: str
) -> None:
    _register(conn)
    _detect(conn, T0, _found("h-mum", "inactivity", T0 - dt.timedelta(hours=2)))
    _route(conn, config, T0)
    # Every alerts process was down for five minutes; two come back at the same moment.
    back = T0 + dt.timedelta(minutes=5)
    start = threading.Barrier(2)
    escalated: list[int] = []

    def timer_process() -> None:
        with store.connect(database_url) as own:
            start.wait()
            escalated.append(run_timers(own, config, back).escalated)

    processes = [threading.Thread(target=timer_process) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    escalated.append(run_timers(conn, config, back + dt.timedelta(seconds=1)).escalated)

    assert sorted(escalated) == [0, 0, 1]
    assert _rows(conn, "SELECT escalation_level, ack_deadline FROM alerts") == [
        (1, back + dt.timedelta(seconds=60))
    ]
    assert _rows(conn, "SELECT count(*) FROM audit_events WHERE action = 'alert.escalated'") == [(1,)]
    assert _rows(conn, "SELECT audience FROM notifications WHERE event = 'escalated' ORDER BY audience") == [
        ("duty_team",),
        ("supervisor",),
    ]


def test_two_dispatchers_share_the_outbox_without_sending_anything_twice(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver, database_url: str
) -> None:
    homes = [f"h-{n}" for n in range(12)]
    for home in homes:
        _register(conn, ContactEntry(name="Jane", channels=(webhooks.url(f"jane-{home}"),)), household=home)
    _detect(conn, T0, *(_found(home, "smoke", T0) for home in homes))
    _route(conn, config, T0)

    def dispatcher_process() -> None:
        with store.connect(database_url) as own:
            _deliver(own, config, T0)

    processes = [threading.Thread(target=dispatcher_process) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()

    assert len(webhooks.inbox.received) == len({m.key for m in webhooks.inbox.received}) == 12
    assert len(smtp.inbox.received) == 12  # the duty team, once per home


def test_a_receiver_down_for_a_while_gets_every_message_exactly_once_and_the_duty_team_hears_of_it(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, ContactEntry(name="Jane", relationship="daughter", channels=(webhooks.url("jane"),)))
    _detect(conn, T0, *(_found("h-mum", kind, T0) for kind in ("smoke", "fall_detected", "alarm_pressed")))
    _route(conn, config, T0)
    webhooks.stop()

    now = T0
    # Retries are at most 2 min 24 s apart: by eight minutes each has failed past the
    # five-minute mark, when the duty team is told.
    while now < T0 + dt.timedelta(minutes=8):
        _deliver(conn, config, now)
        now += dt.timedelta(seconds=10)
    problems = [m for m in smtp.inbox.to(DUTY) if m.title.startswith("Could not reach")]
    webhooks.start()
    _deliver(conn, config, now + dt.timedelta(minutes=2))
    _deliver(conn, config, now + dt.timedelta(minutes=4))

    jane = webhooks.inbox.received
    assert len(jane) == len({m.key for m in jane}) == 3
    assert {m.title for m in jane} == {
        "Smoke was detected (Mrs Brown)",
        "A fall was detected (Mrs Brown)",
        "The pendant alarm was pressed (Mrs Brown)",
    }
    assert len(problems) == 3
    for problem in problems:
        reported = re.search(
            r"We have not been able to reach Jane \(daughter\) by json for (\d+) min", problem.body
        )
        assert reported is not None
        assert 5 <= int(reported[1]) <= 8
    assert _rows(conn, "SELECT count(*) FROM audit_events WHERE action = 'notification.unreachable'") == [
        (3,)
    ]
    attempts = _rows(
        conn,
        "SELECT a.outcome, count(*) FROM notification_attempts a"
        " JOIN notifications n ON n.id = a.notification_id"
        " WHERE n.audience = 'family' GROUP BY a.outcome ORDER BY a.outcome",
    )
    assert attempts[1] == ("sent", 3)
    assert attempts[0][0] == "failed"
    assert attempts[0][1] >= 3 * 6  # capped backoff: several tries each over eight minutes


_DISPATCH_ONCE = """
import datetime as dt, sys
import store
from alerts import AlertConfig, Dispatcher
with store.connect(sys.argv[1]) as conn:
    Dispatcher(config=AlertConfig()).dispatch_due(conn, dt.datetime.fromisoformat(sys.argv[2]))
"""


def test_a_crash_between_sending_and_recording_does_not_double_send(
    conn: Conn, webhooks: HttpReceiver, database_url: str
) -> None:
    config = AlertConfig()  # no team channels: only the family's webhook is in play
    _register(conn, ContactEntry(name="Jane", channels=(webhooks.url("jane"),)))
    _detect(conn, T0, _found("h-mum", "fall_detected", T0))
    _route(conn, config, T0)
    dispatcher = subprocess.Popen(
        [sys.executable, "-c", _DISPATCH_ONCE, database_url, T0.isoformat()], cwd=REPO, env=dict(os.environ)
    )
    # The receiver has the message; its sender dies before it hears back, let alone records it.
    webhooks.on_request = lambda: dispatcher.send_signal(signal.SIGKILL)
    dispatcher.wait(60)
    webhooks.on_request = None
    assert dispatcher.returncode == -signal.SIGKILL

    before_lease_ends = _deliver(conn, config, T0 + LEASE - dt.timedelta(seconds=1))
    after = _deliver(conn, config, T0 + LEASE)

    assert (before_lease_ends.claimed, after.in_doubt, after.sent) == (0, 1, 1)
    first, second = webhooks.inbox.received
    assert first.key == second.key
    assert len(webhooks.inbox.delivered) == 1
    assert _rows(conn, "SELECT attempt, outcome FROM notification_attempts ORDER BY attempt") == [
        (1, "in_doubt"),
        (2, "sent"),
    ]


def test_repeated_findings_update_one_alert_instead_of_opening_more(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    minute = dt.timedelta(minutes=1)
    _detect(conn, T0, _found("h-mum", "alarm_pressed", T0, "Pressed at 10:00."))
    _route(conn, config, T0)
    _detect(conn, T0 + minute)  # cancelled on the pendant
    _route(conn, config, T0 + minute)
    _detect(conn, T0 + 2 * minute, _found("h-mum", "alarm_pressed", T0 + 2 * minute, "Pressed at 10:02."))
    _route(conn, config, T0 + 2 * minute)
    _detect(
        conn, T0 + 3 * minute, _found("h-mum", "alarm_pressed", T0 + 2 * minute, "Pressed at 10:02, held.")
    )
    _route(conn, config, T0 + 3 * minute)
    _deliver(conn, config, T0 + 3 * minute)

    assert _alert_states(conn) == [("alarm_pressed", "urgent", "open", None, 2)]
    assert _rows(conn, "SELECT message, condition_cleared_at FROM alerts") == [
        ("Pressed at 10:02, held.", None)
    ]
    assert _rows(conn, "SELECT count(*) FROM alert_findings") == [(2,)]
    assert len(smtp.inbox.to(DUTY)) == len(smtp.inbox.to(JANE)) == 1
    assert [a for (a,) in _rows(conn, "SELECT action FROM audit_events ORDER BY id")] == [
        "alert.opened",
        "alert.raised",
        "alert.condition_cleared",
        "alert.merged",
    ]


def test_a_cleared_condition_resolves_a_non_urgent_alert_and_tells_whoever_heard_of_it(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    _detect(conn, T0, _found("h-mum", "not_up", T0), _found("h-mum", "smoke", T0))
    _route(conn, config, T0)
    _deliver(conn, config, T0)
    later = T0 + dt.timedelta(minutes=10)
    _detect(conn, later)
    _route(conn, config, later)
    _deliver(conn, config, later)

    assert _alert_states(conn) == [
        ("not_up", "high", "resolved", "condition_cleared", 1),
        ("smoke", "urgent", "open", None, 1),
    ]
    assert _rows(conn, "SELECT resolved_by, condition_cleared_at FROM alerts WHERE kind = 'not_up'") == [
        ("system:router", later)
    ]
    [update] = [m for m in smtp.inbox.to(JANE) if m.title.startswith("Update")]
    assert (
        update.body
        == "No sign of getting up by the usual time at 10:00 on Sun 22 Nov: it has cleared on its own."
    )
    assert [m.title for m in smtp.inbox.to(DUTY)][
        -1
    ] == "Resolved: No sign of getting up by the usual time (h-mum)"


def test_every_change_is_in_an_audit_trail_that_refuses_updates_and_deletes(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks))
    _detect(conn, T0, _found("h-mum", "fall_detected", T0))
    _route(conn, config, T0)
    [(alert_id,)] = _rows(conn, "SELECT id FROM alerts")
    acknowledge_alert(
        conn, alert_id, by="ann", note="on the phone", now=T0 + dt.timedelta(seconds=40), config=config
    )
    resolve_alert(
        conn,
        alert_id,
        Outcome.RESPONDER_VISIT,
        by="ann",
        note="bruised, staying home",
        now=T0 + dt.timedelta(minutes=30),
        config=config,
    )

    trail = _rows(
        conn, "SELECT action, actor, at, detail->>'note', detail->>'outcome' FROM audit_events ORDER BY id"
    )
    assert trail == [
        ("alert.opened", "system:router", T0, None, None),
        ("alert.raised", "system:router", T0, None, None),
        ("alert.acknowledged", "ann", T0 + dt.timedelta(seconds=40), "on the phone", None),
        ("alert.resolved", "ann", T0 + dt.timedelta(minutes=30), "bruised, staying home", "responder_visit"),
    ]
    for change in (
        "UPDATE audit_events SET actor = 'mallory'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(change.encode())
        conn.rollback()
    assert len(_rows(conn, "SELECT * FROM audit_events WHERE actor <> 'mallory'")) == 4


def test_a_check_in_ends_an_alert_held_back_for_it_and_silence_raises_it(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver
) -> None:
    _register(conn, _jane(smtp, webhooks), checkin_minutes=10)
    token = issue_checkin_token(conn, "h-mum", now=T0)
    _detect(conn, T0, _found("h-mum", "not_up", T0))
    _route(conn, config, T0)
    held = _alert_states(conn)
    ended = checkin_by_token(conn, token, at=T0 + dt.timedelta(minutes=4), config=config)
    _detect(
        conn, T0 + dt.timedelta(minutes=5), _found("h-mum", "cold_home", T0), _found("h-mum", "smoke", T0)
    )
    _route(conn, config, T0 + dt.timedelta(minutes=5))
    smoke_at_once = _rows(conn, "SELECT count(*) FROM notifications")
    _tick(conn, config, T0 + dt.timedelta(minutes=14))
    still_held = _rows(conn, "SELECT state FROM alerts WHERE kind = 'cold_home'")
    _tick(conn, config, T0 + dt.timedelta(minutes=15))

    assert held == [("not_up", "high", "checking", None, 1)]
    assert ended is not None
    assert len(ended) == 1
    assert checkin_by_token(conn, "not-a-token", at=T0, config=config) is None
    assert smoke_at_once == [(3,)]  # duty team and Jane's two channels; nothing for the held alerts
    assert still_held == [("checking",)]
    assert _alert_states(conn) == [
        ("not_up", "high", "resolved", "person_checked_in", 1),
        ("cold_home", "high", "open", None, 1),
        ("smoke", "urgent", "escalated", None, 1),
    ]
    assert _rows(conn, "SELECT count(*) FROM notifications WHERE event = 'raised'") == [(6,)]
    # A pendant's cancel after the window has passed changes nothing: the duty team has it.
    assert (
        record_checkin(conn, "h-mum", CheckinSource.PENDANT, at=T0 + dt.timedelta(minutes=16), config=config)
        == []
    )
    assert _rows(conn, "SELECT source FROM checkins ORDER BY id") == [("web_link",), ("pendant",)]


def test_the_service_delivers_a_new_finding_within_moments_on_the_real_clock(
    conn: Conn, config: AlertConfig, smtp: SmtpReceiver, webhooks: HttpReceiver, database_url: str
) -> None:
    _register(conn, _jane(smtp, webhooks))
    service = AlertService(database_url=database_url, config=config)
    stop = threading.Event()
    running = threading.Thread(target=service.run, args=(stop,), name="alerts-service")
    running.start()
    try:
        now = dt.datetime.now(dt.UTC)
        _detect(conn, now, _found("h-mum", "fall_detected", now))
        wait_until(lambda: len(webhooks.inbox.received) == 1, timeout=10, what="the family's webhook")
        wait_until(
            lambda: len(smtp.inbox.received) == 2, timeout=10, what="the duty team's and family's email"
        )
    finally:
        stop.set()
        running.join(10)
    assert not running.is_alive()


def test_no_personal_data_is_logged_above_debug(
    conn: Conn,
    config: AlertConfig,
    smtp: SmtpReceiver,
    webhooks: HttpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _register(conn, _jane(smtp, webhooks))
    webhooks.stop()  # failures and retries log too
    with caplog.at_level(logging.DEBUG):
        _detect(conn, T0, _found("h-mum", "fall_detected", T0, "Mrs Brown fell in the hall."))
        _route(conn, config, T0)
        for minutes in (0, 3, 6):
            _deliver(conn, config, T0 + dt.timedelta(minutes=minutes))

    ours = [r for r in caplog.records if r.name.startswith("alerts") and r.levelno > logging.DEBUG]
    assert ours, "the dispatcher reports its work"
    for record in ours:
        text = record.getMessage()
        # Names, the finding's words, addresses, and channel URLs (whose host shows here).
        for personal in ("Brown", "Jane", "jane@", "fell in the hall", "127.0.0.1"):
            assert personal not in text


def _alerts_command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-c", "from alerts.cli import alerts_app; alerts_app()", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_responder_works_the_queue_from_the_command_line(
    conn: Conn, config: AlertConfig, database_url: str
) -> None:
    _register(conn)
    _detect(conn, T0, _found("h-mum", "fall_detected", T0), _found("h-mum", "battery_low", T0))
    _route(conn, config, T0)
    [(fall,)] = _rows(conn, "SELECT id FROM alerts WHERE kind = 'fall_detected'")

    listed = _alerts_command(database_url, "list")
    acked = _alerts_command(database_url, "ack", str(fall), "--by", "ann", "--note", "ringing")
    wrong = _alerts_command(
        database_url, "resolve", str(fall), "--outcome", "condition_cleared", "--by", "ann"
    )
    resolved = _alerts_command(database_url, "resolve", str(fall), "--outcome", "false_alarm", "--by", "ann")
    shown = _alerts_command(database_url, "show", str(fall))
    unknown = _alerts_command(database_url, "checkin", "h-nobody")

    assert listed.returncode == 0, listed.stderr
    assert [line.split()[1:4] for line in listed.stdout.splitlines()] == [
        ["urgent", "open", "fall_detected"],
        ["routine", "open", "battery_low"],
    ]
    assert acked.returncode == 0, acked.stderr
    assert (wrong.returncode, resolved.returncode) == (1, 0)
    assert "--outcome must be one of: false_alarm, resolved_by_phone," in wrong.stderr
    assert "outcome: false_alarm (ann," in shown.stdout
    assert "alert.acknowledged" in shown.stdout
    assert "note=ringing" in shown.stdout
    assert (unknown.returncode, unknown.stderr.strip()) == (1, "there is no household 'h-nobody'")
