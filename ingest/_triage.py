"""Sort a batch of raw messages into readings, statuses and dead letters (pure, no I/O)."""

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

from devices import DeviceStatus, Reading, Registry
from devices.dialects import DecodeError, UnregisteredVendorId
from store import DeadLetter

Decoder = Callable[[str, bytes, dt.datetime], list[Reading | DeviceStatus]]


@dataclasses.dataclass(frozen=True, slots=True)
class RawMessage:
    """A message as it came off the broker, before anything is believed of it."""

    topic: str
    payload: bytes
    received_at: dt.datetime
    mid: int = 0
    # Which broker connection delivered it: a message may only be acknowledged on the
    # connection that delivered it (after a reconnect the broker redelivers it anyway).
    connection: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class Plausibility:
    """How far a device clock may disagree with ours before a timestamp is refused."""

    max_clock_skew: dt.timedelta
    max_age: dt.timedelta


@dataclasses.dataclass(slots=True)
class Triage:
    readings: list[Reading] = dataclasses.field(default_factory=list)
    statuses: list[DeviceStatus] = dataclasses.field(default_factory=list)
    dead_letters: list[DeadLetter] = dataclasses.field(default_factory=list)
    unknown_devices: int = 0  # dead letters that a fresher registry might accept


def triage(
    messages: Sequence[RawMessage], registry: Registry, decode: Decoder, limits: Plausibility
) -> Triage:
    """Decode and check every message; each ends as readings/statuses or one dead letter."""
    result = Triage()
    for message in messages:
        try:
            items = decode(message.topic, message.payload, message.received_at)
        except DecodeError as exc:
            result.unknown_devices += isinstance(exc, UnregisteredVendorId)
            result.dead_letters.append(_dead(message, str(exc)))
            continue
        reason = next(filter(None, (_problem(item, registry, limits) for item in items)), None)
        if reason is not None:
            result.unknown_devices += reason.startswith("unknown ")
            result.dead_letters.append(_dead(message, reason))
            continue
        for item in items:
            if isinstance(item, Reading):
                result.readings.append(item)
            else:
                result.statuses.append(item)
    return result


def _problem(item: Reading | DeviceStatus, registry: Registry, limits: Plausibility) -> str | None:
    known = registry.problem(item)
    if known or isinstance(item, DeviceStatus):
        return known
    ahead = item.ts - item.received_at
    if ahead > limits.max_clock_skew:
        return (
            f"timestamp {item.ts.isoformat()} is {_duration(ahead)} ahead of the platform clock "
            f"(more than the {_duration(limits.max_clock_skew)} allowed): check the hub's clock"
        )
    if item.received_at - item.ts > limits.max_age:
        return (
            f"timestamp {item.ts.isoformat()} is older than {limits.max_age.days} days, "
            "beyond raw-data retention: check the hub's clock"
        )
    return None


def _duration(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min" if minutes else f"{int(delta.total_seconds())} s"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // 1440} days"


def _dead(message: RawMessage, reason: str) -> DeadLetter:
    return DeadLetter(
        topic=message.topic, payload=message.payload, reason=reason, received_at=message.received_at
    )
