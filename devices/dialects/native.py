"""The native contract device makers integrate with.

    telecare/v1/<household>/<device>/<sensor>   {"ts": "<ISO-8601 with offset>", "value": <number|bool>,
                                                 "seq": <int, optional>, "battery": <0..100, optional>}
    telecare/v1/<household>/<device>/status     online | offline   (retained; hubs set it as last will)

Unknown payload keys are ignored so devices can add fields without breaking older platforms.
"""

import datetime as dt
import json
import re
from typing import Final

from devices._reading import DeviceStatus, Reading
from devices._vocabulary import SensorKind, value_problem
from devices.dialects._errors import DecodeError

TOPIC_PREFIX: Final = "telecare/v1/"
SUBSCRIPTION: Final = "telecare/v1/#"

# A reading is a few dozen bytes; anything far larger is a misbehaving device or an attack,
# and parsing it would only cost memory.
MAX_PAYLOAD_BYTES: Final = 4096

# Ids appear in topics, file names and URLs: a small safe alphabet keeps wildcards ('+', '#'),
# path traversal and control characters out of the registry altogether.
ID_PATTERN: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

_STATUS_VALUES: Final = {"online": True, "offline": False}


def decode(topic: str, payload: bytes, received_at: dt.datetime) -> list[Reading | DeviceStatus]:
    """Decode one native message; raise DecodeError with the reason when it cannot be used."""
    household, device, leaf = _split_topic(topic)
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DecodeError(f"payload is {len(payload)} bytes, more than the {MAX_PAYLOAD_BYTES} allowed")
    if leaf == "status":
        return [_status(household, device, payload, received_at)]
    try:
        sensor = SensorKind(leaf)
    except ValueError:
        raise DecodeError(f"unknown sensor kind {leaf!r} in topic") from None
    body = _json_object(payload)
    ts = parse_timestamp(body.get("ts"))
    value = _number(body.get("value"), "value")
    decoded: list[Reading | DeviceStatus] = [_reading(household, device, sensor, value, ts, received_at)]
    if "seq" in body and (type(body["seq"]) is not int or body["seq"] < 0):
        raise DecodeError("'seq' must be a non-negative integer")
    if sensor is not SensorKind.BATTERY and body.get("battery") is not None:
        battery = _number(body["battery"], "battery")
        decoded.append(_reading(household, device, SensorKind.BATTERY, battery, ts, received_at))
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


def _refuse_constant(name: str) -> float:
    raise DecodeError(f"payload contains {name}, which is not a number")


def _json_object(payload: bytes) -> dict[str, object]:
    try:
        body = json.loads(payload, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        raise DecodeError("payload is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DecodeError(f"payload is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise DecodeError("payload JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise DecodeError("payload must be a JSON object with 'ts' and 'value'")
    return body


def parse_timestamp(raw: object) -> dt.datetime:
    """An ISO-8601 timestamp with an explicit offset, as an aware UTC datetime."""
    if raw is None:
        raise DecodeError("payload has no 'ts' timestamp")
    if not isinstance(raw, str):
        raise DecodeError("'ts' must be an ISO-8601 string such as 2026-01-31T07:45:00+00:00")
    try:
        ts = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise DecodeError(f"'ts' is not an ISO-8601 timestamp: {raw[:40]!r}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise DecodeError(f"'ts' has no UTC offset (add 'Z' or '+01:00'): {raw[:40]!r}")
    return ts.astimezone(dt.UTC)


def _number(raw: object, field: str) -> float:
    if raw is None:
        raise DecodeError(f"payload has no '{field}'")
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, int | float):
        raise DecodeError(f"'{field}' must be a number or true/false, got {type(raw).__name__}")
    try:
        return float(raw)
    except OverflowError:
        raise DecodeError(f"'{field}' is too large to be a measurement") from None


def _reading(
    household: str,
    device: str,
    sensor: SensorKind,
    value: float,
    ts: dt.datetime,
    received_at: dt.datetime,
) -> Reading:
    problem = value_problem(sensor, value)
    if problem:
        raise DecodeError(problem)
    return Reading(
        household=household,
        device=device,
        sensor=sensor,
        value=value,
        ts=ts,
        received_at=received_at,
    )
