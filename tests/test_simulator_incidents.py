"""Incidents injected by spec or at random: each kind in the ground truth, and its effect in
the readings exactly where the truth says."""

import datetime as dt

import numpy as np
import pytest
from numpy.typing import NDArray

from devices import SensorKind
from simulator import (
    SENSOR_KINDS,
    Incident,
    IncidentKind,
    IncidentSpecError,
    Scenario,
    parse_incident_spec,
    simulate_population,
)

SPEC = """
- {kind: collapse, household: h-0001, day: 15, time: "10:30", hours: 5}
- {kind: missed_wakeup, household: h-0002, day: 16, hours: 4}
- {kind: night_exit, persona: dementia, day: 17, time: "02:40", hours: 2}
- {kind: bathroom_long, household: h-0004, day: 18, time: "15:00", hours: 2}
- {kind: decline, household: h-0005, day: 14, hours: 240}
- {kind: cold_home, household: h-0006, day: 19, time: "18:00", hours: 20}
- {kind: hub_offline, household: h-0007, day: 20, time: 09:00, hours: 6}
- {kind: battery_dead, household: h-0008, day: 21, time: "12:00", hours: 48, device: kitchen-pir}
- {kind: away, household: h-0001, day: 22, time: "10:00", hours: 72}
- {kind: visitors, household: h-0002, day: 23, time: "14:00", hours: 2}
- {kind: lie_in, household: h-0004, day: 27}
"""
FIRST_DAY = dt.date(2026, 1, 5)
PERSON_KINDS = [SensorKind.MOTION, SensorKind.CONTACT, SensorKind.OCCUPANCY]
# Hub clocks are up to 15 s out; readings and truth share the hub's clock, so effects line
# up to the second, but the planned local time is only met to within that.
SKEW_S = 15


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return simulate_population(households=8, days=30, seed=5, spec=parse_incident_spec(SPEC))


def _one(scenario: Scenario, kind: IncidentKind, household: str | None = None) -> Incident:
    found = [i for i in scenario.truth if i.kind is kind and household in (None, i.household)]
    assert len(found) == 1, found
    return found[0]


def _select(
    scenario: Scenario,
    incident: Incident,
    *,
    kinds: list[SensorKind] | None = None,
    device: str | None = None,
    value: float | None = None,
    margin: float = 0.0,
) -> NDArray[np.float64]:
    """Times of the household's readings within [start - margin, end + margin)."""
    table = scenario.readings.of_household(incident.household)
    keep = (table.ts >= incident.start.timestamp() - margin) & (table.ts < incident.end.timestamp() + margin)
    if kinds is not None:
        keep &= np.isin(table.sensor, [SENSOR_KINDS.index(k) for k in kinds])
    if device is not None:
        keep &= table.device == table.devices.index(device)
    if value is not None:
        keep &= table.value == value
    return table.ts[keep]


def _starts_near(incident: Incident, day: int, hour: float) -> None:
    planned = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(), incident.start.tzinfo)
    planned += dt.timedelta(hours=hour)
    assert abs((incident.start - planned).total_seconds()) <= SKEW_S


def test_every_kind_is_in_the_truth_once_where_the_spec_put_it(scenario: Scenario) -> None:
    kinds = sorted(i.kind for i in scenario.truth)
    # night_exit was asked of a persona: both dementia homes (h-0003, h-0007) get one.
    assert kinds == sorted([*IncidentKind, IncidentKind.NIGHT_EXIT])
    _starts_near(_one(scenario, IncidentKind.COLLAPSE), 15, 10.5)
    _starts_near(_one(scenario, IncidentKind.HUB_OFFLINE), 20, 9.0)
    first_allowed = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=14), dt.time(), dt.UTC)
    for incident in scenario.truth:
        assert incident.end > incident.start
        assert incident.start >= first_allowed - dt.timedelta(seconds=SKEW_S)


def test_after_a_collapse_nothing_moves_until_the_person_is_found(scenario: Scenario) -> None:
    collapse = _one(scenario, IncidentKind.COLLAPSE)
    moved = _select(scenario, collapse, kinds=PERSON_KINDS, value=1)

    assert moved.tolist() == [collapse.start.timestamp()], "the fall itself, then stillness"
    door = _select(scenario, collapse, device="front-door", value=1, margin=60)
    assert collapse.end.timestamp() in door.tolist(), "found: someone opens the front door"


def test_a_missed_wakeup_keeps_the_bed_occupied_past_the_usual_latest_rising(scenario: Scenario) -> None:
    missed = _one(scenario, IncidentKind.MISSED_WAKEUP)
    out_of_bed = _select(scenario, missed, device="bed-mat", value=0, margin=1)

    assert out_of_bed.tolist() == [missed.end.timestamp()]
    elsewhere = [
        _select(scenario, missed, device=d, value=1) for d in ("kitchen-pir", "bathroom-pir", "lounge-pir")
    ]
    assert sum(len(e) for e in elsewhere) == 0
    assert dt.time(8) < missed.start.time() < dt.time(12), "the late riser's usual latest rising"


def test_a_night_exit_opens_the_front_door_at_night_and_again_on_return(scenario: Scenario) -> None:
    for exit_ in (i for i in scenario.truth if i.kind is IncidentKind.NIGHT_EXIT):
        door = _select(scenario, exit_, device="front-door", value=1, margin=1)
        inside = _select(
            scenario, exit_, kinds=[SensorKind.MOTION, SensorKind.OCCUPANCY], value=1, margin=-30
        )

        assert door.tolist() == [exit_.start.timestamp(), exit_.end.timestamp()]
        assert len(inside) == 0, "nobody at home while they are out"
        assert exit_.start.hour < 5


def test_a_long_bathroom_stay_keeps_the_person_in_the_bathroom(scenario: Scenario) -> None:
    stay = _one(scenario, IncidentKind.BATHROOM_LONG)
    door = _select(scenario, stay, device="bathroom-door", value=1, margin=1)
    other_rooms = [
        _select(scenario, stay, device=d, value=1, margin=-30) for d in ("lounge-pir", "kitchen-pir")
    ]

    assert door.tolist() == [stay.start.timestamp(), stay.end.timestamp()]
    assert len(_select(scenario, stay, device="bathroom-pir", value=1)) >= 1
    assert sum(len(o) for o in other_rooms) == 0


def test_a_decline_brings_later_rising_and_more_night_time_toilet_visits() -> None:
    spec = parse_incident_spec("- {kind: decline, household: h-0001, day: 14, hours: 336}")
    declining = simulate_population(households=1, days=60, seed=6, spec=spec)
    (decline,) = declining.truth
    table = declining.readings
    bed_empty = (table.device == table.devices.index("bed-mat")) & (table.value == 0)
    bathroom = (table.device == table.devices.index("bathroom-door")) & (table.value == 1)

    def per_day(first: int, last: int) -> tuple[float, float]:
        """Night-time bathroom visits per night, and mean rising (hours after midnight)."""
        visits, risings = 0, []
        for day in range(first, last):
            midnight = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=day), dt.time(), dt.UTC).timestamp()
            night = (table.ts >= midnight) & (table.ts < midnight + 5 * 3600)
            visits += int(np.count_nonzero(night & bathroom)) // 2  # the door opens going in and out
            morning = bed_empty & (table.ts >= midnight) & (table.ts < midnight + 14 * 3600)
            risings.append(table.ts[morning].max() - midnight)
        return visits / (last - first), float(np.mean(risings)) / 3600

    (visits_before, rising_before), (visits_after, rising_after) = per_day(0, 14), per_day(30, 60)
    assert decline.kind is IncidentKind.DECLINE
    assert visits_after > 1.5 * visits_before
    assert rising_after > rising_before + 0.6


def test_a_cold_home_reads_below_16_degrees_exactly_within_its_truth(scenario: Scenario) -> None:
    cold = _one(scenario, IncidentKind.COLD_HOME)
    table = scenario.readings.of_household(cold.household)
    thermometer = table.sensor == SENSOR_KINDS.index(SensorKind.TEMPERATURE)
    below = table.ts[thermometer & (table.value < 16)]

    assert below.min() == cold.start.timestamp()
    assert below.max() < cold.end.timestamp()
    assert cold.end - cold.start > dt.timedelta(hours=3), "cold for hours"
    others = scenario.readings.where(
        (scenario.readings.household != scenario.readings.households.index(cold.household))
        & (scenario.readings.sensor == SENSOR_KINDS.index(SensorKind.TEMPERATURE))
    )
    assert others.value.min() >= 16, "no other home is ever cold"


def test_while_the_hub_is_offline_nothing_arrives_from_the_home(scenario: Scenario) -> None:
    outage = _one(scenario, IncidentKind.HUB_OFFLINE)

    assert len(_select(scenario, outage)) == 0
    assert len(_select(scenario, outage, margin=600)) > 0


def test_a_dead_battery_silences_its_device_until_replaced(scenario: Scenario) -> None:
    dead = _one(scenario, IncidentKind.BATTERY_DEAD)
    assert dead.device == "kitchen-pir"
    table = scenario.readings.of_household(dead.household)
    device = table.device == table.devices.index("kitchen-pir")
    battery = device & (table.sensor == SENSOR_KINDS.index(SensorKind.BATTERY))

    assert len(_select(scenario, dead, device="kitchen-pir")) == 0
    assert len(_select(scenario, dead, device="lounge-pir")) > 0, "the rest of the home carries on"
    last_levels = table.value[battery & (table.ts < dead.start.timestamp())][-3:]
    assert last_levels[-1] <= 10
    assert list(last_levels) == sorted(last_levels, reverse=True)
    assert table.value[battery & (table.ts >= dead.end.timestamp())][0] >= 95, "a fresh battery"


def test_away_is_the_front_door_then_an_empty_home_for_days(scenario: Scenario) -> None:
    away = _one(scenario, IncidentKind.AWAY)
    door = _select(scenario, away, device="front-door", value=1, margin=1)

    assert door.tolist() == [away.start.timestamp(), away.end.timestamp()]
    assert len(_select(scenario, away, kinds=PERSON_KINDS, value=1, margin=-30)) == 0
    assert len(_select(scenario, away, kinds=[SensorKind.TEMPERATURE])) > 100, "the home still reports"
    assert away.end - away.start == dt.timedelta(hours=72)


def test_visitors_make_activity_in_two_rooms_at_once(scenario: Scenario) -> None:
    visit = _one(scenario, IncidentKind.VISITORS)
    table = scenario.readings.of_household(visit.household)
    chair = table.device == table.devices.index("chair-mat")
    kitchen = _select(scenario, visit, device="kitchen-pir", value=1)
    # Whether the person sat in the chair at each movement in the kitchen: its last report.
    sitting = [table.value[chair & (table.ts <= t)][-1] == 1 for t in kitchen]

    assert any(sitting), "someone in the kitchen while the person sits in the lounge"
    door = _select(scenario, visit, device="front-door", value=1, margin=1)
    assert door.tolist() == [visit.start.timestamp(), visit.end.timestamp()]


def test_a_lie_in_is_a_toilet_visit_at_the_usual_time_then_bed_again(scenario: Scenario) -> None:
    lie_in = _one(scenario, IncidentKind.LIE_IN)
    out_of_bed = _select(scenario, lie_in, device="bed-mat", value=0, margin=1)

    assert lie_in.start.weekday() == 6, "day 27 of a scenario starting on a Monday is a Sunday"
    assert out_of_bed.tolist() == [lie_in.start.timestamp(), lie_in.end.timestamp()]
    assert len(_select(scenario, lie_in, device="bathroom-door", value=1, margin=1)) >= 1
    assert dt.timedelta(hours=1.5) <= lie_in.end - lie_in.start <= dt.timedelta(hours=3)


def test_random_incidents_come_at_the_asked_rate_of_all_kinds_after_two_weeks() -> None:
    days, households, rate = 44, 40, 3.0
    scenario = simulate_population(households=households, days=days, seed=9, incident_rate=rate)
    learning_ends = dt.datetime.combine(FIRST_DAY + dt.timedelta(days=14), dt.time(), dt.UTC)

    expected = households * rate * (days - 14) / 30
    assert 0.6 * expected < len(scenario.truth) < 1.3 * expected
    assert {i.kind for i in scenario.truth} == set(IncidentKind)
    assert min(i.start for i in scenario.truth) >= learning_ends - dt.timedelta(seconds=SKEW_S)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("- {kind: fall, household: h-0001, day: 3}", "kind"),
        ("- {kind: collapse, household: h-0001, persona: frail, day: 3}", "either household or persona"),
        ("- {kind: missed_wakeup, household: h-0001, day: 3, time: '07:00'}", "leave out time"),
        ("- {kind: collapse, household: h-0001, day: 3, device: bed-mat}", "only for battery_dead"),
        ("- {kind: collapse, household: h-0001, day: -1}", "day"),
        ("kind: collapse", "a YAML list"),
    ],
)
def test_a_bad_spec_is_refused_saying_why(spec: str, reason: str) -> None:
    with pytest.raises(IncidentSpecError, match=reason):
        parse_incident_spec(spec)


def test_a_spec_naming_a_household_or_day_the_scenario_lacks_is_refused() -> None:
    with pytest.raises(IncidentSpecError, match="no household h-0099"):
        simulate_population(
            households=2,
            days=20,
            seed=1,
            spec=parse_incident_spec("- {kind: collapse, household: h-0099, day: 15}"),
        )
    with pytest.raises(IncidentSpecError, match="day 25 is past the 20 simulated days"):
        simulate_population(
            households=2,
            days=20,
            seed=1,
            spec=parse_incident_spec("- {kind: collapse, persona: frail, day: 25}"),
        )


@pytest.mark.parametrize(
    ("written", "hours"), [("10:30", 10.5), ("00:10", 1 / 6), ("'23:45'", 23.75), ("9.5", 9.5)]
)
def test_a_clock_time_in_yaml_means_what_it_says(written: str, hours: float) -> None:
    (entry,) = parse_incident_spec(
        f"- {{kind: collapse, persona: frail, day: 20, time: {written}, hours: 2}}"
    )

    assert entry.time == pytest.approx(hours)
    assert entry.day == 20
    assert entry.hours == 2
