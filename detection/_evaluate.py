"""Replay a scenario folder through the real detection code in simulated time, and score what
it finds against the ground truth.

Matching rule: a finding matches an incident when it is for the same household, of a kind
compatible with the incident (COMPATIBLE), and first detected between the incident's start
and its end plus TOLERANCE. The first matching finding gives the delay (detection time minus
incident start). A finding that falls inside no real incident of its household (within the
same window) is a false alert; device-health findings are counted apart, and non-incidents
(away, visitors, lie-in) never excuse a finding.
"""

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from detection._baseline import WINDOW_DAYS, RoutineBaseline
from detection._daily import DaySummaries, summarise_days
from detection._engine import Device, Engine, Episode, Home
from detection._localtime import SECONDS_PER_DAY, local_day_and_time
from detection._signals import REST_MATS, Place, place_of
from devices import DeviceRole, SensorKind
from devices._health import BATTERY_INTERVAL
from simulator._scenario import SENSOR_KINDS, ReadingTable, Scenario
from simulator._truth import NON_INCIDENTS, Incident

# Which findings answer which incident (kinds as the simulator names them).
COMPATIBLE: dict[str, frozenset[str]] = {
    "collapse": frozenset({"inactivity", "bathroom_long", "not_up", "expected_activity_missing"}),
    "missed_wakeup": frozenset({"not_up", "inactivity", "expected_activity_missing"}),
    "night_exit": frozenset({"night_exit", "not_back_home"}),
    "bathroom_long": frozenset({"bathroom_long", "inactivity"}),
    "cold_home": frozenset({"cold_home"}),
    "hub_offline": frozenset({"hub_offline", "device_offline"}),
    "battery_dead": frozenset({"device_offline", "battery_low", "sensor_silent"}),
    "decline": frozenset({"routine_change"}),
}
DEVICE_HEALTH = frozenset({"hub_offline", "device_offline", "battery_low", "sensor_silent"})
# A person found on the floor at 10:00 may still be reported by a watchdog at 10:20.
TOLERANCE = dt.timedelta(hours=1)
TICK_SECONDS = 60


@dataclasses.dataclass(frozen=True, slots=True)
class KindScore:
    count: int
    detected: int
    recall: float
    median_delay_min: float | None
    p90_delay_min: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Evaluation:
    households: int
    days: float
    by_kind: dict[str, KindScore]
    false_alerts: int
    false_alerts_per_household_30d: float
    device_findings: int
    false_by_kind: dict[str, int]

    def as_json(self) -> dict[str, object]:
        return dataclasses.asdict(self)


def homes_of(scenario: Scenario) -> list[Home]:
    devices: dict[str, dict[str, Device]] = {h.id: {} for h in scenario.registry.households}
    for d in scenario.registry.devices:
        devices[d.household][d.id] = Device(role=DeviceRole(d.role), room=d.room, sensors=d.sensors)
    return [Home(id=h.id, timezone=h.timezone, devices=devices[h.id]) for h in scenario.registry.households]


def places(scenario: Scenario, homes: list[Home]) -> npt.NDArray[np.int8]:
    """Each reading's Place, computed once per (device, sensor) with the value rules vectorised."""
    table = scenario.readings
    result = np.zeros(len(table), dtype=np.int8)
    by_id = {h.id: h for h in homes}
    pairs = np.unique(np.stack([table.household, table.device, table.sensor.astype(np.int32)]), axis=1)
    for h_code, d_code, s_code in pairs.T:
        home = by_id.get(table.households[h_code])
        device = home.devices.get(table.devices[d_code]) if home else None
        if device is None:
            continue
        rows = (table.household == h_code) & (table.device == d_code) & (table.sensor == s_code)
        sensor = SENSOR_KINDS[s_code]
        for value in np.unique(table.value[rows]):
            place = place_of(device.role, device.room, sensor, float(value))
            if place != Place.NONE:
                result[rows & (table.value == value)] = place
    return result


def replay(scenario: Scenario) -> list[Episode]:
    """Every finding detection makes on this scenario, minute by minute in simulated time."""
    homes = homes_of(scenario)
    # A scenario does not say how often each device reports; a plug that speaks only when used
    # must not look offline, so every device gets the longest usual silence.
    engine = Engine(homes, expected_interval=lambda role: BATTERY_INTERVAL)
    table = scenario.readings
    if len(table) == 0:
        return []
    place = places(scenario, homes)
    summaries = {h.id: _summaries(scenario, h, place) for h in homes}
    h_index = np.array([engine.states.index.get(h, -1) for h in table.households])[table.household]
    sensors = [SENSOR_KINDS[s] for s in table.sensor.tolist()]
    start = math.floor(table.ts[0] / TICK_SECONDS) * TICK_SECONDS
    end = table.ts[-1] + TICK_SECONDS
    next_refit = start
    cursor = 0
    for now in np.arange(start + TICK_SECONDS, end, TICK_SECONDS):
        if now >= next_refit:
            engine.set_baselines(_fit(homes, summaries, now))
            next_refit = now + SECONDS_PER_DAY
        upto = int(np.searchsorted(table.ts, now, side="left"))
        for row in range(cursor, upto):
            i = h_index[row]
            if i >= 0:
                engine.observe(
                    homes[i].id,
                    table.devices[table.device[row]],
                    sensors[row],
                    float(table.value[row]),
                    float(table.ts[row]),
                )
        cursor = upto
        engine.tick(float(now))
    return engine.episodes()


def _summaries(scenario: Scenario, home: Home, place: npt.NDArray[np.int8]) -> DaySummaries:
    table = scenario.readings
    code = table.households.index(home.id) if home.id in table.households else -1
    rows = np.flatnonzero(table.household == code)
    t = table.ts[rows]
    days, _ = local_day_and_time(t, home.timezone) if t.size else (np.zeros(1, dtype=np.int64), None)
    resting = _occupied(table, rows, home, REST_MATS)
    has_bed = any(d.role is DeviceRole.BED for d in home.devices.values())
    in_bed = _occupied(table, rows, home, frozenset({DeviceRole.BED})) if has_bed else None
    span = range(int(days.min()), int(days.max()) + 1)
    return summarise_days(t, place[rows], resting, in_bed, home.timezone, span)


def _occupied(
    table: ReadingTable, rows: npt.NDArray[np.intp], home: Home, mats: frozenset[DeviceRole]
) -> npt.NDArray[np.bool_]:
    """After each of the household's readings: is any of these mats occupied?"""
    occupancy = SENSOR_KINDS.index(SensorKind.OCCUPANCY)
    resting = np.zeros(len(rows), dtype=bool)
    for name, device in home.devices.items():
        if device.role not in mats or name not in table.devices:
            continue
        mine = (table.device[rows] == table.devices.index(name)) & (table.sensor[rows] == occupancy)
        changes = np.flatnonzero(mine)
        if changes.size == 0:
            continue
        # Each reading takes the mat's latest state at or before it (none before the first: empty).
        latest = np.searchsorted(changes, np.arange(len(rows)), side="right") - 1
        state = np.where(latest >= 0, table.value[rows][changes[np.maximum(latest, 0)]] == 1, False)
        resting |= state
    return resting


def _fit(homes: Sequence[Home], summaries: dict[str, DaySummaries], now: float) -> dict[str, RoutineBaseline]:
    """Each home's baseline from its days before today (never from the future)."""
    fitted = {}
    for home in homes:
        s = summaries[home.id]
        today = int(local_day_and_time(np.array([now]), home.timezone)[0][0])
        rows = (s.days < today) & (s.days >= today - WINDOW_DAYS)
        fitted[home.id] = RoutineBaseline().fit(_take(s, rows))
    return fitted


def _take(s: DaySummaries, rows: npt.NDArray[np.bool_]) -> DaySummaries:
    return DaySummaries(
        days=s.days[rows],
        quiet_max=s.quiet_max[rows],
        rest_max=s.rest_max[rows],
        rising=s.rising[rows],
        first_kitchen=s.first_kitchen[rows],
        settle=s.settle[rows],
        bathroom_max=s.bathroom_max[rows],
        departures=s.departures[rows],
    )


def score(episodes: Iterable[Episode], scenario: Scenario) -> Evaluation:
    incidents = [i for i in scenario.truth if i.kind not in NON_INCIDENTS]
    episodes = list(episodes)
    by_kind: dict[str, list[float | None]] = {}
    for incident in incidents:
        by_kind.setdefault(str(incident.kind), []).append(_delay(incident, episodes))
    person = [e for e in episodes if e.kind not in DEVICE_HEALTH]
    false = [e for e in person if not any(_within(e, i) for i in incidents if i.household == e.household)]
    table = scenario.readings
    households = len(scenario.registry.households)
    days = float((table.ts[-1] - table.ts[0]) / SECONDS_PER_DAY) if len(table) else 0.0
    exposure = households * days / 30 if days else 1.0
    false_by_kind: dict[str, int] = {}
    for e in false:
        false_by_kind[e.kind] = false_by_kind.get(e.kind, 0) + 1
    return Evaluation(
        households=households,
        days=round(days, 1),
        by_kind={kind: _kind_score(delays) for kind, delays in sorted(by_kind.items())},
        false_alerts=len(false),
        false_alerts_per_household_30d=round(len(false) / exposure, 3),
        device_findings=sum(e.kind in DEVICE_HEALTH for e in episodes),
        false_by_kind=false_by_kind,
    )


def _within(episode: Episode, incident: Incident) -> bool:
    return incident.start.timestamp() <= episode.detected_at <= (incident.end + TOLERANCE).timestamp()


def _delay(incident: Incident, episodes: list[Episode]) -> float | None:
    compatible = COMPATIBLE.get(str(incident.kind), frozenset())
    matching = [
        e.detected_at
        for e in episodes
        if e.household == incident.household and e.kind in compatible and _within(e, incident)
    ]
    return (min(matching) - incident.start.timestamp()) / 60 if matching else None


def _kind_score(delays: list[float | None]) -> KindScore:
    found = np.array([d for d in delays if d is not None])
    return KindScore(
        count=len(delays),
        detected=len(found),
        recall=round(len(found) / len(delays), 3) if delays else 0.0,
        median_delay_min=round(float(np.median(found)), 1) if found.size else None,
        p90_delay_min=round(float(np.percentile(found, 90)), 1) if found.size else None,
    )


def finding_record(episode: Episode) -> dict[str, object]:
    """One finding as `--findings` writes it."""
    return {
        "household": episode.household,
        "kind": episode.kind,
        "severity": episode.severity,
        "onset": dt.datetime.fromtimestamp(episode.onset, dt.UTC).isoformat(),
        "detected_at": dt.datetime.fromtimestamp(episode.detected_at, dt.UTC).isoformat(),
        "message": episode.message,
        "evidence": episode.evidence,
    }
