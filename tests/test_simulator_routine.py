"""The simulated people and their sensors: distributions a broken model would fail."""

import datetime as dt
import zoneinfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.typing import NDArray

from devices import SensorKind
from simulator import SENSOR_KINDS, PersonaName, Scenario, simulate_population
from simulator._sensors import PIR_BLIND_S, PIR_CLEAR_S, _pir_reports

DAYS = 60
# Households take the personas in turn.
EARLY, LATE, DEMENTIA, FRAIL = "h-0001", "h-0002", "h-0003", "h-0004"


@pytest.fixture(scope="module")
def homes() -> Scenario:
    return simulate_population(households=8, days=DAYS, seed=11)


def _readings(
    scenario: Scenario, household: str, device: str, sensor: SensorKind
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    table = scenario.readings.of_household(household)
    mine = (table.device == table.devices.index(device)) & (table.sensor == SENSOR_KINDS.index(sensor))
    return table.ts[mine], table.value[mine]


def _local_hours(scenario: Scenario, ts: NDArray[np.float64]) -> tuple[list[dt.date], NDArray[np.float64]]:
    tz = zoneinfo.ZoneInfo(scenario.timezone(EARLY))
    local = [dt.datetime.fromtimestamp(t, tz) for t in ts.tolist()]
    return [t.date() for t in local], np.array([t.hour + t.minute / 60 + t.second / 3600 for t in local])


def _risings(scenario: Scenario, household: str) -> dict[dt.date, float]:
    """Per day, the last time the bed became empty before 14:00: when they got up."""
    ts, value = _readings(scenario, household, "bed-mat", SensorKind.OCCUPANCY)
    dates, hours = _local_hours(scenario, ts[value == 0])
    risings: dict[dt.date, float] = {}
    for date, hour in zip(dates, hours.tolist(), strict=True):
        if hour < 14:
            risings[date] = hour
    return risings


def test_the_early_riser_gets_up_between_five_and_eight_every_day(homes: Scenario) -> None:
    risings = np.array(list(_risings(homes, EARLY).values()))

    assert len(risings) >= DAYS - 1
    assert risings.min() > 5.0
    assert risings.max() < 8.0
    assert 6.0 < risings.mean() < 7.0
    assert 0.15 < risings.std() < 0.7, "day-to-day variation, neither clockwork nor chaos"


def test_the_early_riser_rises_later_at_weekends(homes: Scenario) -> None:
    risings = _risings(homes, EARLY)
    weekend = [h for d, h in risings.items() if d.weekday() >= 5]
    weekday = [h for d, h in risings.items() if d.weekday() < 5]

    assert np.mean(weekend) > np.mean(weekday) + 0.15


def test_the_late_riser_gets_up_hours_after_the_early_riser(homes: Scenario) -> None:
    late = np.array(list(_risings(homes, LATE).values()))

    assert 8.5 < late.mean() < 10.5
    assert late.mean() > np.mean(list(_risings(homes, EARLY).values())) + 2


@pytest.mark.parametrize("household", [EARLY, LATE, DEMENTIA, FRAIL])
def test_the_kettle_boils_a_few_times_a_day_at_two_to_three_kilowatts_for_two_to_four_minutes(
    homes: Scenario, household: str
) -> None:
    ts, watts = _readings(homes, household, "kettle-plug", SensorKind.POWER)
    switched_off = np.flatnonzero(watts == 0)
    boils_per_day = len(switched_off) / DAYS

    assert 2 <= boils_per_day <= 9
    dates, _ = _local_hours(homes, ts[switched_off])
    assert max(dates.count(d) for d in set(dates)) <= 15
    assert watts[watts > 0].min() > 1900
    assert watts.max() < 3100
    switched_on = np.flatnonzero((watts > 0) & (np.concatenate([[0.0], watts[:-1]]) == 0))
    next_off = switched_off[np.searchsorted(switched_off, switched_on)[:-1]]
    boil = ts[next_off] - ts[switched_on[:-1]]
    # A lost message now and then shortens or merges a boil: look at the bulk of them.
    assert np.percentile(boil, 5) >= 110
    assert np.percentile(boil, 95) <= 245


def _night_detections_per_night(scenario: Scenario, household: str) -> float:
    detections = []
    for room in ("hall", "kitchen", "lounge", "bathroom"):
        ts, value = _readings(scenario, household, f"{room}-pir", SensorKind.MOTION)
        detections.append(ts[value == 1])
    _, hours = _local_hours(scenario, np.concatenate(detections))
    return float(np.count_nonzero((hours >= 0) & (hours < 5))) / DAYS


def test_the_person_living_with_dementia_is_up_and_about_at_night_far_more(homes: Scenario) -> None:
    dementia = _night_detections_per_night(homes, DEMENTIA)
    early = _night_detections_per_night(homes, EARLY)

    assert dementia > 2 * early
    assert dementia > 3, "several movements outside the bedroom on an average night"


def test_the_frail_person_rarely_goes_out(homes: Scenario) -> None:
    def outings(household: str) -> int:
        _, value = _readings(homes, household, "front-door", SensorKind.CONTACT)
        return int(np.count_nonzero(value == 1)) // 2

    assert outings(FRAIL) < DAYS * 0.25
    assert outings(EARLY) > DAYS * 0.5


def test_a_pir_is_blind_for_a_minute_after_each_detection_and_reports_cleared(homes: Scenario) -> None:
    for household in (EARLY, DEMENTIA):
        ts, value = _readings(homes, household, "kitchen-pir", SensorKind.MOTION)
        unique = np.concatenate([[True], (np.diff(ts) != 0) | (np.diff(value) != 0)])  # duplicates aside
        ts, value = ts[unique], value[unique]
        detections = ts[value == 1]

        assert np.diff(detections).min() >= 60
        assert 0 < np.count_nonzero(value == 0) <= len(detections)


def test_doors_and_mats_report_changes_of_state(homes: Scenario) -> None:
    for device, sensor in (("front-door", SensorKind.CONTACT), ("bed-mat", SensorKind.OCCUPANCY)):
        ts, value = _readings(homes, EARLY, device, sensor)
        unique = np.concatenate([[True], (np.diff(ts) != 0) | (np.diff(value) != 0)])
        changes = value[unique]

        # A lost message can leave two alike in a row, rarely.
        assert np.count_nonzero(changes[1:] == changes[:-1]) <= len(changes) * 0.02


def test_rooms_are_warmer_by_day_and_never_cold_without_an_incident(homes: Scenario) -> None:
    ts, temperature = _readings(homes, FRAIL, "lounge-pir", SensorKind.TEMPERATURE)
    _, hours = _local_hours(homes, ts)
    day = temperature[(hours >= 11) & (hours < 20)]
    night = temperature[(hours >= 2) & (hours < 5)]

    assert day.mean() > night.mean() + 1.5
    assert (
        homes.readings.value[homes.readings.sensor == SENSOR_KINDS.index(SensorKind.TEMPERATURE)].min() >= 16
    )


def test_batteries_drain_and_are_replaced_when_low(homes: Scenario) -> None:
    for household in (EARLY, FRAIL):
        _, level = _readings(homes, household, "hall-pir", SensorKind.BATTERY)
        steps = np.diff(level)

        assert len(level) == DAYS
        assert level.min() >= 10
        assert np.all((steps <= 0) | (level[1:] >= 90)), "only ever up when replaced"


def test_the_personas_are_those_of_the_issue() -> None:
    assert {p.value for p in PersonaName} == {"early_riser", "late_riser", "dementia", "frail"}


@given(
    movements=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5_000), st.sampled_from([3, 4])), max_size=150
    )
)
def test_a_pir_sees_each_movement_unless_blind_and_clears_after_a_quiet_spell(
    movements: list[tuple[int, int]],
) -> None:
    ts = np.array([m[0] for m in movements], dtype=np.int64)
    channel = np.array([m[1] for m in movements], dtype=np.int16)

    reports = _pir_reports(ts, channel)

    for pir in (3, 4):
        moved = np.sort(ts[channel == pir])
        mine = reports.channel == pir
        detected = np.sort(reports.ts[mine & (reports.value == 1)])
        cleared = np.sort(reports.ts[mine & (reports.value == 0)])
        assert np.all(np.diff(detected) >= PIR_BLIND_S)
        assert set(detected.tolist()) <= set(moved.tolist())
        for t in moved.tolist():  # seen, or swallowed by the blind time of a detection before it
            assert np.any((detected <= t) & (t < detected + PIR_BLIND_S))
        quiet = np.diff(np.append(detected, np.inf)) > PIR_CLEAR_S
        assert cleared.tolist() == (detected[quiet] + PIR_CLEAR_S).tolist()
