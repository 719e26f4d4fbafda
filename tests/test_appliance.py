"""Appliance usage events: one event per use, however noisy the plug, and only for appliances
whose use is a person's doing."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceRole
from devices._appliance import DEFAULT_USAGE_THRESHOLDS, UsageThresholds, usage_events

KETTLE = DEFAULT_USAGE_THRESHOLDS[DeviceRole.KETTLE]


def test_three_minutes_of_a_noisy_two_kilowatt_kettle_is_one_event() -> None:
    rng = np.random.default_rng(seed=7)
    idle_before = np.arange(0, 120, 10.0)
    boiling = np.arange(120, 300, 5.0)
    idle_after = np.arange(300, 420, 10.0)
    ts = np.concatenate((idle_before, boiling, idle_after))
    watts = np.concatenate(
        (
            rng.uniform(0, 3, idle_before.size),
            2000 + rng.normal(0, 150, boiling.size),
            rng.uniform(0, 3, idle_after.size),
        )
    )
    # The meter wobbles across the on threshold while the element warms up, and one report in
    # the middle reads almost nothing.
    watts[idle_before.size : idle_before.size + 4] = [1100, 950, 1020, 900]
    watts[idle_before.size + 18] = 40
    [event] = usage_events(ts, watts, KETTLE)
    assert (event.start, event.end) == (120.0, 300.0)
    assert event.peak_watts == watts.max()


def test_a_switch_on_surge_is_not_a_use() -> None:
    assert usage_events([0, 1, 2, 3], [0, 2500, 0, 0], KETTLE) == []


def test_a_fridge_compressor_cycling_gives_events_only_when_configured() -> None:
    # A compressor runs about 15 min in every 45 at 80-120 W, day and night, on its own.
    minutes = np.arange(0, 24 * 60, 1.0)
    running = (minutes % 45) < 15
    watts = np.where(running, 100.0, 1.0)
    assert DeviceRole.FRIDGE not in DEFAULT_USAGE_THRESHOLDS
    assert DeviceRole.FREEZER not in DEFAULT_USAGE_THRESHOLDS
    compressor = UsageThresholds(on_watts=60, off_watts=20, min_on_seconds=120, merge_gap_seconds=60)
    events = usage_events(minutes * 60, watts, compressor)
    assert len(events) == 32
    assert all(event.end - event.start == 15 * 60 for event in events)


def test_pauses_shorter_than_the_merge_gap_join_one_wash() -> None:
    washer = DEFAULT_USAGE_THRESHOLDS[DeviceRole.WASHING_MACHINE]
    ts = np.arange(0, 3600, 60.0)
    watts = np.where((ts // 600) % 2 == 0, 300.0, 2.0)  # 10 min turning, 10 min soaking
    [event] = usage_events(ts, watts, washer)
    assert (event.start, event.end, event.peak_watts) == (0.0, 3000.0, 300.0)


def test_empty_and_idle_series_have_no_events() -> None:
    assert usage_events([], [], KETTLE) == []
    assert usage_events([0, 60], [500, 500], KETTLE) == []


@pytest.mark.parametrize(
    ("ts", "watts", "reason"),
    [
        ([1, 0], [0, 0], "time order"),
        ([0, 1], [0], "same length"),
        ([0, 1], [0, float("nan")], "finite"),
        ([[0, 1]], [[0, 1]], "one-dimensional"),
    ],
)
def test_malformed_series_are_refused(ts: list[float], watts: list[float], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        usage_events(ts, watts, KETTLE)


def test_thresholds_without_hysteresis_the_right_way_round_are_refused() -> None:
    with pytest.raises(ValueError, match="off_watts <= on_watts"):
        UsageThresholds(on_watts=100, off_watts=200, min_on_seconds=0, merge_gap_seconds=0)


series = st.lists(
    st.tuples(st.floats(0, 600, allow_nan=False), st.floats(0, 3000, allow_nan=False)), max_size=60
).map(sorted)
thresholds = st.builds(
    lambda low, high, min_on, gap: UsageThresholds(
        on_watts=high, off_watts=low, min_on_seconds=min_on, merge_gap_seconds=gap
    ),
    st.floats(0, 1000),
    st.floats(1000, 2500),
    st.floats(0, 120),
    st.floats(0, 120),
)


@given(readings=series, limits=thresholds)
def test_events_never_overlap_and_stay_within_the_series(
    readings: list[tuple[float, float]], limits: UsageThresholds
) -> None:
    ts = np.array([t for t, _ in readings])
    watts = np.array([w for _, w in readings])
    events = usage_events(ts, watts, limits)
    for event in events:
        assert ts[0] <= event.start <= event.end <= ts[-1]
        assert event.end - event.start >= limits.min_on_seconds
        assert limits.on_watts < event.peak_watts <= watts.max()
    for earlier, later in itertools.pairwise(events):
        assert later.start - earlier.end >= limits.merge_gap_seconds
