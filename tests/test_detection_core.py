"""Detection's functional core: local time, signals, daily summaries, baselines, watchdogs, rules."""

import dataclasses
import datetime as dt
import json

import numpy as np
import pytest

from detection._baseline import MIN_DAYS_LEARNED, RoutineBaseline, usual_days
from detection._daily import DaySummaries, summarise_days
from detection._engine import Device, Engine, Home, capability_of
from detection._localtime import local_day_and_time, local_instant
from detection._signals import Place, place_of
from devices import DeviceRole, SensorKind

LONDON = "Europe/London"
HOME = Home(
    id="h1",
    timezone=LONDON,
    devices={
        "front-door": Device(DeviceRole.FRONT_DOOR, "hall"),
        "kitchen-pir": Device(
            DeviceRole.KITCHEN_MOTION, "kitchen", frozenset({SensorKind.MOTION, SensorKind.TEMPERATURE})
        ),
        "lounge-pir": Device(DeviceRole.LOUNGE_MOTION, "lounge"),
        "bathroom-pir": Device(DeviceRole.BATHROOM_MOTION, "bathroom"),
        "bed-mat": Device(DeviceRole.BED, "bedroom"),
        "pendant": Device(DeviceRole.PENDANT, "person"),
        "smoke": Device(DeviceRole.SMOKE, "hall"),
    },
)


def _at(day: dt.date, hh: float) -> float:
    return local_instant((day - dt.date(1970, 1, 1)).days, hh * 3600, LONDON)


def test_local_clock_follows_daylight_saving_exactly() -> None:
    before = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC).timestamp()  # 00:30 GMT
    after = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC).timestamp()  # 02:30 BST
    _, clock = local_day_and_time(np.array([before, after]), LONDON)
    assert list(clock) == [0.5 * 3600, 2.5 * 3600]


@pytest.mark.parametrize(
    ("role", "sensor", "value", "place"),
    [
        (DeviceRole.KITCHEN_MOTION, SensorKind.MOTION, 1, Place.KITCHEN),
        (DeviceRole.KITCHEN_MOTION, SensorKind.MOTION, 0, Place.NONE),  # "cleared" is a timer
        (DeviceRole.KETTLE, SensorKind.POWER, 2400, Place.KITCHEN),
        (DeviceRole.FRIDGE, SensorKind.POWER, 150, Place.NONE),  # compressors cycle alone
        (DeviceRole.FRONT_DOOR, SensorKind.CONTACT, 0, Place.OUTSIDE_DOOR),
        (DeviceRole.HALL_MOTION, SensorKind.MOTION, 1, Place.TRANSIT),
        (DeviceRole.BED, SensorKind.OCCUPANCY, 0, Place.SLEEP),
        (DeviceRole.TOILET, SensorKind.CONTACT, 1, Place.BATHROOM),
        (DeviceRole.TEMPERATURE, SensorKind.TEMPERATURE, 19, Place.NONE),
    ],
)
def test_each_reading_says_where_the_person_is_or_nothing(
    role: DeviceRole, sensor: SensorKind, value: float, place: Place
) -> None:
    assert place_of(role, "kitchen" if "kitchen" in role else "x", sensor, value) == place


def _ordinary_day(day: dt.date, rise: float) -> list[tuple[float, Place, bool, bool]]:
    """(t, place, resting after, in bed after) for one simple day."""
    return [
        (_at(day, 0.0), Place.SLEEP, True, True),  # in bed from midnight
        (_at(day, rise), Place.SLEEP, False, False),  # out of bed
        (_at(day, rise + 0.2), Place.BATHROOM, False, False),
        (_at(day, rise + 0.5), Place.KITCHEN, False, False),
        *[
            (_at(day, h), Place.KITCHEN if h % 2 else Place.ELSEWHERE, False, False)
            for h in np.arange(rise + 1, 21, 0.25)
        ],
        (_at(day, 22.0), Place.SLEEP, True, True),
    ]


def _summaries(days: int, rise: float = 7.0) -> DaySummaries:
    first = dt.date(2026, 11, 2)
    events = [e for n in range(days) for e in _ordinary_day(first + dt.timedelta(days=n), rise)]
    t, place, resting, in_bed = (np.array(column) for column in zip(*events, strict=True))
    start = (first - dt.date(1970, 1, 1)).days
    return summarise_days(
        t,
        place.astype(np.int8),
        resting.astype(bool),
        in_bed.astype(bool),
        LONDON,
        range(start, start + days),
    )


def test_a_day_summary_has_its_rising_kitchen_and_quiet_spells() -> None:
    summaries = _summaries(2)
    assert summaries.rising[0] == 7 * 3600  # out of bed, and stayed out
    assert summaries.first_kitchen[0] == 7.5 * 3600
    # Up and about, never quiet for more than the 15 min between signs.
    assert np.nanmax(summaries.quiet_max[0, 20:40]) <= 15 * 60
    # In bed from 22:00 until the next morning: quiet while resting, reaching 2 h by midnight.
    assert summaries.rest_max[0, 47] == 2 * 3600


def test_a_baseline_learns_the_persons_day_and_round_trips() -> None:
    summaries = _summaries(20)
    before = summaries.quiet_max.copy()

    baseline = RoutineBaseline().fit(summaries)

    assert np.array_equal(summaries.quiet_max, before, equal_nan=True), "fit must not mutate its input"
    assert baseline.learned
    assert baseline.latest_rising_on(20_000) == 7 * 3600 + baseline.rising_grace
    assert baseline.quiet_limit_at(14 * 3600) == baseline.quiet_floor  # always moving: the floor
    assert RoutineBaseline().fit(summaries) == baseline, "deterministic"
    assert RoutineBaseline.from_json(json.loads(json.dumps(baseline.to_json()))) == baseline


def test_a_new_home_uses_cautious_population_defaults_and_says_so() -> None:
    baseline = RoutineBaseline().fit(_summaries(MIN_DAYS_LEARNED - 1))
    assert not baseline.learned
    assert baseline.days_learned_ == MIN_DAYS_LEARNED - 1
    assert baseline.quiet_limit_at(14 * 3600) == baseline.defaults.day_quiet


def _engine_with_routine() -> Engine:
    engine = Engine([HOME])
    engine.set_baselines({"h1": RoutineBaseline().fit(_summaries(20))})
    return engine


def test_a_collapse_in_the_kitchen_is_found_with_a_sentence_and_its_numbers() -> None:
    engine = _engine_with_routine()
    day = dt.date(2026, 11, 25)
    engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, _at(day, 14.0))
    engine.observe("h1", "kitchen-pir", SensorKind.MOTION, 1, _at(day, 14.0))
    for minute in range(1, 120):
        now = _at(day, 14 + minute / 60)
        if minute % 10 == 0:
            engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, now)  # the home is connected
        engine.tick(now)

    found = [e for e in engine.episodes() if e.kind == "inactivity"]
    assert len(found) == 1
    assert found[0].detected_at - _at(day, 14.0) == pytest.approx(51 * 60, abs=60)
    assert found[0].severity == "urgent"
    assert "No movement since 14:00 (51 min), last seen in the kitchen" in found[0].message
    assert found[0].evidence["limit_s"] == 50 * 60


def test_an_inactivity_concern_holds_until_the_person_is_seen_even_when_the_limit_grows() -> None:
    # A 1-h limit until 16:00, then 3 h (an afternoon nap is usual): a collapse at 14:00 is
    # one concern from 15:01 until someone moves, not closed at 16:00 and raised again at 17:00.
    fitted = RoutineBaseline().fit(_summaries(20))
    limits = tuple(3600.0 if b < 32 else 3 * 3600.0 for b in range(48))
    engine = Engine([HOME])
    engine.set_baselines({"h1": dataclasses.replace(fitted, quiet_limit_=limits)})
    day = dt.date(2026, 11, 25)
    engine.observe("h1", "kitchen-pir", SensorKind.MOTION, 1, _at(day, 14.0))
    for minute in range(1, 5 * 60):
        now = _at(day, 14 + minute / 60)
        if minute % 10 == 0:
            engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, now)
        if minute == 4 * 60:
            engine.observe("h1", "kitchen-pir", SensorKind.MOTION, 1, now)  # found, helped up
        engine.tick(now)

    found = [e for e in engine.episodes() if e.kind == "inactivity"]
    assert len(found) == 1
    assert found[0].detected_at == pytest.approx(_at(day, 15.0) + 60, abs=60)
    assert found[0].cleared_at == pytest.approx(_at(day, 18.0), abs=60)


@pytest.mark.parametrize("goes_out", [False, True])
def test_no_kitchen_by_the_usual_time_is_a_concern_unless_they_were_out_over_it(goes_out: bool) -> None:
    engine = _engine_with_routine()  # usually in the kitchen by 07:30, so expected by 09:00
    day = dt.date(2026, 11, 25)  # a Wednesday
    engine.observe("h1", "bed-mat", SensorKind.OCCUPANCY, 0, _at(day, 7.0))
    engine.observe("h1", "lounge-pir", SensorKind.MOTION, 1, _at(day, 7.1))
    for minute in range(7 * 60 + 10, 14 * 60):
        now = _at(day, minute / 60)
        if minute % 10 == 0:
            engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, now)
        if goes_out and minute in (7 * 60 + 30, 12 * 60):  # out at 07:30, back at 12:00
            engine.observe("h1", "front-door", SensorKind.CONTACT, 1, now)
            engine.observe("h1", "front-door", SensorKind.CONTACT, 0, now + 5)
        if minute % 20 == 0 and not (goes_out and 7 * 60 + 30 <= minute < 12 * 60):
            engine.observe("h1", "lounge-pir", SensorKind.MOTION, 1, now + 10)
        engine.tick(now)

    missing = [e for e in engine.episodes() if e.kind == "expected_activity_missing"]
    if goes_out:
        assert missing == []
    else:
        assert len(missing) == 1
        assert missing[0].detected_at == pytest.approx(_at(day, 9.0) + 60, abs=60)


def test_sleep_is_not_inactivity_and_a_silent_home_is_a_device_problem() -> None:
    engine = _engine_with_routine()
    day = dt.date(2026, 11, 25)
    engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, _at(day, 21.9))
    engine.observe("h1", "bed-mat", SensorKind.OCCUPANCY, 1, _at(day, 22.0))
    for minute in range(0, 8 * 60, 5):  # asleep, the thermometer still reporting
        now = _at(day, 22 + minute / 60)
        engine.observe("h1", "kitchen-pir", SensorKind.TEMPERATURE, 20.0, now)
        engine.tick(now)
    assert engine.episodes() == []

    for minute in range(0, 60):  # then nothing at all from the home
        engine.tick(_at(day, 30 + minute / 60))
    assert [e.kind for e in engine.episodes()] == ["hub_offline"]


def test_instant_rules_fire_at_once_and_a_pendant_cancel_clears() -> None:
    engine = _engine_with_routine()
    day = dt.date(2026, 11, 25)
    engine.observe("h1", "pendant", SensorKind.ALARM, 1, _at(day, 10.0))
    engine.observe("h1", "pendant", SensorKind.ALARM, 0, _at(day, 10.05))
    engine.observe("h1", "smoke", SensorKind.SMOKE, 1, _at(day, 11.0))
    engine.observe("h1", "bed-mat", SensorKind.OCCUPANCY, 1, _at(day, 22.0))
    engine.observe("h1", "front-door", SensorKind.CONTACT, 1, _at(day, 26.5))  # 02:30

    by_kind = {e.kind: e for e in engine.episodes()}
    assert by_kind["alarm_pressed"].detected_at == _at(day, 10.0)
    assert by_kind["alarm_pressed"].cleared_at == _at(day, 10.05)
    assert by_kind["smoke"].severity == "urgent"
    assert by_kind["night_exit"].detected_at == _at(day, 26.5)
    assert "An outside door opened at 02:30, during the night" in by_kind["night_exit"].message


def test_episodes_are_plain_data() -> None:
    engine = _engine_with_routine()
    engine.observe("h1", "pendant", SensorKind.ALARM, 1, _at(dt.date(2026, 11, 25), 10.0))
    assert dataclasses.asdict(engine.episodes()[0])["household"] == "h1"


def test_a_home_states_what_its_devices_let_detection_see() -> None:
    doors_only = Home(
        id="h2",
        timezone=LONDON,
        devices={
            "front-door": Device(DeviceRole.FRONT_DOOR, "hall", frozenset({SensorKind.CONTACT})),
            "fridge": Device(DeviceRole.FRIDGE, "kitchen", frozenset({SensorKind.CONTACT})),
        },
    )
    full = capability_of(HOME)
    sparse = capability_of(doors_only)
    assert full.shortest_inactivity_s == 50 * 60
    assert "bathroom_long" in full.detectors
    assert sparse.shortest_inactivity_s == 3 * 3600  # nobody seen moving between doors
    assert "bathroom_long" in sparse.cannot
    assert "alarm_pressed" in sparse.cannot
    assert "night_exit" in sparse.detectors


def test_days_with_concerns_are_left_out_of_learning_unless_they_are_the_new_usual() -> None:
    days = np.arange(100, 120)
    assert usual_days(days, {103, 110}).tolist() == [d not in (103, 110) for d in days]
    # Five of twenty days with concerns: the routine itself has moved, so learn from them all.
    assert usual_days(days, {101, 104, 107, 110, 113}).all()
    assert usual_days(days, set()).all()
