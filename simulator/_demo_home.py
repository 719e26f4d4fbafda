"""A plausible day in a standard demo home, as timed sensor events (pure, seeded).

This is the foundation's simple model: one person, a usual rising time, meals with the kettle,
an outing, an evening in the lounge, bed. The full persona-based simulator replaces it.
"""

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Callable

import numpy as np

from devices import DeviceEntry, DeviceRole, HouseholdEntry, RegistryFile, SensorKind

# (device id, role, room, sensors) of the demo's standard kit.
STANDARD_KIT: tuple[tuple[str, DeviceRole, str, tuple[SensorKind, ...]], ...] = (
    ("front-door", DeviceRole.FRONT_DOOR, "hall", (SensorKind.CONTACT,)),
    ("kitchen-pir", DeviceRole.KITCHEN_MOTION, "kitchen", (SensorKind.MOTION,)),
    ("lounge-pir", DeviceRole.LOUNGE_MOTION, "lounge", (SensorKind.MOTION,)),
    ("bedroom-pir", DeviceRole.BEDROOM_MOTION, "bedroom", (SensorKind.MOTION,)),
    ("bathroom-pir", DeviceRole.BATHROOM_MOTION, "bathroom", (SensorKind.MOTION,)),
    ("kettle-plug", DeviceRole.KETTLE, "kitchen", (SensorKind.POWER,)),
    ("bed-mat", DeviceRole.BED, "bedroom", (SensorKind.OCCUPANCY,)),
    ("pendant", DeviceRole.PENDANT, "person", (SensorKind.ALARM,)),
)


# Hours after local midnight -> an instant in UTC.
LocalClock = Callable[[float], dt.datetime]


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    ts: dt.datetime
    device: str
    sensor: SensorKind
    value: float


def demo_registry(households: int, timezone: str = "Europe/London") -> RegistryFile:
    ids = [f"demo-{n:02d}" for n in range(1, households + 1)]
    return RegistryFile(
        households=[HouseholdEntry(id=h, timezone=timezone) for h in ids],
        devices=[
            DeviceEntry(household=h, id=device, role=role, room=room, sensors=frozenset(sensors))
            for h in ids
            for device, role, room, sensors in STANDARD_KIT
        ],
    )


def day_events(local_day: dt.date, timezone: str, rng: np.random.Generator) -> list[Event]:
    """The sensor events of one person's day (local midnight to midnight), in time order."""
    tz = zoneinfo.ZoneInfo(timezone)
    midnight = dt.datetime.combine(local_day, dt.time(), tzinfo=tz)

    def at(hours: float) -> dt.datetime:
        return (midnight + dt.timedelta(hours=hours)).astimezone(dt.UTC)

    events: list[Event] = []
    rise = rng.normal(7.3, 0.4)
    bedtime = rng.normal(22.4, 0.4)
    _night_toilet(events, at, rng)
    events.append(Event(at(rise), "bed-mat", SensorKind.OCCUPANCY, 0))
    _visit(events, at, "bedroom-pir", rise + 0.01, minutes=4, rng=rng)
    _visit(events, at, "bathroom-pir", rise + 0.1, minutes=rng.uniform(8, 20), rng=rng)
    for meal in (rise + 0.5, rng.normal(12.5, 0.3), rng.normal(17.8, 0.4)):
        _visit(events, at, "kitchen-pir", meal, minutes=rng.uniform(10, 30), rng=rng)
        if rng.random() < 0.85:
            _kettle(events, at, meal + 0.05, rng)
    if rng.random() < 0.6:
        _outing(events, at, rng.uniform(9.5, 15.0), hours=rng.uniform(0.5, 2.5))
    for start in np.arange(rise + 1.5, bedtime - 0.5, 1.3):
        _visit(events, at, "lounge-pir", start + rng.uniform(0, 0.5), minutes=45, rng=rng)
    _visit(events, at, "bathroom-pir", bedtime - 0.2, minutes=6, rng=rng)
    events.append(Event(at(bedtime), "bed-mat", SensorKind.OCCUPANCY, 1))
    return sorted(events, key=lambda e: e.ts)


def _visit(
    events: list[Event],
    at: LocalClock,
    device: str,
    start: float,
    *,
    minutes: float,
    rng: np.random.Generator,
) -> None:
    # A PIR reports movement, then "cleared" after its blind time; a person in a room for a
    # while retriggers it every few minutes.
    t = start
    end = start + minutes / 60
    while t < end:
        events.append(Event(at(t), device, SensorKind.MOTION, 1))
        events.append(Event(at(t + 1 / 60), device, SensorKind.MOTION, 0))
        t += rng.uniform(2, 6) / 60


def _kettle(events: list[Event], at: LocalClock, start: float, rng: np.random.Generator) -> None:
    watts = rng.uniform(2000, 3000)
    events.append(Event(at(start), "kettle-plug", SensorKind.POWER, round(watts, 1)))
    events.append(Event(at(start + rng.uniform(2, 4) / 60), "kettle-plug", SensorKind.POWER, 0))


def _outing(events: list[Event], at: LocalClock, start: float, *, hours: float) -> None:
    for t in (start, start + hours):
        events.append(Event(at(t), "front-door", SensorKind.CONTACT, 1))
        events.append(Event(at(t + 0.5 / 60), "front-door", SensorKind.CONTACT, 0))


def _night_toilet(events: list[Event], at: LocalClock, rng: np.random.Generator) -> None:
    for _ in range(rng.poisson(0.8)):
        t = rng.uniform(1.0, 5.5)
        events.append(Event(at(t), "bed-mat", SensorKind.OCCUPANCY, 0))
        _visit(events, at, "bathroom-pir", t + 0.02, minutes=4, rng=rng)
        events.append(Event(at(t + 0.12), "bed-mat", SensorKind.OCCUPANCY, 1))
