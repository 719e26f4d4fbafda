"""The alerts' pure decisions: severity, quiet hours, routing, lifecycle rules, retries, messages."""

import dataclasses
import datetime as dt
import uuid
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts import AlertConfig, AlertState, Audience, LifecycleError, Outcome, Severity, TeamChannels
from alerts._lifecycle import MAX_ESCALATIONS, acknowledge, escalate, on_finding, resolve
from alerts._quiet_hours import quiet_until
from alerts._records import Alert, Contact, FindingState, Household
from alerts._retry import GIVE_UP_AFTER, LONGEST_RETRY, after_failure
from alerts._routing import plan_escalated, plan_raised
from alerts._vocabulary import Event, severity_of
from detection._engine import SEVERITY
from devices import MonitoringState

LONDON = zoneinfo.ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
CONFIG = AlertConfig(
    teams=TeamChannels(
        duty_team=("json://duty",), supervisor=("json://supervisor",), device_team=("json://devices",)
    )
)
JANE = Contact(
    id=1,
    name="Jane",
    relationship="daughter",
    channels=("mailto://jane", "json://jane"),
    quiet_from=dt.time(22),
    quiet_until=dt.time(7),
    digest_at=None,
)
TOM = Contact(
    id=2,
    name="Tom",
    relationship="son",
    channels=("json://tom",),
    quiet_from=None,
    quiet_until=None,
    digest_at=dt.time(19),
)
HOME = Household(
    id="h-1",
    timezone="Europe/London",
    display_name="Mrs B",
    monitoring_state=MonitoringState.ACTIVE,
    known_to_wander=False,
    checkin_window=None,
    contacts=(JANE, TOM),
    routes={},
)


def _finding(kind: str, *, severity: Severity = Severity.ROUTINE, cleared: bool = False) -> FindingState:
    return FindingState(
        id=7,
        household="h-1",
        condition_key=kind,
        kind=kind,
        severity=severity,
        device=None,
        onset=NOW - dt.timedelta(minutes=3),
        cleared_at=NOW if cleared else None,
        message="Something worth knowing.",
        evidence={},
    )


def _opened(kind: str, household: Household = HOME, *, cleared: bool = False) -> Alert:
    change = on_finding(
        _finding(kind, cleared=cleared),
        linked=None,
        unresolved=None,
        household=household,
        now=NOW,
        config=CONFIG,
    )
    assert change is not None
    return change.alert


def test_severity_follows_the_kind_and_a_wanderer_makes_a_night_exit_urgent() -> None:
    assert severity_of("alarm_pressed", known_to_wander=False, reported=Severity.ROUTINE) is Severity.URGENT
    assert severity_of("cold_home", known_to_wander=False, reported=Severity.URGENT) is Severity.HIGH
    assert severity_of("battery_low", known_to_wander=False, reported=Severity.HIGH) is Severity.ROUTINE
    assert severity_of("hub_offline", known_to_wander=False, reported=Severity.ROUTINE) is Severity.HIGH
    assert severity_of("night_exit", known_to_wander=False, reported=Severity.ROUTINE) is Severity.HIGH
    assert severity_of("night_exit", known_to_wander=True, reported=Severity.ROUTINE) is Severity.URGENT
    # A kind invented after this table keeps detection's judgement.
    assert severity_of("gas_leak", known_to_wander=False, reported=Severity.URGENT) is Severity.URGENT


def test_findings_and_alerts_agree_on_every_detection_kinds_severity() -> None:
    # The findings table and the alert queue must never disagree about how serious a kind is.
    for kind, severity in SEVERITY.items():
        assert severity_of(kind, known_to_wander=False, reported=Severity.URGENT) is Severity(severity), kind


def test_quiet_hours_across_midnight_end_at_the_local_morning() -> None:
    night = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)
    assert quiet_until(night, LONDON, dt.time(22), dt.time(7)) == dt.datetime(2026, 11, 23, 7, tzinfo=dt.UTC)
    early = dt.datetime(2026, 11, 22, 3, tzinfo=dt.UTC)
    assert quiet_until(early, LONDON, dt.time(22), dt.time(7)) == dt.datetime(2026, 11, 22, 7, tzinfo=dt.UTC)
    assert quiet_until(NOW, LONDON, dt.time(22), dt.time(7)) is None
    # Summer time: 07:00 in London is 06:00 UTC.
    june = dt.datetime(2026, 6, 10, 2, tzinfo=dt.UTC)
    assert quiet_until(june, LONDON, dt.time(22), dt.time(7)) == dt.datetime(2026, 6, 10, 6, tzinfo=dt.UTC)
    assert quiet_until(NOW, LONDON, dt.time(9), dt.time(12)) == dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    assert quiet_until(NOW, LONDON, dt.time(9), dt.time(9)) is None


# Hypothesis takes naive bounds and attaches the timezone itself.
_INSTANTS = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2035, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


@given(_INSTANTS, st.times(), st.times())
def test_a_held_message_waits_less_than_a_day_and_leaves_at_the_quiet_hours_end(
    now: dt.datetime, start: dt.time, end: dt.time
) -> None:
    until = quiet_until(now, LONDON, start, end)
    if until is not None:
        assert now < until <= now + dt.timedelta(hours=25)  # 25: the day the clocks go back
        # The local end, give or take the hour a daylight-saving change moves it.
        local = until.astimezone(LONDON)
        shift = abs((local.hour * 60 + local.minute) - (end.hour * 60 + end.minute))
        assert shift in (0, 60, 23 * 60)


def test_urgent_news_reaches_family_at_night_but_routine_waits_for_morning_or_the_digest() -> None:
    three_am = dt.datetime(2026, 11, 22, 3, tzinfo=dt.UTC)
    smoke = _opened("smoke")
    battery = _opened("battery_low")

    urgent = plan_raised(smoke, HOME, CONFIG, three_am)
    routine = plan_raised(battery, HOME, CONFIG, three_am)

    assert {(d.audience, d.channel, d.deliver_after) for d in urgent.deliveries} == {
        (Audience.DUTY_TEAM, "json://duty", three_am),
        (Audience.FAMILY, "mailto://jane", three_am),
        (Audience.FAMILY, "json://jane", three_am),
        (Audience.FAMILY, "json://tom", three_am),
    }
    morning = dt.datetime(2026, 11, 22, 7, tzinfo=dt.UTC)
    assert {(d.audience, d.channel, d.deliver_after) for d in routine.deliveries} == {
        (Audience.DEVICE_TEAM, "json://devices", three_am),
        (Audience.FAMILY, "mailto://jane", morning),
        (Audience.FAMILY, "json://jane", morning),
    }
    assert routine.digest_contacts == (TOM.id,)


def test_a_household_route_replaces_the_default_and_away_holds_back_routine_news() -> None:
    supervised = dataclasses.replace(HOME, routes={"urgent": frozenset({Audience.SUPERVISOR})})
    away = dataclasses.replace(HOME, monitoring_state=MonitoringState.AWAY)

    urgent = plan_raised(_opened("fall_detected"), supervised, CONFIG, NOW)
    routine_change = plan_raised(_opened("routine_change"), away, CONFIG, NOW)

    assert [(d.audience, d.channel) for d in urgent.deliveries] == [
        (Audience.SUPERVISOR, "json://supervisor")
    ]
    assert routine_change.deliveries == ()
    assert routine_change.digest_contacts == ()  # nor is it held for Tom's digest


def test_keys_are_stable_for_one_event_and_differ_between_escalation_rounds() -> None:
    alert = _stored(_opened("inactivity"))
    first = plan_escalated(escalate(alert, NOW + dt.timedelta(seconds=60), CONFIG).alert, HOME, CONFIG, NOW)
    again = plan_escalated(escalate(alert, NOW + dt.timedelta(seconds=61), CONFIG).alert, HOME, CONFIG, NOW)
    second_round = escalate(escalate(alert, NOW, CONFIG).alert, NOW, CONFIG).alert
    later = plan_escalated(second_round, HOME, CONFIG, NOW)

    assert [d.key for d in first] == [d.key for d in again]
    assert not {d.key for d in first} & {d.key for d in later}
    assert [d.audience for d in first] == [Audience.SUPERVISOR, Audience.DUTY_TEAM]


def test_escalation_stops_after_the_last_round_and_counts_from_when_it_happens() -> None:
    alert = _stored(_opened("alarm_pressed"))
    assert alert.ack_deadline == NOW + dt.timedelta(seconds=60)
    late = NOW + dt.timedelta(minutes=5)
    for round_ in range(1, MAX_ESCALATIONS + 1):
        alert = escalate(alert, late, CONFIG).alert
        assert alert.escalation_level == round_
    assert alert.state is AlertState.ESCALATED
    assert alert.ack_deadline is None
    assert escalate(
        _stored(_opened("alarm_pressed")), late, CONFIG
    ).alert.ack_deadline == late + dt.timedelta(seconds=60)


def test_a_responder_cannot_pick_a_platform_outcome_or_resolve_twice() -> None:
    alert = _stored(_opened("fall_detected"))
    with pytest.raises(LifecycleError, match="recorded by the platform"):
        resolve(alert, Outcome.CONDITION_CLEARED, by="ann", note=None, now=NOW)
    done = resolve(alert, Outcome.FALSE_ALARM, by="ann", note=None, now=NOW).alert
    with pytest.raises(LifecycleError, match="already resolved"):
        resolve(done, Outcome.OTHER, by="bob", note=None, now=NOW)
    with pytest.raises(LifecycleError, match="nothing to acknowledge"):
        acknowledge(done, by="bob", note=None, now=NOW)


def test_a_condition_that_cleared_before_it_was_routed_resolves_a_routine_alert_but_not_an_urgent_one() -> (
    None
):
    battery = on_finding(
        _finding("battery_low", cleared=True),
        linked=None,
        unresolved=None,
        household=HOME,
        now=NOW,
        config=CONFIG,
    )
    pendant = on_finding(
        _finding("alarm_pressed", cleared=True),
        linked=None,
        unresolved=None,
        household=HOME,
        now=NOW,
        config=CONFIG,
    )
    assert battery is not None
    assert pendant is not None
    assert (battery.alert.state, battery.alert.outcome) == (AlertState.RESOLVED, Outcome.CONDITION_CLEARED)
    assert battery.announce == (Event.RAISED, Event.RESOLVED)
    assert (pendant.alert.state, pendant.alert.condition_cleared_at) == (AlertState.OPEN, NOW)


def test_retries_back_off_to_a_cap_then_tell_a_person_then_give_up() -> None:
    key = uuid.uuid4()

    def verdict(
        attempts: int,
        failing_for: dt.timedelta,
        *,
        event: Event = Event.RAISED,
        problem_raised: bool = False,
        unusable: bool = False,
    ) -> tuple[dt.timedelta | None, bool]:
        result = after_failure(
            key=key,
            event=event,
            attempts=attempts,
            deliver_after=NOW - failing_for,
            problem_raised=problem_raised,
            unusable=unusable,
            unreachable_after=dt.timedelta(minutes=5),
            now=NOW,
        )
        return (result.retry_at - NOW if result.retry_at else None), result.raise_problem

    first, _ = verdict(1, dt.timedelta(0))
    assert first is not None
    assert dt.timedelta(seconds=4) <= first <= dt.timedelta(seconds=6)
    capped, _ = verdict(500, dt.timedelta(hours=3))
    assert capped is not None
    assert capped <= LONGEST_RETRY * 1.2
    assert verdict(3, dt.timedelta(minutes=4))[1] is False
    assert verdict(9, dt.timedelta(minutes=5))[1] is True
    assert verdict(9, dt.timedelta(minutes=6), problem_raised=True)[1] is False
    assert verdict(9, dt.timedelta(minutes=6), event=Event.DELIVERY_PROBLEM)[1] is False
    assert verdict(1, dt.timedelta(0), unusable=True) == (None, True)
    assert verdict(700, GIVE_UP_AFTER)[0] is None


def _stored(alert: Alert) -> Alert:
    return dataclasses.replace(alert, id=41)
