"""What the console draws from readings (pure functions): marks per room over the last day, and
the weeks-by-hours map that says where today breaks a strong habit."""

import datetime as dt

from web._activity import Reading, activity_map, timeline, what_it_shows

T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
TODAY = T0.date()


def _reading(minutes_ago: int, room: str, role: str, sensor: str, value: float) -> Reading:
    return Reading(
        at=T0 - dt.timedelta(minutes=minutes_ago), room=room, role=role, sensor=sensor, value=value
    )


def test_only_signs_of_the_person_become_marks_in_words() -> None:
    assert what_it_shows(_reading(1, "hall", "hall_motion", "motion", 1)) == "movement"
    assert what_it_shows(_reading(1, "hall", "hall_motion", "motion", 0)) is None
    assert what_it_shows(_reading(1, "hall", "front_door", "contact", 1)) == "front door opened"
    assert what_it_shows(_reading(1, "bedroom", "bed", "occupancy", 0)) == "bed left"
    assert what_it_shows(_reading(1, "kitchen", "kettle", "power", 2100)) == "kettle in use"
    assert what_it_shows(_reading(1, "kitchen", "kettle", "power", 40)) is None, "standby draw"
    assert what_it_shows(_reading(1, "kitchen", "fridge", "power", 150)) is None, (
        "a compressor is not a person"
    )
    assert what_it_shows(_reading(1, "kitchen", "other", "power", 5000)) is None
    assert what_it_shows(_reading(1, "lounge", "lounge_motion", "temperature", 19)) is None


def test_the_timeline_places_marks_by_room_in_order_of_first_activity() -> None:
    start = T0 - dt.timedelta(hours=24)
    line = timeline(
        [
            _reading(60, "kitchen", "kitchen_motion", "motion", 1),
            _reading(23 * 60, "bedroom", "bed", "occupancy", 0),
            _reading(25 * 60, "hall", "hall_motion", "motion", 1),  # before the window
            _reading(30, "kitchen", "kettle", "power", 2500),
        ],
        start=start,
        end=T0,
    )

    assert [room.room for room in line.rooms] == ["bedroom", "kitchen"]
    kitchen = line.rooms[1]
    assert [(round(mark.position, 4), mark.what) for mark in kitchen.marks] == [
        (round(23 / 24, 4), "movement"),
        (round(23.5 / 24, 4), "kettle in use"),
    ]
    assert [tick.hour for _, tick in line.ticks] == [12, 15, 18, 21, 0, 3, 6, 9]


def _usual_mornings(
    days: int, *, extra: dict[tuple[dt.date, int], int] | None = None
) -> dict[tuple[dt.date, int], int]:
    hourly = {(TODAY - dt.timedelta(days=n), hour): 3 for n in range(1, days + 1) for hour in (7, 8, 9, 22)}
    return {**hourly, **(extra or {})}


def test_a_quiet_morning_that_is_usually_busy_is_named_with_its_numbers() -> None:
    seen = activity_map(_usual_mornings(27), today=TODAY, hours_today=10, days=28)

    assert seen.compared_days == 27
    assert len(seen.counts) == 28
    assert seen.counts[-1] == (0,) * 24
    assert seen.usual_share[7] == 1.0
    assert seen.summary() == (
        "Today differs from the usual: nothing seen 07:00-10:00, when there is usually activity "
        "(on 27 of the last 27 days)."
    )
    assert [h for h in range(24) if seen.today_differs(h)] == [7, 8, 9]


def test_hours_not_yet_over_are_not_judged_and_usual_days_raise_nothing() -> None:
    early = activity_map(_usual_mornings(27), today=TODAY, hours_today=7, days=28)
    usual = activity_map(
        _usual_mornings(27, extra={(TODAY, 7): 2, (TODAY, 8): 1, (TODAY, 9): 4}),
        today=TODAY,
        hours_today=10,
        days=28,
    )
    assert early.summary() == "Today looks like the usual so far."
    assert usual.summary() == "Today looks like the usual so far."


def test_activity_at_an_hour_that_is_usually_quiet_is_named_too() -> None:
    night = activity_map(_usual_mornings(20, extra={(TODAY, 3): 6}), today=TODAY, hours_today=5, days=28)
    assert night.summary() == (
        "Today differs from the usual: activity 03:00-04:00, when it is usually quiet "
        "(quiet on 20 of the last 20 days)."
    )


def test_too_little_history_is_said_rather_than_guessed() -> None:
    new_home = activity_map(_usual_mornings(6), today=TODAY, hours_today=10, days=28)
    assert new_home.summary() == "Too little history to say what is usual yet (6 days)."
    assert new_home.differences == ()
