"""Generated native-contract messages with the readings they must become."""

import datetime as dt
import json

# (device, sensor, value for reading n) of the standard test home (tests/conftest.py).
_SENSORS = (
    ("front-door", "contact", lambda n: n % 2),
    ("kitchen-pir", "motion", lambda n: (n // 3) % 2),
    ("kitchen-pir", "temperature", lambda n: 18.0 + (n % 70) / 10),
    ("kettle-plug", "power", lambda n: 2150.5 + n % 900),
    ("bed-mat", "occupancy", lambda n: (n // 7) % 2),
)

Expected = tuple[str, str, dt.datetime, float]


def native_messages(
    household: str, count: int, *, start: dt.datetime
) -> tuple[list[tuple[str, bytes]], set[Expected]]:
    """`count` messages spread over the home's sensors, 10 ms apart, in a mix of UTC offsets."""
    messages, expected = [], set()
    offsets = (
        dt.UTC,
        dt.timezone(dt.timedelta(hours=1)),
        dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
    )
    for n in range(count):
        device, sensor, value_of = _SENSORS[n % len(_SENSORS)]
        ts = start + dt.timedelta(milliseconds=10 * n)
        value = value_of(n)
        payload = {"ts": ts.astimezone(offsets[n % 3]).isoformat(), "value": value, "seq": n}
        messages.append((f"telecare/v1/{household}/{device}/{sensor}", json.dumps(payload).encode()))
        expected.add((device, sensor, ts, float(value)))
    return messages, expected
