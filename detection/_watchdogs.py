"""The learned time-of-day watchdogs, for every household at once: one vectorised pass over
the homes' state and baselines, no query or loop per household.

- inactivity: quiet for longer than this person ever normally is at this time of day;
- not_up: no sign of being up by their usual latest rising time plus a grace period;
- expected_activity_missing: up, but the kitchen not used by its usual latest time;
- bathroom_long: in the bathroom far longer than their longest usual stay;
- not_back_home: went out in the evening or early morning, at an hour they never do, and not back;
- cold_home / hot_home: the home's temperature out of the safe range for too long;
- hub_offline: nothing at all from a home that normally reports all the time, which is a
  device problem, and then none of the person watchdogs above speak for that home.
"""

import dataclasses

import numpy as np
import numpy.typing as npt

from detection._daily import BINS, EARLIEST_RISING
from detection._signals import Place
from detection._state import HomeStates

MINUTE = 60.0
# Out: an outside door was the last sign, and nothing inside followed for this long.
OUT_AFTER_DOOR = 10 * MINUTE
# Out at an hour the person never leaves, and still out after this: worth a call.
NOT_BACK_AFTER = 2 * 60 * MINUTE
# Cold and heat harm slowly; the issue asks for a configurable time, this is its default.
COLD_FOR = 30 * MINUTE
HOT_FOR = 60 * MINUTE
# A home with a temperature sensor or a hub hears from them every few minutes; silence this
# long from everything is the connection, not the person.
HEARTBEAT_SILENCE = 30 * MINUTE
# "Not up" is a morning question: hours later, stillness is the inactivity watchdog's to judge.
MORNING_WINDOW = 4 * 60 * MINUTE
# No sign at all this long, wherever last seen, counts as not up.
MORNING_STILL = 45 * MINUTE
# Past this long after its due time a missing first kitchen visit says nothing more (the
# person was out, or ate elsewhere): the watchdog only speaks within the window.
KITCHEN_WINDOW = 3 * 60 * MINUTE
# Some go to bed a while before they settle: bedroom stillness counts as sleep from this long
# before the learned night starts.
NIGHT_LEAD = 2 * 60 * MINUTE

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


@dataclasses.dataclass(frozen=True, slots=True)
class BaselineArrays:
    """Every household's baseline side by side (row i is household i of HomeStates)."""

    quiet_limit: F  # (n, 48) seconds, up and about (no bed or chair mat occupied)
    rest_limit: F  # (n, 48) seconds, in bed or in the chair
    latest_rising: F  # (n, 2) weekday, weekend: seconds after local midnight, grace included
    latest_kitchen: F  # (n, 2)
    night_start: F  # (n,) seconds after local midnight, may exceed 86,400
    night_end: F  # (n,)
    bathroom_limit: F  # (n,)
    usual_departure: B  # (n, 24)
    learned: B  # (n,) False while on population defaults


@dataclasses.dataclass(frozen=True, slots=True)
class Capabilities:
    """What each home's sensors can see (row i is household i)."""

    inside: B  # any sensor that sees the person indoors
    kitchen: B
    bathroom: B  # and motion sensors elsewhere: where the person is can be told
    heartbeat: B  # a device that reports regardless of the person (temperature, hub)
    shortest_inactivity: F  # seconds: no quieter spell can be told from a quiet person


@dataclasses.dataclass(frozen=True, slots=True)
class Alarm:
    household: int
    kind: str
    onset: float
    numbers: dict[str, float]


def watchdog_pass(
    states: HomeStates,
    baselines: BaselineArrays,
    capabilities: Capabilities,
    now: float,
    utc_offset: F,
    watched: B,
) -> list[Alarm]:
    """Every watchdog condition that holds now. `watched` is False for homes paused or away."""
    local = now + utc_offset
    clock = local % 86_400
    day = np.floor(local / 86_400).astype(np.int64)
    weekend = ((day + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    day_start = now - (clock - EARLIEST_RISING)  # 04:00 local today, as an instant
    rows = np.arange(len(states.households))

    heard_recently = ~(now - states.last_reading > HEARTBEAT_SILENCE)
    hub_offline = watched & capabilities.heartbeat & ~heard_recently
    person_watched = watched & ~hub_offline
    out = (np.nan_to_num(states.last_door, nan=-np.inf) > np.nan_to_num(states.last_inside, nan=-np.inf)) & (
        now - states.last_door >= OUT_AFTER_DOOR
    )
    home = person_watched & ~out
    quiet = now - states.last_sign
    half_hour = (clock // (86_400 // BINS)).astype(np.int64) % BINS
    limit = np.where(
        states.resting, baselines.rest_limit[rows, half_hour], baselines.quiet_limit[rows, half_hour]
    )
    limit = np.maximum(limit, capabilities.shortest_inactivity)
    after_day_start = clock >= EARLIEST_RISING
    kitchen_due = baselines.latest_kitchen[rows, weekend.astype(np.int64)]
    in_bathroom = states.last_place == Place.BATHROOM
    rising_due = baselines.latest_rising[rows, weekend.astype(np.int64)]
    # Up today: seen up and about, or out of bed (and still out), since the person's night
    # ended (their earliest usual rising): a wander at 05:00 and back to bed is not rising.
    night_end = np.where(baselines.night_end < rising_due, baselines.night_end, EARLIEST_RISING)
    up_from = day_start + np.maximum(night_end - EARLIEST_RISING, 0.0)
    up_today = (states.last_up >= up_from) | (states.out_of_bed_since >= up_from)
    door_hour = (np.nan_to_num((states.last_door + utc_offset) % 86_400) // 3600).astype(np.int64) % 24

    # Asleep: last seen in the bedroom, between bedtime and the latest usual rising. Quiet then
    # is a night's sleep, however long; the morning belongs to `not_up`.
    overnight = (clock >= baselines.night_start - NIGHT_LEAD) | (clock < rising_due)
    overnight |= (
        baselines.night_start - NIGHT_LEAD >= 86_400
    )  # settles after midnight: any hour before rising
    asleep = (states.last_place == Place.SLEEP) & overnight
    # Washing in the bathroom after the usual rising time is being up, if not yet "about".
    still_abed = (states.last_place == Place.SLEEP) | (quiet > MORNING_STILL)
    unusual_hour = ~baselines.usual_departure[rows, door_hour] & ((door_hour < 7) | (door_hour >= 19))

    conditions: dict[str, tuple[B, F, dict[str, F]]] = {
        "inactivity": (
            home & capabilities.inside & ~asleep & (quiet > limit),
            states.last_sign,
            {"quiet_s": quiet, "limit_s": limit, "resting": states.resting.astype(float)},
        ),
        "not_up": (
            home
            & capabilities.inside
            & after_day_start
            & ~up_today
            & still_abed
            & (clock > rising_due)
            & (clock < rising_due + MORNING_WINDOW),
            day_start + rising_due - EARLIEST_RISING,
            {"due_s_of_day": rising_due, "last_up_s_ago": now - states.last_up},
        ),
        "expected_activity_missing": (
            home
            & capabilities.kitchen
            & after_day_start
            & up_today
            & (clock > kitchen_due)
            & ~(states.last_kitchen >= day_start)
            # Out over the usual time (the door used since): they ate or drank elsewhere, and
            # coming home at 19:00 without a cup of tea is no sign of illness.
            & ~(states.last_door >= day_start + kitchen_due - EARLIEST_RISING),
            day_start + kitchen_due - EARLIEST_RISING,
            {"due_s_of_day": kitchen_due},
        ),
        "bathroom_long": (
            home
            & capabilities.bathroom
            & in_bathroom
            & (now - states.place_since > baselines.bathroom_limit),
            states.place_since,
            {"stay_s": now - states.place_since, "limit_s": baselines.bathroom_limit},
        ),
        "not_back_home": (
            person_watched & out & unusual_hour & (now - states.last_door > NOT_BACK_AFTER),
            states.last_door,
            {"out_s": now - states.last_door},
        ),
        "cold_home": (
            watched & (now - states.cold_since > COLD_FOR),
            states.cold_since,
            {"celsius": states.temperature, "for_s": now - states.cold_since},
        ),
        "hot_home": (
            watched & (now - states.hot_since > HOT_FOR),
            states.hot_since,
            {"celsius": states.temperature, "for_s": now - states.hot_since},
        ),
        "hub_offline": (hub_offline, states.last_reading, {"silent_s": now - states.last_reading}),
    }
    alarms = []
    for kind, (holds, onset, numbers) in conditions.items():
        for i in np.flatnonzero(holds):
            alarms.append(Alarm(int(i), kind, float(onset[i]), {k: float(v[i]) for k, v in numbers.items()}))
    return alarms
