"""Reading untrusted payload bytes (size, text, JSON, numbers, timestamps) shared by all dialects.

Every failure is a `DecodeError` whose text an installer can act on; nothing else escapes.
"""

import datetime as dt
import json

from devices._reading import Reading
from devices._vocabulary import SensorKind, value_problem
from devices.dialects._errors import DecodeError


def check_size(payload: bytes, limit: int) -> None:
    """Refuse a payload larger than `limit` bytes before spending memory on parsing it."""
    if len(payload) > limit:
        raise DecodeError(f"payload is {len(payload)} bytes, more than the {limit} allowed")


def text(payload: bytes) -> str:
    """A short plain-text payload (a status word, a bare number), without surrounding space."""
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise DecodeError("payload is not valid UTF-8") from None


def _refuse_constant(name: str) -> float:
    raise DecodeError(f"payload contains {name}, which is not a number")


def json_value(payload: bytes) -> object:
    """Any JSON document; NaN and Infinity are refused, they are not measurements."""
    try:
        return json.loads(payload, parse_constant=_refuse_constant)
    except DecodeError:
        raise
    except UnicodeDecodeError:
        raise DecodeError("payload is not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise DecodeError(f"payload is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise DecodeError("payload JSON is nested too deeply") from None
    except ValueError:
        # Python refuses to convert integers of more than 4,300 digits (a denial-of-service guard).
        raise DecodeError("payload contains a number with more digits than any measurement has") from None


def json_object(payload: bytes, *, shape: str) -> dict[str, object]:
    """A JSON object; `shape` says in words what the dialect expects, for the refusal."""
    body = json_value(payload)
    if not isinstance(body, dict):
        raise DecodeError(f"payload must be {shape}")
    return body


def number(raw: object, field: str) -> float:
    """A number, or true/false as 1/0 (binary sensors report booleans)."""
    if raw is None:
        raise DecodeError(f"payload has no '{field}'")
    if isinstance(raw, bool):
        return 1.0 if raw else 0.0
    if not isinstance(raw, int | float):
        raise DecodeError(f"'{field}' must be a number or true/false, got {type(raw).__name__}")
    return _finite_float(raw, field)


def measurement(raw: object, field: str) -> float:
    """A number and only a number: watts or degrees sent as true/false mean a wrong mapping."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise DecodeError(f"'{field}' must be a number, got {type(raw).__name__}")
    return _finite_float(raw, field)


def flag(raw: object, field: str) -> float:
    """A JSON boolean as 1/0."""
    if not isinstance(raw, bool):
        raise DecodeError(f"'{field}' must be true or false, got {type(raw).__name__}")
    return 1.0 if raw else 0.0


def _finite_float(raw: int | float, field: str) -> float:
    try:
        return float(raw)
    except OverflowError:
        raise DecodeError(f"'{field}' is too large to be a measurement") from None


def parse_timestamp(raw: object, field: str = "ts") -> dt.datetime:
    """An ISO-8601 timestamp with an explicit offset, as an aware UTC datetime."""
    if raw is None:
        raise DecodeError(f"payload has no '{field}' timestamp")
    if not isinstance(raw, str):
        raise DecodeError(f"'{field}' must be an ISO-8601 string such as 2026-01-31T07:45:00+00:00")
    try:
        ts = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise DecodeError(f"'{field}' is not an ISO-8601 timestamp: {raw[:40]!r}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise DecodeError(f"'{field}' has no UTC offset (add 'Z' or '+01:00'): {raw[:40]!r}")
    return _utc(ts, raw, field)


def parse_local_timestamp(raw: object, field: str) -> dt.datetime | None:
    """An ISO-8601 timestamp as aware UTC, or None when it has no offset (a device's local time)."""
    if not isinstance(raw, str):
        raise DecodeError(f"'{field}' must be an ISO-8601 string such as 2026-01-31T07:45:00")
    try:
        ts = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise DecodeError(f"'{field}' is not an ISO-8601 timestamp: {raw[:40]!r}") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        return None
    return _utc(ts, raw, field)


def parse_epoch_millis(raw: object, field: str) -> dt.datetime:
    """Milliseconds since 1970-01-01 UTC (JavaScript's Date.now()), as an aware UTC datetime."""
    millis = measurement(raw, field)
    try:
        return dt.datetime.fromtimestamp(millis / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise DecodeError(f"'{field}' is not a plausible time in milliseconds: {millis:g}") from None


def _utc(ts: dt.datetime, raw: str, field: str) -> dt.datetime:
    try:
        return ts.astimezone(dt.UTC)
    except OverflowError:  # year 1 at +01:00 or year 9999 at -01:00 has no UTC equivalent
        raise DecodeError(f"'{field}' is outside the range of dates: {raw[:40]!r}") from None


def checked_reading(
    *,
    household: str,
    device: str,
    sensor: SensorKind,
    value: float,
    ts: dt.datetime,
    received_at: dt.datetime,
) -> Reading:
    """A reading, once its value is plausible for its kind."""
    problem = value_problem(sensor, value)
    if problem:
        raise DecodeError(problem)
    return Reading(
        household=household, device=device, sensor=sensor, value=value, ts=ts, received_at=received_at
    )
