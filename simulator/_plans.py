"""What to inject into a simulated household: incidents named by a spec, or drawn at random
at a given rate, each with its day, local time and length."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from simulator._draws import Draws
from simulator._home import BATTERY_DEVICES, KIT
from simulator._truth import IncidentKind

# Random incidents leave the first two weeks alone: that is when detection learns the
# person's routine (the "none in the first 14 days").
LEARNING_DAYS = 14
# Random incidents in one household are kept this far apart (hours), so that each one's
# effect on the readings is its own.
SEPARATION_HOURS = 12.0
# A cold home needs cold weather: a heating failure is planned only when the mean outdoor
# temperature over it is below this (°C).
COLD_WEATHER = 6.0
# Tries at placing one random incident before giving up on it.
PLACEMENT_TRIES = 20

# Mean outdoor temperature (°C) between two scenario hours (counted from the first midnight).
OutdoorMean = Callable[[float, float], float]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class IncidentPlan:
    """One incident to inject. `time` is local hours after midnight of `day` (None: the
    kind's own moment, e.g. the usual latest rising for a missed wake-up); `hours` is how
    long it lasts (for decline: how long it takes to reach its full effect)."""

    kind: IncidentKind
    day: int
    time: float | None
    hours: float
    device: str | None = None

    def window(self) -> tuple[float, float]:
        """Scenario hours (from the first midnight) it may touch, for keeping incidents apart."""
        if self.time is None:  # somewhere in the day, e.g. a morning's rising
            start, end = self.day * 24.0, self.day * 24.0 + 24 + self.hours
        else:
            start = self.day * 24.0 + self.time
            end = start + self.hours
        return start - SEPARATION_HOURS, end + SEPARATION_HOURS


def random_plans(
    rate: float, days: int, draws: Draws, outdoor_mean: OutdoorMean, weekday_of_day0: int
) -> list[IncidentPlan]:
    """On average `rate` incidents per 30 days after the learning period, of all kinds."""
    eligible = days - LEARNING_DAYS
    if rate <= 0 or eligible <= 0:
        return []
    plans: list[IncidentPlan] = []
    for _ in range(draws.poisson(rate * eligible / 30)):
        for _ in range(PLACEMENT_TRIES):
            kind = list(IncidentKind)[int(draws.uniform(0, len(IncidentKind)))]
            plan = draw_plan(kind, int(draws.uniform(LEARNING_DAYS, days)), draws)
            if plan.kind is IncidentKind.LIE_IN:  # lie-ins are on Sundays
                plan = dataclasses.replace(plan, day=plan.day + 6 - (weekday_of_day0 + plan.day) % 7)
            if plan.day < days and _fits(plan, plans, days, outdoor_mean):
                plans.append(plan)
                break
    return sorted(plans, key=lambda p: (p.day, p.time or 0.0))


def draw_plan(kind: IncidentKind, day: int, draws: Draws) -> IncidentPlan:
    """A plan of this kind on this day, with the time and length typical of the kind."""
    u = draws.uniform
    match kind:
        case IncidentKind.COLLAPSE:
            return IncidentPlan(kind=kind, day=day, time=u(8, 20), hours=u(2, 10))
        case IncidentKind.MISSED_WAKEUP:
            return IncidentPlan(kind=kind, day=day, time=None, hours=u(2.5, 6))
        case IncidentKind.NIGHT_EXIT:
            return IncidentPlan(kind=kind, day=day, time=u(0.5, 4.5), hours=u(1, 4))
        case IncidentKind.BATHROOM_LONG:
            return IncidentPlan(kind=kind, day=day, time=u(7, 22), hours=u(1, 3))
        case IncidentKind.DECLINE:
            return IncidentPlan(kind=kind, day=day, time=None, hours=24 * u(14, 28))
        case IncidentKind.COLD_HOME:
            return IncidentPlan(kind=kind, day=day, time=u(15, 22), hours=u(14, 30))
        case IncidentKind.HUB_OFFLINE:
            return IncidentPlan(kind=kind, day=day, time=u(0, 24), hours=u(0.5, 12))
        case IncidentKind.BATTERY_DEAD:
            device = KIT[BATTERY_DEVICES[int(u(0, len(BATTERY_DEVICES)))]].id
            return IncidentPlan(kind=kind, day=day, time=u(0, 24), hours=u(24, 96), device=device)
        case IncidentKind.AWAY:
            return IncidentPlan(kind=kind, day=day, time=u(8, 12), hours=u(48, 168))
        case IncidentKind.VISITORS:
            return IncidentPlan(kind=kind, day=day, time=u(10, 17), hours=u(1, 3))
        case IncidentKind.LIE_IN:
            return IncidentPlan(kind=kind, day=day, time=None, hours=u(1.5, 3))


def _fits(plan: IncidentPlan, plans: list[IncidentPlan], days: int, outdoor_mean: OutdoorMean) -> bool:
    if plan.kind is IncidentKind.DECLINE:
        # One decline per person, with time left for it to show.
        return plan.day + 14 <= days and all(p.kind is not IncidentKind.DECLINE for p in plans)
    if plan.kind is IncidentKind.COLD_HOME and plan.time is not None:
        start = plan.day * 24 + plan.time
        if outdoor_mean(start, start + plan.hours) >= COLD_WEATHER:
            return False
    low, high = plan.window()
    if high - SEPARATION_HOURS > days * 24:
        return False  # random incidents end within the scenario, so each is seen whole
    return all(
        high <= p.window()[0] or p.window()[1] <= low for p in plans if p.kind is not IncidentKind.DECLINE
    )
