"""The detection engine for a set of homes: readings in (instant rules, state), a tick each
minute (watchdogs), finding episodes out. The same code serves the live service and the
evaluation of a scenario in simulated time."""

import dataclasses
import datetime as dt
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from detection._baseline import RoutineBaseline
from detection._explain import explain
from detection._feedback import band_of, widen
from detection._localtime import utc_offsets
from detection._signals import BATHROOM_ROLES, KITCHEN_ROLES, OUTSIDE_DOORS, REST_MATS, Place, place_of
from detection._state import HomeStates
from detection._watchdogs import Alarm, BaselineArrays, Capabilities, watchdog_pass
from devices import DeviceRole, SensorKind
from devices._health import DeviceHealth, assess, default_interval

SEVERITY = {
    "alarm_pressed": "urgent",
    "fall_detected": "urgent",
    "smoke": "urgent",
    "carbon_monoxide": "urgent",
    "inactivity": "urgent",
    "bathroom_long": "high",
    "water_leak": "high",
    "night_exit": "high",  # urgent for a person known to wander: the alerts service knows who
    "not_up": "high",
    "not_back_home": "high",
    "expected_activity_missing": "routine",
    "cold_home": "high",
    "hot_home": "high",
    "hub_offline": "high",
}
# Detection's own findings (device health's are the device-health service's to write).
PERSON_KINDS = frozenset(SEVERITY)

_SAFETY = {
    SensorKind.ALARM: "alarm_pressed",
    SensorKind.FALL: "fall_detected",
    SensorKind.SMOKE: "smoke",
    SensorKind.CARBON_MONOXIDE: "carbon_monoxide",
    SensorKind.WATER_LEAK: "water_leak",
}


@dataclasses.dataclass(frozen=True, slots=True)
class Device:
    role: DeviceRole
    room: str
    sensors: frozenset[SensorKind] = frozenset()


@dataclasses.dataclass(frozen=True, slots=True)
class Home:
    """A household as detection needs it: where it is and what its devices are."""

    id: str
    timezone: str
    devices: dict[str, Device]


@dataclasses.dataclass(slots=True)
class Episode:
    """One finding: a condition from its onset until it clears."""

    household: str
    kind: str
    severity: str
    onset: float
    detected_at: float
    message: str
    evidence: dict[str, float]
    device: str | None = None
    cleared_at: float | None = None

    @property
    def condition_key(self) -> str:
        return f"{self.kind}:{self.device}" if self.device else self.kind


class Engine:
    def __init__(
        self, homes: list[Home], *, expected_interval: Callable[[DeviceRole], dt.timedelta] = default_interval
    ) -> None:
        self._expected_interval = expected_interval
        self.homes = homes
        self.states = HomeStates([h.id for h in homes])
        self.baselines = {h.id: RoutineBaseline().fit_empty() for h in homes}
        self.capabilities = _capabilities(homes)
        self.open: dict[tuple[str, str], Episode] = {}
        self.closed: list[Episode] = []
        self.watched = np.ones(len(homes), dtype=bool)
        # What responders' outcomes taught: per household, (watchdog, band) -> how far widened.
        self.adjustments: dict[str, dict[tuple[str, int], float]] = {}
        self._arrays = self._baseline_arrays()
        self._offsets_hour = -1.0
        self._offsets = np.zeros(len(homes))
        # Per device: last heard, last saw the person, battery; for device health.
        self._heard: dict[tuple[str, str], float] = {}
        self._active: dict[tuple[str, str], float] = {}
        self._battery: dict[tuple[str, str], float] = {}
        self._installed_at: float | None = None
        self._next_health = -np.inf

    def set_baselines(self, baselines: dict[str, RoutineBaseline]) -> None:
        self.baselines.update(baselines)
        self._arrays = self._baseline_arrays()

    def set_adjustments(self, adjustments: dict[str, dict[tuple[str, int], float]]) -> None:
        """Limits widened by what responders' outcomes taught (detection._feedback)."""
        self.adjustments = adjustments
        self._arrays = self._baseline_arrays()

    def _baseline_arrays(self) -> BaselineArrays:
        arrays = _baseline_arrays([self.baselines[h.id] for h in self.homes])
        rows = {self.states.index[h]: f for h, f in self.adjustments.items() if h in self.states.index}
        return widen(arrays, rows) if rows else arrays

    def observe(
        self, household: str, device: str, sensor: SensorKind, value: float, t: float, *, late: bool = False
    ) -> None:
        """One reading, in time order: instant rules, then the home's state. A `late` reading
        (a hub's backlog) updates the state and can end an episode, but opens none."""
        i = self.states.index[household]
        home = self.homes[i]
        self.states.observe_reading(i, t)
        self._heard[(household, device)] = t
        if self._installed_at is None:
            self._installed_at = t
        if sensor is SensorKind.BATTERY:
            self._battery[(household, device)] = value
        spec = home.devices.get(device)
        if spec is None:
            return
        if sensor in _SAFETY:
            self._safety(home, device, _SAFETY[sensor], value, t, opening=not late)
        elif sensor is SensorKind.TEMPERATURE:
            self.states.observe_temperature(i, device, t, value)
        elif sensor is SensorKind.OCCUPANCY and spec.role in REST_MATS:
            self.states.observe_mat(i, device, value == 1, t, bed=spec.role is DeviceRole.BED)
        place = place_of(spec.role, spec.room, sensor, value)
        if place == Place.NONE:
            return
        self._active[(household, device)] = t
        if place == Place.OUTSIDE_DOOR and value == 1:
            if not late:
                self._maybe_night_exit(i, home, t)
        elif place != Place.OUTSIDE_DOOR:
            self._close(home.id, "night_exit", t)  # someone is inside: back home
        self.states.observe_sign(i, t, place)

    def tick(self, now: float) -> None:
        """Run every watchdog for every home; open, refresh and clear their episodes."""
        alarms = watchdog_pass(
            self.states, self._arrays, self.capabilities, now, self._utc_offsets(now), self.watched
        )
        holding = {(self.homes[a.household].id, a.kind): a for a in alarms}
        for key, alarm in holding.items():
            if key in self.open:
                self.open[key].evidence = alarm.numbers
            else:
                self._open_alarm(alarm, now)
        for key in [k for k, e in self.open.items() if k[1] in _WATCHDOG_KINDS and k not in holding]:
            if not self._still_since(key):
                self._close(*key, now)
        if now >= self._next_health:
            self._device_health(now)
            self._next_health = now + HEALTH_EVERY

    def _still_since(self, key: tuple[str, str]) -> bool:
        """An inactivity concern holds until the person is seen again: a limit that grows with
        the next half hour, or the night beginning, does not make a still person well, and
        closing would only raise the same concern again minutes later."""
        household, kind = key
        last_sign = self.states.last_sign[self.states.index[household]]
        return kind == "inactivity" and bool(last_sign <= self.open[key].onset)

    def _device_health(self, now: float) -> None:
        """The device-health service's own decisions (devices._health.assess) over what was heard."""
        at = dt.datetime.fromtimestamp
        devices = [
            DeviceHealth(
                household=home.id,
                device=name,
                role=spec.role,
                room=spec.room,
                expected_interval=self._expected_interval(spec.role),
                installed_at=at(self._installed_at or now, dt.UTC),
                last_seen_at=at(heard, dt.UTC) if (heard := self._heard.get((home.id, name))) else None,
                last_activity_at=at(seen, dt.UTC) if (seen := self._active.get((home.id, name))) else None,
                online=None,
                status_changed_at=None,
                battery=self._battery.get((home.id, name)),
            )
            for home in self.homes
            for name, spec in home.devices.items()
        ]
        found = {(f.household, f.condition_key): f for f in assess(devices, at(now, dt.UTC))}
        for opened, finding in found.items():
            if opened not in self.open:
                self.open[opened] = Episode(
                    household=finding.household,
                    kind=finding.kind,
                    severity="routine",
                    onset=finding.onset.timestamp(),
                    detected_at=now,
                    message=finding.message,
                    evidence={},
                    device=finding.device,
                )
        for key in [k for k, e in self.open.items() if e.kind in DEVICE_KINDS and k not in found]:
            self._close(*key, now)

    def _utc_offsets(self, now: float) -> npt.NDArray[np.float64]:
        """Each home's UTC offset now; offsets only change on the hour, so once an hour."""
        hour = now // 3600
        if hour != self._offsets_hour:
            by_zone = {
                tz: utc_offsets(np.array([hour * 3600]), tz)[0] for tz in {h.timezone for h in self.homes}
            }
            self._offsets = np.array([by_zone[h.timezone] for h in self.homes])
            self._offsets_hour = hour
        return self._offsets

    def _open_alarm(self, alarm: Alarm, now: float) -> None:
        home = self.homes[alarm.household]
        baseline = self.baselines[home.id]
        numbers = dict(alarm.numbers)
        if alarm.kind == "inactivity":
            usual = baseline.rest_usual_ if numbers.get("resting") else baseline.quiet_usual_
            local = now + self._utc_offsets(now)[alarm.household]
            if usual:
                numbers["usual_s"] = usual[int(local % 86_400 // 1800)]
        numbers.setdefault("place", float(self.states.last_place[alarm.household]))
        widened = self.adjustments.get(home.id, {}).get(
            (alarm.kind, band_of(alarm.kind, now, home.timezone)), 1.0
        )
        if widened > 1:
            numbers["widened_by"] = widened
        if alarm.kind in ("not_up", "expected_activity_missing"):
            grace = baseline.rising_grace if alarm.kind == "not_up" else baseline.kitchen_grace
            numbers["grace_s"] = grace
            numbers["now"] = now
        self._emit(home, alarm.kind, alarm.onset, now, numbers)

    def _safety(self, home: Home, device: str, kind: str, value: float, t: float, *, opening: bool) -> None:
        if value == 1:
            if opening and (home.id, kind) not in self.open:
                self._emit(home, kind, t, t, {}, device=device)
        else:
            self._close(home.id, kind, t)  # cancelled, or the detector reset

    def _maybe_night_exit(self, i: int, home: Home, t: float) -> None:
        states = self.states
        if states.last_door[i] > (
            states.last_inside[i] if states.last_inside[i] == states.last_inside[i] else -1
        ):
            return  # the person was out: this door is them coming home
        start, end = self._arrays.night_start[i], self._arrays.night_end[i]
        local = (t + self._utc_offsets(t)[i]) % 86_400
        if self._arrays.usual_departure[i, int(local // 3600) % 24]:
            return  # they go out at this hour often enough: a habit, not an exit in the night
        # The night starts before midnight (23:45) or after it (settled at 00:30: 24:45).
        in_night = (local >= start or local < end) if start < 86_400 else (start - 86_400 <= local < end)
        if in_night and (home.id, "night_exit") not in self.open:
            self._emit(home, "night_exit", t, t, {"night_start_s": start, "night_end_s": end})

    def _emit(
        self,
        home: Home,
        kind: str,
        onset: float,
        now: float,
        numbers: dict[str, float],
        device: str | None = None,
    ) -> None:
        baseline = self.baselines[home.id]
        message = explain(
            kind, numbers, onset=onset, timezone=home.timezone, days_learned=baseline.days_learned_
        )
        self.open[(home.id, kind)] = Episode(
            household=home.id,
            kind=kind,
            severity=SEVERITY.get(kind, "high"),
            onset=onset,
            detected_at=now,
            message=message,
            evidence=numbers,
            device=device,
        )

    def _close(self, household: str, key: str, now: float) -> None:
        episode = self.open.pop((household, key), None)
        if episode is not None:
            episode.cleared_at = now
            self.closed.append(episode)

    def episodes(self) -> list[Episode]:
        return sorted([*self.closed, *self.open.values()], key=lambda e: (e.detected_at, e.household, e.kind))


# Device health is judged in hours (a battery sensor may be quiet for 25 h): hourly is plenty.
HEALTH_EVERY = 3600.0
DEVICE_KINDS = frozenset({"device_offline", "battery_low", "sensor_silent"})

_WATCHDOG_KINDS = frozenset(
    {
        "inactivity",
        "not_up",
        "expected_activity_missing",
        "bathroom_long",
        "not_back_home",
        "cold_home",
        "hot_home",
        "hub_offline",
    }
)


# With motion sensors in the rooms a person crosses, stillness is seen within the hour; with only
# doors, cupboards and appliances a person can sit unseen for hours: no shorter stillness is news.
SEEN_MOVING_FLOOR = 50 * 60.0
UNSEEN_FLOOR = 3 * 3600.0


def _capabilities(homes: list[Home]) -> Capabilities:
    def has(test: Callable[[Device], bool]) -> npt.NDArray[np.bool_]:
        return np.array([any(test(d) for d in h.devices.values()) for h in homes], dtype=bool)

    room_motion = has(lambda d: SensorKind.MOTION in d.sensors and d.role not in BATHROOM_ROLES)
    return Capabilities(
        inside=has(lambda d: d.role not in OUTSIDE_DOORS and d.role not in _NOT_PERSON),
        kitchen=has(lambda d: d.role in KITCHEN_ROLES or d.room == "kitchen"),
        bathroom=has(lambda d: d.role in BATHROOM_ROLES or d.room == "bathroom") & room_motion,
        # Temperature is reported on a timer whatever the person does: its silence is the link's.
        heartbeat=has(lambda d: d.role is DeviceRole.HUB or SensorKind.TEMPERATURE in d.sensors),
        shortest_inactivity=np.where(room_motion, SEEN_MOVING_FLOOR, UNSEEN_FLOOR),
    )


_NOT_PERSON = frozenset(
    {
        DeviceRole.PENDANT,
        DeviceRole.SMOKE,
        DeviceRole.CARBON_MONOXIDE,
        DeviceRole.WATER_LEAK,
        DeviceRole.HUB,
        DeviceRole.TEMPERATURE,
        DeviceRole.FALL_DETECTOR,
    }
)


def _baseline_arrays(baselines: list[RoutineBaseline]) -> BaselineArrays:
    return BaselineArrays(
        quiet_limit=np.array([b.quiet_limit_ for b in baselines], dtype=float).reshape(len(baselines), 48),
        rest_limit=np.array([b.rest_limit_ for b in baselines], dtype=float).reshape(len(baselines), 48),
        latest_rising=np.array([b.latest_rising_ for b in baselines], dtype=float).reshape(len(baselines), 2),
        latest_kitchen=np.array([b.latest_kitchen_ for b in baselines], dtype=float).reshape(
            len(baselines), 2
        ),
        night_start=np.array([b.night_[0] for b in baselines], dtype=float),
        night_end=np.array([b.night_[1] for b in baselines], dtype=float),
        bathroom_limit=np.array([b.bathroom_limit_ for b in baselines], dtype=float),
        usual_departure=np.array([b.usual_departure_hours_ for b in baselines], dtype=bool).reshape(
            len(baselines), 24
        ),
        learned=np.array([b.learned for b in baselines], dtype=bool),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Capability:
    """What a home's devices let detection see, in words for its care record."""

    detectors: tuple[str, ...]
    shortest_inactivity_s: float
    cannot: tuple[str, ...]


def capability_of(home: Home) -> Capability:
    """Which detectors this home's devices support, and the shortest stillness they can tell."""
    seen = _capabilities([home])
    kinds = {sensor for device in home.devices.values() for sensor in device.sensors}
    roles = {device.role for device in home.devices.values()}
    available = {
        "alarm_pressed": SensorKind.ALARM in kinds,
        "fall_detected": SensorKind.FALL in kinds,
        "smoke": SensorKind.SMOKE in kinds,
        "carbon_monoxide": SensorKind.CARBON_MONOXIDE in kinds,
        "water_leak": SensorKind.WATER_LEAK in kinds,
        "night_exit": bool(roles & OUTSIDE_DOORS),
        "not_back_home": bool(roles & OUTSIDE_DOORS),
        "inactivity": bool(seen.inside[0]),
        "not_up": bool(seen.inside[0]),
        "expected_activity_missing": bool(seen.kitchen[0]),
        "bathroom_long": bool(seen.bathroom[0]),
        "cold_home": SensorKind.TEMPERATURE in kinds,
        "hot_home": SensorKind.TEMPERATURE in kinds,
        "hub_offline": bool(seen.heartbeat[0]),
    }
    return Capability(
        detectors=tuple(k for k, ok in available.items() if ok),
        shortest_inactivity_s=float(seen.shortest_inactivity[0]) if seen.inside[0] else float("inf"),
        cannot=tuple(k for k, ok in available.items() if not ok),
    )
