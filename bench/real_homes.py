"""Detection on the two real homes of ../shared/data: false alerts on their own days, and the
incidents found when injected into them (collapse, missed wake-up, night exit).

Injections start after the first 14 days (learning) and fall one per day at varied times, so
that each leaves the next day's baseline as it was. Skips, saying so, without the data.
"""

import datetime as dt
import os
import pathlib
import sys
import zoneinfo
from collections.abc import Callable, Iterator

from detection import replay, score
from simulator import (
    InjectionError,
    Scenario,
    inject_collapse,
    inject_missed_wakeup,
    inject_night_exit,
    read_kasteren,
    read_ordonez,
)

DATA = pathlib.Path(
    os.environ.get("TELECARE_SHARED_DATA", pathlib.Path(__file__).resolve().parents[2] / "shared" / "data")
)
HOMES: dict[str, tuple[str, Callable[[pathlib.Path, str], Scenario]]] = {
    "kasteren": ("kasteren_houseA_2008/kasterenSenseData.txt", read_kasteren),
    "ordonez": ("ordonez_A/OrdonezA_Sensors.txt", read_ordonez),
}
# (kind, local time of day, hours): mid-morning and afternoon collapses, a morning lie-abed,
# a door at 02:30.
INJECTIONS = (
    (inject_collapse, dt.time(10, 30), 4.0),
    (inject_missed_wakeup, dt.time(5, 0), 6.0),
    (inject_night_exit, dt.time(2, 30), 2.0),
    (inject_collapse, dt.time(15, 0), 4.0),
)


def run() -> Iterator[str]:
    for name, (relative, read) in HOMES.items():
        path = DATA / relative
        if not path.is_file():
            print(f"# {name}: data set not found at {path}; skipped", file=sys.stderr)
            continue
        original = read(path, name)
        plain = score(replay(original), original)
        rate = plain.false_alerts_per_household_30d
        yield f"real_{name}_false_alerts {rate:.2f} per household per 30 days ({plain.days:g} days)"
        injected = _with_incidents(original, name)
        result = score(replay(injected), injected)
        for kind, s in result.by_kind.items():
            delay = f", median delay {s.median_delay_min:.0f} min" if s.median_delay_min is not None else ""
            yield f"real_{name}_{kind}_recall {s.recall:.2f} ({s.detected}/{s.count}{delay})"


def _with_incidents(scenario: Scenario, household: str) -> Scenario:
    tz = zoneinfo.ZoneInfo(scenario.timezone(household))
    first = dt.datetime.fromtimestamp(scenario.readings.ts[0], tz).date()
    last = dt.datetime.fromtimestamp(scenario.readings.ts[-1], tz).date()
    day, n = first + dt.timedelta(days=14), 0
    while day < last:
        inject, at, hours = INJECTIONS[n % len(INJECTIONS)]
        try:
            scenario = inject(scenario, household, dt.datetime.combine(day, at, tzinfo=tz), hours)
        except InjectionError as exc:
            print(f"# {household} {day}: {exc}", file=sys.stderr)
        day, n = day + dt.timedelta(days=1), n + 1
    return scenario
