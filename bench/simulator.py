"""The simulator as an evaluation bench must be fast enough to make big populations:

- simulate_1000x30: 1,000 households x 30 days generated (random incidents at 2 per home per
  30 days) and written as a scenario folder; target under 60 s.
- scenario_read_1000x30: the same folder read back (what detection's evaluation does first).

Each figure is the median of RUNS runs.
"""

import pathlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator

from simulator import read_scenario, simulate_population, write_scenario

RUNS = 3
HOUSEHOLDS = 1000
DAYS = 30


def run() -> Iterator[str]:
    writes, reads, readings = [], [], 0
    for seed in range(1, RUNS + 1):
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            scenario = simulate_population(households=HOUSEHOLDS, days=DAYS, seed=seed, incident_rate=2.0)
            write_scenario(pathlib.Path(folder), scenario)
            writes.append(time.perf_counter() - started)
            readings = len(scenario.readings)
            del scenario
            started = time.perf_counter()
            read_scenario(pathlib.Path(folder))
            reads.append(time.perf_counter() - started)
    yield f"simulate_{HOUSEHOLDS}x{DAYS} {statistics.median(writes):.1f} s"
    yield f"scenario_read_{HOUSEHOLDS}x{DAYS} {statistics.median(reads):.1f} s"
    runs = ", ".join(f"{w:.1f}" for w in writes)
    print(f"# simulate_{HOUSEHOLDS}x{DAYS}: {readings:,} readings; runs {runs} s", file=sys.stderr)
