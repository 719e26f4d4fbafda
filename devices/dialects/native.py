"""The native contract device makers integrate with.

    telecare/v1/<household>/<device>/<sensor>   {"ts": "<ISO-8601 with offset>", "value": <number|bool>,
                                                 "seq": <int, optional>, "battery": <0..100, optional>}
    telecare/v1/<household>/<device>/status     online | offline   (retained; hubs set it as last will)

Unknown payload keys are ignored so devices can add fields without breaking older platforms.
"""

import datetime as dt
import functools
import re
from typing import Final

from devices._reading import DeviceStatus, Reading
from devices._vocabulary import SensorKind
from devices.dialects._errors import DecodeError
from devices.dialects._payload import check_size, checked_reading, json_object, number, parse_timestamp

TOPIC_PREFIX: Final = "telecare/v1/"
SUBSCRIPTION: Final = "telecare/v1/#"

# A reading is a few dozen bytes; anything far larger is a misbehaving device or an attack,
# and parsing it would only cost memory.
MAX_PAYLOAD_BYTES: Final = 4096

# Ids appear in topics, file names and URLs: a small safe alphabet keeps wildcards ('+', '#'),
# path traversal and control characters out of the registry altogether.
ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

_STATUS_VALUES: Final = {"online": True, "offline": False}
_PAYLOAD_SHAPE: Final = "a JSON object with 'ts' and 'value'"


def decode(topic: str, payload: bytes, received_at: dt.datetime) -> list[Reading | DeviceStatus]:
    """Decode one native message; raise DecodeError with the reason when it cannot be used."""
    household, device, leaf = _split_topic(topic)
    check_size(payload, MAX_PAYLOAD_BYTES)
    if leaf == "status":
        return [_status(household, device, payload, received_at)]
    try:
        sensor = SensorKind(leaf)
    except ValueError:
        raise DecodeError(f"unknown sensor kind {leaf!r} in topic") from None
    body = json_object(payload, shape=_PAYLOAD_SHAPE)
    ts = parse_timestamp(body.get("ts"))
    value = number(body.get("value"), "value")
    reading = functools.partial(
        checked_reading, household=household, device=device, ts=ts, received_at=received_at
    )
    decoded: list[Reading | DeviceStatus] = [reading(sensor=sensor, value=value)]
    if "seq" in body and (type(body["seq"]) is not int or body["seq"] < 0):
        raise DecodeError("'seq' must be a non-negative integer")
    if sensor is not SensorKind.BATTERY and body.get("battery") is not None:
        battery = number(body["battery"], "battery")
        decoded.append(reading(sensor=SensorKind.BATTERY, value=battery))
    return decoded


def _split_topic(topic: str) -> tuple[str, str, str]:
    if not topic.startswith(TOPIC_PREFIX):
        raise DecodeError(f"topic does not start with {TOPIC_PREFIX!r}")
    parts = topic[len(TOPIC_PREFIX) :].split("/")
    if len(parts) != 3:
        raise DecodeError("topic must be telecare/v1/<household>/<device>/<sensor>")
    household, device, leaf = parts
    for label, ident in (("household", household), ("device", device)):
        if not ID_PATTERN.fullmatch(ident):
            raise DecodeError(
                f"{label} id in topic must be 1-64 letters, digits, '_', '.' or '-', got {ident[:80]!r}"
            )
    return household, device, leaf


def _status(household: str, device: str, payload: bytes, received_at: dt.datetime) -> DeviceStatus:
    text = payload.decode("utf-8", errors="replace").strip().lower()
    if text not in _STATUS_VALUES:
        raise DecodeError(f"status must be 'online' or 'offline', got {text[:40]!r}")
    return DeviceStatus(
        household=household, device=device, online=_STATUS_VALUES[text], received_at=received_at
    )
