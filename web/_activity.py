"""What a household's sensors saw, shaped for a responder's eye (pure functions): the last
day as marks on a line per room, and the last weeks as a days-by-hours map with the hours
where today differs from the usual picked out in words."""

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping

from devices import DEFAULT_USAGE_THRESHOLDS, DeviceRole

# Judging "usual" needs a week of days at least; with fewer, the map is shown but not read.
MIN_DAYS_TO_COMPARE = 7
# An hour is "usually active" when some activity was seen in it on at least this share of the
# days, and "usually quiet" when on at most that share: a mostly-regular routine clears these
# bars, and a responder is only shown hours where today breaks a strong habit.
USUALLY_ACTIVE = 0.8
USUALLY_QUIET = 0.1


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    at: dt.datetime
    position: float  # 0 (start of the line) to 1 (its end)
    what: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RoomLine:
    room: str
    marks: tuple[Mark, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Timeline:
    start: dt.datetime
    end: dt.datetime
    rooms: tuple[RoomLine, ...]
    ticks: tuple[tuple[float, dt.datetime], ...]  # (position, instant) every 3 hours


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Reading:
    """One stored reading with where its device is and what it watches."""

    at: dt.datetime
    room: str
    role: str
    sensor: str
    value: float


def what_it_shows(reading: Reading) -> str | None:
    """The reading as a sign of the person, in words; None for what says nothing about them
    (a motion sensor clearing, a temperature, a fridge compressor, a battery level)."""
    if reading.sensor == "motion":
        return "movement" if reading.value >= 1 else None
    if reading.sensor == "contact":
        return f"{_name(reading.role)} {'opened' if reading.value >= 1 else 'closed'}"
    if reading.sensor == "occupancy":
        return f"{_name(reading.role)} {'occupied' if reading.value >= 1 else 'left'}"
    if reading.sensor == "alarm":
        return "pendant pressed" if reading.value >= 1 else "pendant cancelled"
    if reading.sensor == "power":
        role = _role(reading.role)
        thresholds = DEFAULT_USAGE_THRESHOLDS.get(role) if role is not None else None
        if thresholds is not None and reading.value >= thresholds.on_watts:
            return f"{_name(reading.role)} in use"
    return None


def timeline(readings: Iterable[Reading], *, start: dt.datetime, end: dt.datetime) -> Timeline:
    """Marks for each room, rooms in the order they were first active."""
    span = (end - start).total_seconds()
    rooms: dict[str, list[Mark]] = {}
    for reading in sorted(readings, key=lambda r: r.at):
        what = what_it_shows(reading)
        if what is None or not start <= reading.at <= end:
            continue
        position = (reading.at - start).total_seconds() / span
        rooms.setdefault(reading.room, []).append(Mark(at=reading.at, position=position, what=what))
    first_tick = start.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    ticks = []
    tick = first_tick
    while tick < end:
        if tick.hour % 3 == 0:
            ticks.append(((tick - start).total_seconds() / span, tick))
        tick += dt.timedelta(hours=1)
    return Timeline(
        start=start,
        end=end,
        rooms=tuple(RoomLine(room=room, marks=tuple(marks)) for room, marks in rooms.items()),
        ticks=tuple(ticks),
    )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """Consecutive hours of today that break a strong habit."""

    first_hour: int
    last_hour: int
    quiet: bool  # True: nothing seen where there usually is; False: activity where usually none
    usual_days: int  # days (of `compared_days`) on which these hours were as usual
    compared_days: int

    def describe(self) -> str:
        hours = f"{self.first_hour:02d}:00-{self.last_hour + 1:02d}:00"
        if self.quiet:
            return (
                f"nothing seen {hours}, when there is usually activity "
                f"(on {self.usual_days} of the last {self.compared_days} days)"
            )
        return (
            f"activity {hours}, when it is usually quiet "
            f"(quiet on {self.usual_days} of the last {self.compared_days} days)"
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ActivityMap:
    days: tuple[dt.date, ...]  # oldest first; the last is today
    counts: tuple[tuple[int, ...], ...]  # per day, 24 hourly counts of signs of the person
    hours_today: int  # complete hours of today so far: later ones are not judged yet
    usual_share: tuple[float, ...]  # per hour, share of earlier days with any activity in it
    compared_days: int  # earlier days with any activity at all (days the home was watched)
    differences: tuple[Difference, ...]

    def today_differs(self, hour: int) -> bool:
        return any(d.first_hour <= hour <= d.last_hour for d in self.differences)

    @property
    def busiest(self) -> int:
        return max((max(day) for day in self.counts), default=0)

    def summary(self) -> str:
        if self.compared_days < MIN_DAYS_TO_COMPARE:
            return f"Too little history to say what is usual yet ({self.compared_days} days)."
        if not self.differences:
            return "Today looks like the usual so far."
        return "Today differs from the usual: " + "; ".join(d.describe() for d in self.differences) + "."


def activity_map(
    hourly: Mapping[tuple[dt.date, int], int], *, today: dt.date, hours_today: int, days: int
) -> ActivityMap:
    """From counts of signs of the person per local (date, hour) over `days` days ending today."""
    dates = tuple(today - dt.timedelta(days=n) for n in range(days - 1, -1, -1))
    counts = tuple(tuple(hourly.get((day, hour), 0) for hour in range(24)) for day in dates)
    earlier = [row for row in counts[:-1] if any(row)]
    compared = len(earlier)
    share = tuple(
        sum(1 for row in earlier if row[hour]) / compared if compared else 0.0 for hour in range(24)
    )
    differences: list[Difference] = []
    if compared >= MIN_DAYS_TO_COMPARE:
        for hour in range(hours_today):
            active_today = counts[-1][hour] > 0
            quiet = not active_today and share[hour] >= USUALLY_ACTIVE
            if not quiet and not (active_today and share[hour] <= USUALLY_QUIET):
                continue
            usual = round((share[hour] if quiet else 1 - share[hour]) * compared)
            last = differences[-1] if differences else None
            if last is not None and last.quiet == quiet and last.last_hour == hour - 1:
                differences[-1] = dataclasses.replace(
                    last, last_hour=hour, usual_days=min(last.usual_days, usual)
                )
            else:
                differences.append(
                    Difference(
                        first_hour=hour, last_hour=hour, quiet=quiet, usual_days=usual, compared_days=compared
                    )
                )
    return ActivityMap(
        days=dates,
        counts=counts,
        hours_today=hours_today,
        usual_share=share,
        compared_days=compared,
        differences=tuple(differences),
    )


def _role(role: str) -> DeviceRole | None:
    try:
        return DeviceRole(role)
    except ValueError:
        return None


def _name(role: str) -> str:
    return role.replace("_", " ")
