"""Dispatch between dialects, their discovery, and the hardening every decoder shares: whatever
the topic and bytes, the answer is readings or a DecodeError with a reason, never a crash."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceStatus, Reading, SensorKind, value_problem
from devices.dialects import (
    DecodeError,
    UnregisteredVendorId,
    VendorDevice,
    decode_message,
    foreign_dialects,
    native,
    shelly,
    subscriptions,
    tasmota,
    zigbee2mqtt,
)
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
EVERYTHING = VendorDevice(household="h1", device="any", sensors=frozenset(SensorKind))

# One well-formed message per dialect, for hardening checks that vary only one thing.
SAMPLE_TOPICS = {
    "zigbee2mqtt": "zigbee2mqtt/0x00158d0001a2b3c4",
    "tasmota": "tele/tasmota_1A2B3C/SENSOR",
    "shelly": "shellyplus1pm-a8032ab12345/status/switch:0",
}


def registered_everything(dialect: str, vendor_id: str) -> VendorDevice | None:
    return EVERYTHING


def registered_nothing(dialect: str, vendor_id: str) -> VendorDevice | None:
    return None


def test_discovery_finds_every_foreign_dialect_module() -> None:
    assert [dialect.name for dialect in foreign_dialects()] == ["shelly", "tasmota", "zigbee2mqtt"]
    assert set(foreign_dialects()) == {shelly.DIALECT, tasmota.DIALECT, zigbee2mqtt.DIALECT}


def test_subscriptions_are_valid_mqtt_filters_and_include_every_dialects() -> None:
    filters = subscriptions()
    assert filters[0] == native.SUBSCRIPTION
    for dialect in foreign_dialects():
        assert set(dialect.subscriptions) <= set(filters)
    for pattern in filters:
        levels = pattern.split("/")
        assert all(level in {"+", "#"} or not {"+", "#"} & set(level) for level in levels)
        assert "#" not in levels[:-1]


def test_native_topics_go_to_the_native_decoder_without_a_lookup() -> None:
    payload = b'{"ts": "2026-11-22T07:45:00Z", "value": 1}'
    assert decode_message("telecare/v1/h1/pir/motion", payload, NOW, registered_nothing) == [
        Reading(
            household="h1",
            device="pir",
            sensor=SensorKind.MOTION,
            value=1.0,
            ts=dt.datetime(2026, 11, 22, 7, 45, tzinfo=dt.UTC),
            received_at=NOW,
        )
    ]


def test_a_foreign_topic_is_looked_up_by_its_dialect_and_vendor_id() -> None:
    asked: list[tuple[str, str]] = []

    def lookup(dialect: str, vendor_id: str) -> VendorDevice:
        asked.append((dialect, vendor_id))
        return EVERYTHING

    decode_message("zigbee2mqtt/kitchen_pir", b'{"occupancy": true}', NOW, lookup)
    assert asked == [("zigbee2mqtt", "kitchen_pir")]


def test_an_unregistered_vendor_id_is_refused_with_what_to_register() -> None:
    with pytest.raises(UnregisteredVendorId) as refused:
        decode_message("zigbee2mqtt/kitchen_pir", b'{"occupancy": true}', NOW, registered_nothing)
    assert str(refused.value) == (
        "no device registered for zigbee2mqtt friendly name 'kitchen_pir' "
        "(register it with dialect zigbee2mqtt and vendor_id kitchen_pir)"
    )
    assert (refused.value.dialect, refused.value.vendor_id) == ("zigbee2mqtt", "kitchen_pir")


@pytest.mark.parametrize("topic", ["home/kitchen/pir", "telecare/v2/h1/d/motion", "", "stat/x/POWER"])
def test_a_topic_of_no_known_dialect_is_refused(topic: str) -> None:
    with pytest.raises(DecodeError, match="no known dialect"):
        decode_message(topic, b"{}", NOW, registered_everything)


@pytest.mark.parametrize("dialect", sorted(SAMPLE_TOPICS))
@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe{", "not valid UTF-8"),
        (b'{"power": NaN, "apower": NaN, "ENERGY": {"Power": NaN}}', "NaN, which is not a number"),
        (b'{"power": Infinity, "ENERGY": {"Power": -Infinity}}', "Infinity, which is not a number"),
        (b"[" * 2000 + b"]" * 2000, "nested too deeply"),
        (b"[1, 2]", "must be a JSON object"),
        (b"", "not valid JSON"),
        (b" " * 20_000, "more than the"),
    ],
)
def test_hostile_payloads_are_refused_with_a_reason(dialect: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_message(SAMPLE_TOPICS[dialect], payload, NOW, registered_everything)


@pytest.mark.parametrize("topic", [SAMPLE_TOPICS["zigbee2mqtt"], SAMPLE_TOPICS["tasmota"]])
def test_an_integer_too_long_for_python_to_convert_is_refused(topic: str) -> None:
    payload = b'{"power": ' + b"9" * 5000 + b"}"
    with pytest.raises(DecodeError, match="more digits than any measurement"):
        decode_message(topic, payload, NOW, registered_everything)


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("zigbee2mqtt/plug", b'{"power": 25000}', "power value 25000 is outside"),
        ("zigbee2mqtt/plug", b'{"power": "2000"}', "'power' must be a number, got str"),
        ("zigbee2mqtt/pir", b'{"occupancy": 1}', "'occupancy' must be true or false"),
        ("zigbee2mqtt/pir", b'{"occupancy": true, "battery": 150}', "battery value 150 is outside"),
        ("zigbee2mqtt/pir", b'{"occupancy": true, "last_seen": [1]}', "'last_seen' must be a number"),
        ("zigbee2mqtt/pir", b'{"occupancy": true, "last_seen": 1e300}', "not a plausible time"),
        ("tele/probe/SENSOR", b'{"DS18B20": {"Temperature": 200}}', "temperature value 200 is outside"),
        ("tele/plug/SENSOR", b'{"ENERGY": {"Power": [1, 2, 3, 4, 5, 6, 7, 8, 9]}}', "9 channels"),
        ("tele/plug/SENSOR", b'{"ENERGY": {"Power": {"a": 1}}}', "must be a number, got dict"),
        ("shellies/plug/relay/0/power", b"-5", "power value -5 is outside"),
        ("shellies/plug/relay/0/power", b"true", "'power' must be a number, got bool"),
        ("shellyplus1pm-a8032ab12345/status/switch:0", b'{"apower": null}', "got NoneType"),
    ],
)
def test_wrong_types_and_implausible_values_are_refused(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_message(topic, payload, NOW, registered_everything)


@pytest.mark.parametrize(
    "topic",
    [
        "zigbee2mqtt/+",
        "zigbee2mqtt/#",
        "zigbee2mqtt/..",
        "zigbee2mqtt/../availability",
        "zigbee2mqtt/a\x00b",
        "tele/+/SENSOR",
        "tele/#/LWT",
        "tele/../SENSOR",
        "tele/a/b/SENSOR",
        "shellies/+/online",
        "shellies/../relay/0/power",
        "shellies/#",
        "shellies/x/relay/+/power",
        "shellyplus1pm-a8032ab12345/status/switch:+",
    ],
)
def test_topics_with_wildcards_or_path_steps_are_refused(topic: str) -> None:
    with pytest.raises(DecodeError):
        decode_message(topic, b'{"occupancy": true, "apower": 1}', NOW, registered_everything)


@pytest.mark.parametrize(
    "ts", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"], ids=["year-0", "year-10000"]
)
def test_a_timestamp_with_no_utc_equivalent_is_refused_not_a_crash(ts: str) -> None:
    payload = json.dumps({"ts": ts, "value": 1}).encode()
    with pytest.raises(DecodeError, match="outside the range of dates"):
        native.decode("telecare/v1/h1/pir/motion", payload, NOW)
    with pytest.raises(DecodeError, match="outside the range of dates"):
        decode_message(
            "zigbee2mqtt/pir",
            json.dumps({"occupancy": True, "last_seen": ts}).encode(),
            NOW,
            registered_everything,
        )


# Topic levels that reach deep into every dialect's grammar, and the hostile ones.
topic_levels = st.sampled_from(
    [
        "zigbee2mqtt",
        "tele",
        "shellies",
        "telecare",
        "v1",
        "shellyplus1pm-a8032ab12345",
        "kitchen_pir",
        "bridge",
        "availability",
        "set",
        "SENSOR",
        "LWT",
        "STATE",
        "relay",
        "0",
        "1",
        "power",
        "status",
        "switch:0",
        "switch:1",
        "online",
        "",
        "+",
        "#",
        "..",
        ".",
    ]
) | st.text(max_size=12)
well_formed_topics = st.sampled_from(
    [
        "telecare/v1/h1/pir/motion",
        "telecare/v1/h1/hub/status",
        "zigbee2mqtt/kitchen_pir",
        "zigbee2mqtt/kitchen_pir/availability",
        "tele/plug/SENSOR",
        "tele/plug/LWT",
        "shellies/shellyplug-s-7A1B2C/relay/1/power",
        "shellies/shellyplug-s-7A1B2C/online",
        "shellyplus1pm-a8032ab12345/status/switch:0",
        "shellyplus1pm-a8032ab12345/online",
    ]
)
topics = (
    well_formed_topics | st.lists(topic_levels, min_size=1, max_size=6).map("/".join) | st.text(max_size=60)
)

fields = st.sampled_from(
    [
        "occupancy",
        "presence",
        "contact",
        "power",
        "state",
        "temperature",
        "battery",
        "water_leak",
        "smoke",
        "carbon_monoxide",
        "last_seen",
        "Time",
        "ENERGY",
        "DS18B20",
        "ESP32",
        "TempUnit",
        "apower",
        "id",
    ]
)
json_payloads = (
    st.dictionaries(
        fields, json_values | st.dictionaries(st.sampled_from(["Power", "Temperature"]), json_values)
    )
    | json_values
).map(lambda value: json.dumps(value).encode())
payloads = (
    st.binary(max_size=200) | json_payloads | st.sampled_from([b"online", b"Offline", b"true", b"12.5"])
)


@given(topic=topics, payload=payloads, known=st.booleans())
def test_any_message_gives_valid_readings_or_a_decode_error(topic: str, payload: bytes, known: bool) -> None:
    lookup = registered_everything if known else registered_nothing
    try:
        decoded = decode_message(topic, payload, NOW, lookup)
    except DecodeError as exc:
        assert str(exc)
        return
    for item in decoded:
        assert isinstance(item, Reading | DeviceStatus)
        if isinstance(item, Reading):
            assert item.ts.tzinfo is dt.UTC
            assert value_problem(item.sensor, item.value) is None


@given(topic=topics)
def test_no_topic_belongs_to_two_dialects(topic: str) -> None:
    claimed = [dialect.name for dialect in foreign_dialects() if dialect.matches(topic)]
    assert len(claimed) <= 1
    if topic.startswith(native.TOPIC_PREFIX):
        assert claimed == []
