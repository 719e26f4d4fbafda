"""Today's status in one sentence ("All looks as usual today: up at 07:40, kettle used 4 times,
out 10:05-11:30."), from the day's readings and the person's learned routine. Pure: for the
family digest and the carer view alike."""

import dataclasses
import datetime as dt
import zoneinfo
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from detection._baseline import RoutineBaseline
from detection._daily import (
    BIN_SECONDS,
    EARLIEST_RISING,
    LATEST_RISING,
    OUT_AFTER_DOOR_SECONDS,
    _up_and_about,
    summarise_days,
)
from detection._engine import Home
from detection._history import history_signals
from detection._localtime import local_instant
from detection._signals import Place
from devices import DEFAULT_USAGE_THRESHOLDS, DeviceRole, SensorKind, usage_events

FloatArray = npt.NDArray[np.float64]

# How far before local midnight the readings should reach: far enough to see when the person
# went out yesterday evening, or when they were last seen, on a day with no sign of them yet.
LOOK_BACK = dt.timedelta(hours=24)
# A silence this long (at home, up and about or resting) is worth a mention as a plain fact:
# "quiet since 13:10". Shorter gaps are an ordinary afternoon. Whether it is unusual is the
# baseline's to say (its quiet limits), not this constant's.
QUIET_WORTH_SAYING = dt.timedelta(hours=2)
_EPOCH = dt.date(1970, 1, 1)
_TO = "\u2013"  # an en dash, as a time range is printed: 10:05-11:30


@dataclasses.dataclass(frozen=True, slots=True)
class Outing:
    """Out of the home: from the outside door that was followed by silence inside, until the
    next sign of the person (None: not back yet). Local times."""

    left: dt.datetime
    back: dt.datetime | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DayStatus:
    """The person's day so far, in facts and in one sentence for a family carer.

    `usual` is True only when the home's routine has been learned, the person has been seen
    today, and nothing departs from the routine (up by the usual time, not quiet for longer
    than usual); None when there is no learned routine to compare with. Alerts are not part
    of it: the sentence mentions them."""

    day: dt.date
    heard_from_home: bool  # any reading at all today, from any sensor
    rising: dt.datetime | None  # when the person got up (local)
    kettle_uses: int | None  # None: the home has no kettle plug
    outings: tuple[Outing, ...]
    last_seen: dt.datetime | None  # the last sign of the person (local; may be yesterday)
    later_than_usual: bool
    quiet_longer_than_usual: bool
    usual: bool | None
    sentence: str


def day_status(
    home: Home,
    t: FloatArray,
    devices: Sequence[str],
    sensors: Sequence[str],
    values: FloatArray,
    *,
    now: dt.datetime,
    baseline: RoutineBaseline | None = None,
    alerts_today: int = 0,
) -> DayStatus:
    """The status of the household's local day that `now` falls in.

    Readings are parallel sequences in time order (`t` in UTC seconds), reaching back at least
    LOOK_BACK before local midnight; any after `now` are ignored. `baseline` is the home's
    learned routine (None, or one not yet learned: facts only, no "as usual"). `alerts_today`
    counts the urgent and high alerts raised today, so the sentence never calls such a day
    "as usual" without a word about them."""
    zone = zoneinfo.ZoneInfo(home.timezone)
    local_now = now.astimezone(zone)
    today = local_now.date()
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=zone).timestamp()
    keep = (t <= now.timestamp()) & np.isfinite(values)
    t, values = t[keep], values[keep]
    devices = [d for d, k in zip(devices, keep, strict=True) if k]
    sensors = [s for s, k in zip(sensors, keep, strict=True) if k]
    place, resting, in_bed = history_signals(home, devices, sensors, values)
    person = place != Place.NONE

    day_index = (today - _EPOCH).days
    rising_at = _rising(t, place, resting, in_bed, home.timezone, day_index)
    rising = _local(rising_at, zone) if rising_at is not None else None
    outings = _outings(t[person], place[person], now.timestamp(), zone)
    last_index = int(np.flatnonzero(person)[-1]) if person.any() else None
    last_seen = _local(t[last_index], zone) if last_index is not None else None
    seen_today = last_index is not None and bool(t[last_index] >= midnight)
    out_now = bool(outings and outings[-1].back is None)

    later = quiet_long = False
    learned = baseline is not None and baseline.learned
    if baseline is not None and learned:
        latest = local_instant(day_index, baseline.latest_rising_on(day_index), home.timezone)
        later = (rising_at is None and now.timestamp() > latest and not out_now) or (
            rising_at is not None and rising_at > latest
        )
        if last_index is not None and not out_now:
            clock = local_now.hour * 3600 + local_now.minute * 60 + local_now.second
            limits = baseline.rest_limit_ if resting[last_index] else baseline.quiet_limit_
            quiet_long = bool(now.timestamp() - t[last_index] > limits[clock // BIN_SECONDS % len(limits)])
    usual = (not later and not quiet_long and seen_today) if learned else None
    status = DayStatus(
        day=today,
        heard_from_home=bool((t >= midnight).any()),
        rising=rising,
        kettle_uses=_kettle_uses(home, t, devices, sensors, values, midnight),
        outings=tuple(o for o in outings if o.back is None or o.back.timestamp() >= midnight),
        last_seen=last_seen,
        later_than_usual=later,
        quiet_longer_than_usual=quiet_long,
        usual=usual,
        sentence="",
    )
    sentence = _sentence(status, local_now, seen_today=seen_today, alerts_today=alerts_today)
    return dataclasses.replace(status, sentence=sentence)


def _rising(
    t: FloatArray,
    place: npt.NDArray[np.int8],
    resting: npt.NDArray[np.bool_],
    in_bed: npt.NDArray[np.bool_] | None,
    timezone: str,
    day_index: int,
) -> float | None:
    """When the person got up (UTC seconds): as detection's daily summaries say, or, where they
    cannot (no bed exit on a night in the chair), the first sign of being up and about."""
    summary = summarise_days(t, place, resting, in_bed, timezone, range(day_index, day_index + 1))
    if np.isfinite(summary.rising[0]):
        return local_instant(day_index, float(summary.rising[0]), timezone)
    up = t[_up_and_about(place) & (t >= local_instant(day_index, EARLIEST_RISING, timezone))]
    return float(up[0]) if up.size else None


def _outings(t: FloatArray, place: npt.NDArray[np.int8], now: float, zone: zoneinfo.ZoneInfo) -> list[Outing]:
    """From signs of the person in time order: an outside door followed by this much silence is
    leaving (as detection's daily summaries count departures); the next sign is coming back.
    Coming back through the door and sitting down is not leaving again: after a return, the
    person must be seen inside before a door can start another outing."""
    if t.size == 0:
        return []
    door = place == Place.OUTSIDE_DOOR
    gap_after = np.diff(t, append=now)
    outings: list[Outing] = []
    seen_inside_since = np.cumsum(~door)  # signs inside up to each index
    back_at: int | None = None
    for i in np.flatnonzero(door & (gap_after >= OUT_AFTER_DOOR_SECONDS)):
        if back_at is not None and seen_inside_since[i] == seen_inside_since[back_at]:
            continue
        back_at = int(i) + 1 if i + 1 < t.size else None
        outings.append(Outing(left=_local(t[i], zone), back=_local(t[back_at], zone) if back_at else None))
    return outings


def _kettle_uses(
    home: Home,
    t: FloatArray,
    devices: Sequence[str],
    sensors: Sequence[str],
    values: FloatArray,
    midnight: float,
) -> int | None:
    kettles = {
        name
        for name, spec in home.devices.items()
        if spec.role is DeviceRole.KETTLE and SensorKind.POWER in spec.sensors
    }
    if not kettles:
        return None
    thresholds = DEFAULT_USAGE_THRESHOLDS[DeviceRole.KETTLE]
    device = np.asarray(devices, dtype=object)
    power = np.asarray([str(s) for s in sensors], dtype=object) == SensorKind.POWER
    uses = 0
    for kettle in kettles:
        rows = power & (device == kettle)
        uses += sum(use.start >= midnight for use in usage_events(t[rows], values[rows], thresholds))
    return uses


def _sentence(status: DayStatus, now: dt.datetime, *, seen_today: bool, alerts_today: int) -> str:
    if not status.heard_from_home:
        return "We have had no readings from the home today, so we cannot say how the day has gone."
    if not seen_today:
        return _no_sign_yet(status, now)
    facts = ", ".join(_facts(status, now))
    if status.usual and alerts_today:
        alerts = "alert" if alerts_today == 1 else "alerts"
        return f"Apart from today's {alerts}, the day looks as usual: {facts}."
    if status.usual:
        return f"All looks as usual today: {facts}."
    return f"Today: {facts}."


def _no_sign_yet(status: DayStatus, now: dt.datetime) -> str:
    if status.outings and status.outings[-1].back is None:
        return f"No one has been seen at home today: out since {_when(status.outings[-1].left, now)}."
    # Before mid-morning (halfway through the span in which detection accepts rising), "not
    # yet" is the honest word; after it, the day has been quiet.
    early = (now.hour * 3600 + now.minute * 60) < (EARLIEST_RISING + LATEST_RISING) / 2
    since = f" (the last was at {_when(status.last_seen, now)})" if status.last_seen is not None else ""
    return f"No sign of movement at home {'yet ' if early else ''}today{since}."


def _facts(status: DayStatus, now: dt.datetime) -> list[str]:
    facts = []
    if status.rising is not None:
        facts.append(
            f"up at {status.rising:%H:%M}" + (", later than usual" if status.later_than_usual else "")
        )
    elif status.later_than_usual:
        facts.append("no sign of getting up by the usual time")
    if status.kettle_uses is not None:
        facts.append(f"kettle {_times(status.kettle_uses)}")
    outings = [
        f"out {_when(o.left, now)}{_TO}{o.back:%H:%M}" if o.back else f"out since {_when(o.left, now)}"
        for o in status.outings
    ]
    if outings:
        facts.append(" and ".join(outings) if len(outings) <= 2 else ", ".join(outings))
    out_now = bool(status.outings and status.outings[-1].back is None)
    if status.last_seen is not None and not out_now:
        quiet_for = now - status.last_seen
        if status.quiet_longer_than_usual:
            facts.append(f"quiet since {status.last_seen:%H:%M}, longer than usual")
        elif quiet_for >= QUIET_WORTH_SAYING:
            facts.append(f"quiet since {status.last_seen:%H:%M}")
    return facts


def _times(uses: int) -> str:
    if uses == 0:
        return "not used"
    return {1: "used once", 2: "used twice"}.get(uses, f"used {uses} times")


def _when(instant: dt.datetime, now: dt.datetime) -> str:
    """A local time, with its day when that was not today."""
    if instant.date() == now.date():
        return f"{instant:%H:%M}"
    if instant.date() == now.date() - dt.timedelta(days=1):
        return f"{instant:%H:%M} yesterday"
    return f"{instant:%H:%M} on {instant:%a} {instant.day} {instant:%b}"


def _local(seconds: float, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(seconds), zone)
