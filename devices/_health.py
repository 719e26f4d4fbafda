"""Device health: is each sensor alive? A silent sensor must never look like a quiet person.

Pure decisions over per-device state loaded in bulk: offline devices (silent for longer than
they ever should be, or saying so), offline hubs (one finding for the home, not one per
device behind it), low batteries, and a motion sensor silent while the rest of the home moves.
"""

import dataclasses
import datetime as dt

from devices._vocabulary import DeviceRole

# How long a device may go unheard before it counts as offline, when the registry does not
# say. Mains-powered plugs and hubs report every few minutes; Zigbee2MQTT treats battery
# devices as unavailable after 25 h (its "passive" timeout), the longest a healthy one stays
# quiet in an empty home.
MAINS_INTERVAL = dt.timedelta(minutes=30)
HUB_INTERVAL = dt.timedelta(minutes=10)
BATTERY_INTERVAL = dt.timedelta(hours=25)
MAINS_ROLES = frozenset(
    {
        DeviceRole.KETTLE,
        DeviceRole.FRIDGE,
        DeviceRole.FREEZER,
        DeviceRole.MICROWAVE,
        DeviceRole.COOKTOP,
        DeviceRole.TOASTER,
        DeviceRole.WASHING_MACHINE,
        DeviceRole.DISHWASHER,
    }
)
# Silence counts only beyond the interval plus this margin: one missed report is not an outage.
OFFLINE_MARGIN = 1.5
# Replacing a battery takes a visit: warn with weeks to spare, and say "flat" when it is.
BATTERY_LOW_PERCENT = 20.0
BATTERY_FLAT_PERCENT = 5.0
# A motion sensor that still reports (battery, heartbeat) but has seen no movement this long,
# while another in the home saw movement recently, is probably blind: faulty, blocked or moved.
# Not a room nobody uses: the rooms we watch are ones people cross every day.
SILENT_MOTION_AFTER = dt.timedelta(hours=24)
OTHERS_ACTIVE_WITHIN = dt.timedelta(hours=2)
MOTION_ROLES = frozenset(
    {
        DeviceRole.KITCHEN_MOTION,
        DeviceRole.LOUNGE_MOTION,
        DeviceRole.BEDROOM_MOTION,
        DeviceRole.BATHROOM_MOTION,
        DeviceRole.HALL_MOTION,
    }
)


def default_interval(role: DeviceRole) -> dt.timedelta:
    if role is DeviceRole.HUB:
        return HUB_INTERVAL
    return MAINS_INTERVAL if role in MAINS_ROLES else BATTERY_INTERVAL


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class DeviceHealth:
    """What is known of one installed device, as loaded from the store."""

    household: str
    device: str
    role: DeviceRole
    room: str
    expected_interval: dt.timedelta
    installed_at: dt.datetime
    last_seen_at: dt.datetime | None  # any message at all
    last_activity_at: dt.datetime | None  # the last time it saw the person
    online: bool | None
    status_changed_at: dt.datetime | None
    battery: float | None


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HealthFinding:
    household: str
    device: str
    kind: str  # hub_offline, device_offline, battery_low, sensor_silent
    onset: dt.datetime
    message: str
    evidence: dict[str, object]

    @property
    def condition_key(self) -> str:
        return f"{self.kind}:{self.device}"


def assess(devices: list[DeviceHealth], now: dt.datetime) -> list[HealthFinding]:
    """Every device problem in these homes now, the hub's outage hiding what it causes."""
    offline = {(d.household, d.device): _offline_since(d, now) for d in devices}
    hubs_down = {
        d.household for d in devices if d.role is DeviceRole.HUB and offline[(d.household, d.device)]
    }
    latest_motion: dict[str, list[tuple[dt.datetime, str]]] = {}
    for d in devices:
        if d.role in MOTION_ROLES and d.last_activity_at is not None:
            latest_motion.setdefault(d.household, []).append((d.last_activity_at, d.device))
    findings: list[HealthFinding] = []
    for d in devices:
        since = offline[(d.household, d.device)]
        if since is not None and (d.role is DeviceRole.HUB or d.household not in hubs_down):
            findings.append(_offline_finding(d, since, now))
        elif since is None:
            findings.extend(_silent_motion(d, latest_motion.get(d.household, []), now))
        if d.battery is not None and d.battery < BATTERY_LOW_PERCENT:
            findings.append(_battery_finding(d, now))
    return findings


def _offline_since(d: DeviceHealth, now: dt.datetime) -> dt.datetime | None:
    if d.online is False and d.status_changed_at is not None:
        return d.status_changed_at
    heard = d.last_seen_at or d.installed_at
    if now - heard > d.expected_interval * OFFLINE_MARGIN:
        return heard
    return None


def _offline_finding(d: DeviceHealth, since: dt.datetime, now: dt.datetime) -> HealthFinding:
    silent = _span(now - since)
    if d.role is DeviceRole.HUB:
        kind = "hub_offline"
        message = (
            f"The home's hub has been offline for {silent}: none of its sensors can report, "
            "so the home may look quiet when it is not."
        )
    elif d.last_seen_at is None:
        kind = "device_offline"
        message = f"The {_name(d)} has not reported since it was installed {silent} ago."
    else:
        kind = "device_offline"
        message = (
            f"The {_name(d)} has been silent for {silent} "
            f"(it normally reports at least every {_span(d.expected_interval)})."
        )
    return HealthFinding(
        household=d.household,
        device=d.device,
        kind=kind,
        onset=since,
        message=message,
        evidence={
            "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
            "reported_offline": d.online is False,
            "expected_interval_s": d.expected_interval.total_seconds(),
            "silent_s": round((now - since).total_seconds()),
        },
    )


def _silent_motion(
    d: DeviceHealth, home_motion: list[tuple[dt.datetime, str]], now: dt.datetime
) -> list[HealthFinding]:
    if d.role not in MOTION_ROLES:
        return []
    heard = d.last_activity_at or d.installed_at
    others = [seen for seen, device in home_motion if device != d.device]
    if now - heard < SILENT_MOTION_AFTER or not others or now - max(others) > OTHERS_ACTIVE_WITHIN:
        return []
    return [
        HealthFinding(
            household=d.household,
            device=d.device,
            kind="sensor_silent",
            onset=heard,
            message=(
                f"The {_name(d)} has seen no movement for {_span(now - heard)} while other rooms "
                f"have (last at {max(others):%H:%M} UTC): it may be faulty, blocked or moved."
            ),
            evidence={
                "last_movement_at": d.last_activity_at.isoformat() if d.last_activity_at else None,
                "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                "others_last_movement_at": max(others).isoformat(),
            },
        )
    ]


def _battery_finding(d: DeviceHealth, now: dt.datetime) -> HealthFinding:
    assert d.battery is not None
    state = "flat" if d.battery <= BATTERY_FLAT_PERCENT else "low"
    return HealthFinding(
        household=d.household,
        device=d.device,
        kind="battery_low",
        onset=now,
        message=f"The {_name(d)}'s battery is {state} ({d.battery:.0f}%): please arrange a replacement.",
        evidence={"battery_percent": d.battery, "threshold_percent": BATTERY_LOW_PERCENT},
    )


def _name(d: DeviceHealth) -> str:
    return f"{d.role.value.replace('_', ' ')} sensor ({d.device})"


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"
