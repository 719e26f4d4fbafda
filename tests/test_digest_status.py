"""Today's status in one sentence (detection's pure `day_status`): from a day's readings and the
person's learned routine, for the family digest and the carer view."""

import dataclasses
import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detection import Device, Home, RoutineBaseline, day_status
from detection._history import summarise_history
from devices import DeviceRole, SensorKind

LONDON = "Europe/London"
# A Sunday in November: London keeps GMT, so local times read as UTC.
DAY = dt.date(2026, 11, 22)
HOME = Home(
    id="h-mum",
    timezone=LONDON,
    devices={
        "bed-mat": Device(DeviceRole.BED, "bedroom", frozenset({SensorKind.OCCUPANCY})),
        "kitchen-pir": Device(DeviceRole.KITCHEN_MOTION, "kitchen", frozenset({SensorKind.MOTION})),
        "lounge-pir": Device(DeviceRole.LOUNGE_MOTION, "lounge", frozenset({SensorKind.MOTION})),
        "front-door": Device(DeviceRole.FRONT_DOOR, "hall", frozenset({SensorKind.CONTACT})),
        "kettle-plug": Device(DeviceRole.KETTLE, "kitchen", frozenset({SensorKind.POWER})),
        "hall-temp": Device(DeviceRole.TEMPERATURE, "hall", frozenset({SensorKind.TEMPERATURE})),
    },
)
Reading = tuple[dt.datetime, str, str, float]


def at(day: dt.date, clock: str) -> dt.datetime:
    """A London wall-clock time on a day (GMT in November)."""
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=dt.UTC)


@dataclasses.dataclass(frozen=True)
class Routine:
    rise: str = "07:40"
    kettle: tuple[str, ...] = ("07:52", "09:40", "12:30", "15:30")
    out: tuple[str, str] | None = ("10:05", "11:30")
    last_about: str = "21:45"


def a_day(day: dt.date, routine: Routine = Routine()) -> list[Reading]:
    """One day of readings: in bed until `rise`, about every 15 min, the kettle, one outing,
    in bed at 22:00; the hall thermometer all day (not a sign of anyone)."""
    readings: list[Reading] = [(at(day, routine.rise), "bed-mat", "occupancy", 0.0)]
    about = at(day, routine.rise) + dt.timedelta(minutes=5)
    out = (at(day, routine.out[0]), at(day, routine.out[1])) if routine.out else None
    while about <= at(day, routine.last_about):
        if out is None or not out[0] - dt.timedelta(minutes=10) <= about <= out[1]:
            room = "kitchen-pir" if about.minute % 30 == 0 else "lounge-pir"
            readings.append((about, room, "motion", 1.0))
        about += dt.timedelta(minutes=15)
    for boil in routine.kettle:
        readings += [(at(day, boil), "kettle-plug", "power", 2200.0)]
        readings += [(at(day, boil) + dt.timedelta(minutes=3), "kettle-plug", "power", 0.0)]
    if out is not None:
        readings += [
            (out[0], "front-door", "contact", 1.0),
            (out[0] + dt.timedelta(seconds=30), "front-door", "contact", 0.0),
            (out[1], "front-door", "contact", 1.0),
            (out[1] + dt.timedelta(seconds=20), "front-door", "contact", 0.0),
        ]
    readings.append((at(day, "22:00"), "bed-mat", "occupancy", 1.0))
    readings += [
        (at(day, "00:00") + dt.timedelta(minutes=30 * k), "hall-temp", "temperature", 19.5) for k in range(48)
    ]
    return sorted(readings)


def arrays(readings: list[Reading]) -> tuple[np.ndarray, list[str], list[str], np.ndarray]:
    ordered = sorted(readings)
    return (
        np.array([r[0].timestamp() for r in ordered], dtype=np.float64),
        [r[1] for r in ordered],
        [r[2] for r in ordered],
        np.array([r[3] for r in ordered], dtype=np.float64),
    )


def learned_baseline(days: int = 14, routine: Routine = Routine()) -> RoutineBaseline:
    """The routine learned from `days` ordinary days before DAY."""
    history = [r for k in range(days, 0, -1) for r in a_day(DAY - dt.timedelta(days=k), routine)]
    first = (DAY - dt.date(1970, 1, 1)).days - days
    summaries = summarise_history(HOME, *arrays(history), range(first, first + days))
    baseline = RoutineBaseline().fit(summaries)
    assert baseline.learned
    return baseline


BASELINE = learned_baseline()


def status_at(clock: str, readings: list[Reading], **options: object) -> str:
    t, devices, sensors, values = arrays(readings)
    status = day_status(HOME, t, devices, sensors, values, now=at(DAY, clock), **options)  # type: ignore[arg-type]
    return status.sentence


def yesterday_and(today: list[Reading]) -> list[Reading]:
    return a_day(DAY - dt.timedelta(days=1)) + today


def test_an_ordinary_day_reads_as_usual_with_its_times() -> None:
    sentence = status_at("18:00", yesterday_and(a_day(DAY)), baseline=BASELINE)

    assert sentence == "All looks as usual today: up at 07:40, kettle used 4 times, out 10:05\u201311:30."


def test_the_facts_behind_the_sentence_are_there_for_the_carer_view() -> None:
    t, devices, sensors, values = arrays(yesterday_and(a_day(DAY)))

    status = day_status(HOME, t, devices, sensors, values, now=at(DAY, "18:00"), baseline=BASELINE)

    assert status.day == DAY
    assert status.rising == at(DAY, "07:40")
    assert status.kettle_uses == 4
    assert [(o.left.strftime("%H:%M"), o.back and o.back.strftime("%H:%M")) for o in status.outings] == [
        ("10:05", "11:30")
    ]
    assert (status.usual, status.later_than_usual, status.quiet_longer_than_usual) == (True, False, False)
    assert status.last_seen == at(DAY, "18:00")


def test_without_a_learned_routine_it_gives_the_facts_and_claims_nothing_usual() -> None:
    untrained = RoutineBaseline().fit_empty()

    assert status_at("18:00", yesterday_and(a_day(DAY)), baseline=untrained) == (
        "Today: up at 07:40, kettle used 4 times, out 10:05\u201311:30."
    )
    assert status_at("18:00", yesterday_and(a_day(DAY))) == (
        "Today: up at 07:40, kettle used 4 times, out 10:05\u201311:30."
    )


def test_a_late_morning_is_said_plainly() -> None:
    late = a_day(DAY, Routine(rise="10:50", kettle=("11:00",), out=None))

    assert status_at("18:00", yesterday_and(late), baseline=BASELINE) == (
        "Today: up at 10:50, later than usual, kettle used once."
    )


def test_alerts_today_are_acknowledged_before_calling_the_day_usual() -> None:
    readings = yesterday_and(a_day(DAY))

    assert status_at("18:00", readings, baseline=BASELINE, alerts_today=1) == (
        "Apart from today's alert, the day looks as usual: "
        "up at 07:40, kettle used 4 times, out 10:05\u201311:30."
    )
    assert status_at("18:00", readings, baseline=BASELINE, alerts_today=2).startswith(
        "Apart from today's alerts,"
    )


def test_out_now_and_quiet_for_long_are_told_as_they_are() -> None:
    out_now = a_day(DAY, Routine(out=("16:00", "23:00")))
    quiet = a_day(DAY, Routine(kettle=("07:52", "09:40", "12:30"), out=None, last_about="13:00"))

    assert status_at("18:00", yesterday_and(out_now), baseline=BASELINE) == (
        "All looks as usual today: up at 07:40, kettle used 4 times, out since 16:00."
    )
    assert status_at("18:00", yesterday_and(quiet), baseline=BASELINE) == (
        "Today: up at 07:40, kettle used 3 times, quiet since 13:00, longer than usual."
    )


def test_a_day_with_no_sign_of_the_person_gets_the_honest_version() -> None:
    thermometer_only = [r for r in a_day(DAY) if r[1] == "hall-temp"]
    left_last_night = a_day(DAY - dt.timedelta(days=1), Routine(out=("19:30", "23:59"), last_about="19:00"))
    left_last_night = [r for r in left_last_night if r[0] < at(DAY - dt.timedelta(days=1), "19:31")]

    assert status_at("18:00", yesterday_and(thermometer_only), baseline=BASELINE) == (
        "No sign of movement at home today (the last was at 22:00 yesterday)."
    )
    assert status_at("06:00", yesterday_and(thermometer_only), baseline=BASELINE) == (
        "No sign of movement at home yet today (the last was at 22:00 yesterday)."
    )
    assert status_at("18:00", left_last_night + thermometer_only, baseline=BASELINE) == (
        "No one has been seen at home today: out since 19:30 yesterday."
    )
    assert status_at("18:00", a_day(DAY - dt.timedelta(days=1)), baseline=BASELINE) == (
        "We have had no readings from the home today, so we cannot say how the day has gone."
    )


def test_readings_after_now_are_not_read() -> None:
    assert status_at("09:00", yesterday_and(a_day(DAY)), baseline=BASELINE) == (
        "All looks as usual today: up at 07:40, kettle used once."
    )


_DEVICES = sorted(HOME.devices)
_SENSOR_OF = {name: sorted(spec.sensors)[0] for name, spec in HOME.devices.items()}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 2 * 86_400 - 1),
            st.sampled_from(_DEVICES),
            st.one_of(
                st.sampled_from([0.0, 1.0, 2200.0, 19.5]), st.floats(allow_nan=True, allow_infinity=True)
            ),
        ),
        max_size=80,
    ),
    st.floats(0, 86_399),
)
def test_any_readings_give_one_sentence_and_never_an_error(
    raw: list[tuple[float, str, float]], clock_seconds: float
) -> None:
    start = at(DAY - dt.timedelta(days=1), "00:00").timestamp()
    readings = sorted((start + offset, device, _SENSOR_OF[device], value) for offset, device, value in raw)
    t = np.array([r[0] for r in readings], dtype=np.float64)
    now = at(DAY, "00:00") + dt.timedelta(seconds=clock_seconds)

    status = day_status(
        HOME,
        t,
        [r[1] for r in readings],
        [str(r[2]) for r in readings],
        np.array([r[3] for r in readings], dtype=np.float64),
        now=now,
        baseline=BASELINE,
    )

    assert status.sentence.endswith(".")
    assert status.sentence[0].isupper()
    assert status.day == DAY
    assert all(o.left <= now for o in status.outings)
