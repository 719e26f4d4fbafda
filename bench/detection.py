"""Detection: scored on a simulated population, and timed.

- detect_<kind>_recall / _median_delay: 200 households x 60 days, all personas, random
  incidents (2 per household per 30 days), scored by `telecare evaluate`'s rules;
- detect_false_alerts: false alerts per household per 30 days (device health apart);
- baseline_fit_10k: daily summaries and baseline fit for 10,000 households x 28 days;
- watchdog_pass_100k: one watchdog pass over 100,000 households;
- routine_change_*: slow change on 200 households x 90 days, every other one declining
  (`decline_spec`), with random incidents (1 per household per 30 days), scored by
  `telecare evaluate`'s rules for routine change (`python -m bench.detection --spec` prints the
  spec as YAML for `telecare simulate --incidents`).
The real homes in ../shared/data are scored by bench/real_homes.py.
"""

import statistics
import sys
import time
from collections.abc import Callable, Iterator

import numpy as np

from detection._baseline import RoutineBaseline
from detection._daily import summarise_days
from detection._engine import _baseline_arrays
from detection._evaluate import homes_of, replay, replay_routine, score
from detection._history import history_signals
from detection._localtime import local_day_and_time
from detection._state import HomeStates
from detection._watchdogs import Capabilities, watchdog_pass
from simulator import SENSOR_KINDS, SpecEntry
from simulator._population import simulate_population

RUNS = 3
DECLINE_HOUSEHOLDS = 200
DECLINE_DAYS = 90
DECLINE_SEED = 2026


def run() -> Iterator[str]:
    yield from _scored()
    yield from _routine_change()
    yield f"baseline_fit_10k {_median(_fit_10k):.1f} s"
    yield f"watchdog_pass_100k {_median(_pass_100k) * 1000:.0f} ms"


def _median(measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(RUNS))


def _scored() -> Iterator[str]:
    started = time.monotonic()
    scenario = simulate_population(households=200, days=60, seed=2026, incident_rate=2.0)
    evaluation = score(replay(scenario), scenario)
    print(f"# detection evaluation took {time.monotonic() - started:.0f} s", file=sys.stderr)
    for kind, s in evaluation.by_kind.items():
        yield f"detect_{kind}_recall {s.recall:.3f} ({s.detected}/{s.count})"
        if s.median_delay_min is not None:
            yield f"detect_{kind}_median_delay {s.median_delay_min:.0f} min (p90 {s.p90_delay_min:.0f})"
    yield f"detect_false_alerts {evaluation.false_alerts_per_household_30d:.2f} per household per 30 days"
    yield f"detect_device_findings {evaluation.device_findings} findings"


def _fit_10k() -> float:
    """Summaries and fits for 10,000 homes, their event streams taken from 100 simulated ones."""
    scenario = simulate_population(households=100, days=28, seed=7)
    homes = homes_of(scenario)
    table = scenario.readings
    streams = []
    for home in homes:
        mine = table.of_household(home.id)
        devices = [mine.devices[d] for d in mine.device.tolist()]
        sensors = [SENSOR_KINDS[k] for k in mine.sensor.tolist()]
        place, resting, in_bed = history_signals(home, devices, sensors, mine.value)
        streams.append((mine.ts, place, resting, in_bed, home.timezone))
    days, _ = local_day_and_time(table.ts[:1], homes[0].timezone)
    span = range(int(days[0]), int(days[0]) + 28)
    started = time.monotonic()
    for n in range(10_000):
        t, p, resting, in_bed, tz = streams[n % len(streams)]
        RoutineBaseline().fit(summarise_days(t, p, resting, in_bed, tz, span))
    return time.monotonic() - started


def _pass_100k() -> float:
    n = 100_000
    rng = np.random.default_rng(1)
    now = 1_800_000_000.0
    states = HomeStates([f"h{i}" for i in range(n)])
    states.last_sign[:] = now - rng.exponential(1800, n)
    states.last_inside[:] = states.last_sign
    states.last_door[:] = now - rng.exponential(86_400, n)
    states.last_up[:] = now - rng.exponential(7200, n)
    states.last_kitchen[:] = now - rng.exponential(14_400, n)
    states.place_since[:] = states.last_sign - rng.exponential(600, n)
    states.last_place[:] = rng.integers(1, 7, n)
    states.last_reading[:] = now - rng.exponential(300, n)
    states.resting[:] = rng.random(n) < 0.3
    baselines = _baseline_arrays([RoutineBaseline().fit_empty()] * n)
    everywhere = np.ones(n, dtype=bool)
    capabilities = Capabilities(
        inside=everywhere,
        kitchen=everywhere,
        bathroom=everywhere,
        heartbeat=everywhere,
        shortest_inactivity=np.full(n, 50 * 60.0),
    )
    started = time.perf_counter()
    watchdog_pass(states, baselines, capabilities, now, np.zeros(n), everywhere)
    return time.perf_counter() - started


def decline_spec() -> list[SpecEntry]:
    """Every even-numbered household declines, from a day in 28-69 over 7 to 28 days."""
    rng = np.random.default_rng(DECLINE_SEED)
    return [
        SpecEntry(
            kind="decline",
            household=f"h-{n:04d}",
            day=int(rng.integers(28, 70)),
            hours=round(24 * float(rng.uniform(7, 28)), 1),
        )
        for n in range(2, DECLINE_HOUSEHOLDS + 1, 2)
    ]


def _routine_change() -> Iterator[str]:
    started = time.monotonic()
    scenario = simulate_population(
        households=DECLINE_HOUSEHOLDS,
        days=DECLINE_DAYS,
        seed=DECLINE_SEED,
        incident_rate=1.0,
        spec=decline_spec(),
    )
    evaluation = score(replay_routine(scenario), scenario)
    print(f"# routine-change evaluation took {time.monotonic() - started:.0f} s", file=sys.stderr)
    decline = evaluation.by_kind["decline"]
    yield f"routine_change_recall {decline.recall:.3f} ({decline.detected}/{decline.count})"
    if decline.median_delay_min is not None and decline.p90_delay_min is not None:
        yield (
            f"routine_change_median_delay {decline.median_delay_min / 1440:.1f} days "
            f"(p90 {decline.p90_delay_min / 1440:.1f})"
        )
    yield (
        f"routine_change_false {evaluation.false_routine_changes_per_household_90d:.2f} per household "
        f"per 90 days ({evaluation.false_routine_changes} in {evaluation.households} households)"
    )


if __name__ == "__main__" and "--spec" in sys.argv:
    for entry in decline_spec():
        print(f"- {{kind: decline, household: {entry.household}, day: {entry.day}, hours: {entry.hours}}}")
