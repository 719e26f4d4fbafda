"""The native contract decoder: documented examples, and never anything but readings or a reason."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceStatus, Reading, SensorKind
from devices.dialects import DecodeError
from devices.dialects.native import decode
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def test_a_documented_reading_decodes_to_one_canonical_reading_in_utc() -> None:
    payload = b'{"ts": "2026-11-22T07:45:00+00:00", "value": true, "seq": 42}'
    assert decode("telecare/v1/h1/kitchen-pir/motion", payload, NOW) == [
        Reading(
            household="h1",
            device="kitchen-pir",
            sensor=SensorKind.MOTION,
            value=1.0,
            ts=dt.datetime(2026, 11, 22, 7, 45, tzinfo=dt.UTC),
            received_at=NOW,
        )
    ]


def test_an_offset_timestamp_becomes_utc_and_battery_becomes_a_second_reading() -> None:
    payload = b'{"ts": "2026-07-01T08:30:00+01:00", "value": 2412.5, "battery": 87}'
    power, battery = decode("telecare/v1/h1/kettle-plug/power", payload, NOW)
    assert isinstance(power, Reading)
    assert isinstance(battery, Reading)
    assert power.ts == dt.datetime(2026, 7, 1, 7, 30, tzinfo=dt.UTC)
    assert (power.sensor, power.value) == (SensorKind.POWER, 2412.5)
    assert (battery.sensor, battery.value, battery.ts) == (SensorKind.BATTERY, 87.0, power.ts)


@pytest.mark.parametrize(
    ("payload", "online"), [(b"online", True), (b"offline", False), (b"Offline\n", False)]
)
def test_status_messages_say_online_or_offline(payload: bytes, online: bool) -> None:
    assert decode("telecare/v1/h1/hub/status", payload, NOW) == [
        DeviceStatus(household="h1", device="hub", online=online, received_at=NOW)
    ]


@pytest.mark.parametrize(
    "topic",
    [
        "telecare/v1/h+/d/motion",
        "telecare/v1/h1/#/motion",
        "telecare/v1/../d/motion",
        "telecare/v1/h1/d/motion/extra",
        "telecare/v2/h1/d/motion",
        "telecare/v1//d/motion",
    ],
)
def test_topics_with_wildcards_traversal_or_the_wrong_shape_are_refused(topic: str) -> None:
    with pytest.raises(DecodeError):
        decode(topic, b'{"ts": "2026-11-22T07:45:00Z", "value": 1}', NOW)


@given(topic=st.text(max_size=80), payload=st.binary(max_size=300))
def test_any_topic_and_bytes_give_readings_or_a_decode_error(topic: str, payload: bytes) -> None:
    try:
        decoded = decode(topic, payload, NOW)
    except DecodeError as exc:
        assert str(exc)
    else:
        assert all(isinstance(item, Reading | DeviceStatus) for item in decoded)


@given(
    sensor=st.sampled_from([*SensorKind, "status"]),
    fields=st.dictionaries(st.sampled_from(["ts", "value", "seq", "battery", "extra"]), json_values),
)
def test_any_json_object_gives_valid_readings_or_a_decode_error(
    sensor: str, fields: dict[str, object]
) -> None:
    payload = json.dumps(fields).encode()
    try:
        decoded = decode(f"telecare/v1/h1/dev/{sensor}", payload, NOW)
    except DecodeError as exc:
        assert str(exc)
        return
    for item in decoded:
        assert isinstance(item, Reading)
        assert item.ts.tzinfo is dt.UTC
        assert item.household == "h1"
