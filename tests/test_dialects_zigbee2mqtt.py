"""Zigbee2MQTT: documented payloads decode to the right readings, availability in both forms."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceStatus, Reading, SensorKind
from devices.dialects import DecodeError, UnregisteredVendorId, VendorDevice, VendorLookup
from devices.dialects.zigbee2mqtt import DIALECT, decode
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)


def device(*sensors: SensorKind) -> VendorDevice:
    return VendorDevice(household="h1", device="dev", sensors=frozenset(sensors))


def lookup_of(registered: VendorDevice) -> VendorLookup:
    return lambda vendor_id: registered if vendor_id == "0x00158d0001a2b3c4" else None


def decoded(payload: str, *sensors: SensorKind) -> list[tuple[SensorKind, float, dt.datetime]]:
    items = decode("zigbee2mqtt/0x00158d0001a2b3c4", payload.encode(), NOW, lookup_of(device(*sensors)))
    assert all(isinstance(item, Reading) and item.household == "h1" for item in items)
    return [(item.sensor, item.value, item.ts) for item in items if isinstance(item, Reading)]


def test_a_pir_reports_motion_from_occupancy() -> None:
    # zigbee2mqtt.io "MQTT Topics and Messages": Xiaomi RTCGQ01LM.
    assert decoded('{"occupancy": true}', SensorKind.MOTION) == [(SensorKind.MOTION, 1.0, NOW)]
    assert decoded('{"occupancy": false}', SensorKind.MOTION) == [(SensorKind.MOTION, 0.0, NOW)]


def test_a_door_sensor_contact_true_means_closed_so_our_value_is_zero() -> None:
    # Aqara MCCGQ11LM: "contact: Indicates if the contact is closed (= true) or open (= false)".
    closed = '{"battery": 100, "contact": true, "linkquality": 120, "voltage": 3055}'
    assert decoded(closed, SensorKind.CONTACT) == [
        (SensorKind.CONTACT, 0.0, NOW),
        (SensorKind.BATTERY, 100.0, NOW),
    ]
    assert decoded('{"contact": false}', SensorKind.CONTACT) == [(SensorKind.CONTACT, 1.0, NOW)]


def test_a_plug_reports_power_and_its_relay_off_means_zero_watts() -> None:
    assert decoded('{"state": "ON", "power": 2412.5, "energy": 1.25}', SensorKind.POWER) == [
        (SensorKind.POWER, 2412.5, NOW)
    ]
    # With cache_state, the message for switching off still carries the last power reported.
    assert decoded('{"state": "OFF", "power": 2412.5}', SensorKind.POWER) == [(SensorKind.POWER, 0.0, NOW)]


def test_only_the_registered_sensors_are_read_and_battery_always() -> None:
    # zigbee2mqtt.io: Xiaomi WSDCGQ01LM; humidity has no kind of ours.
    payload = '{"temperature": 27.34, "humidity": 44.72, "battery": 91, "occupancy": true}'
    assert decoded(payload, SensorKind.TEMPERATURE) == [
        (SensorKind.TEMPERATURE, 27.34, NOW),
        (SensorKind.BATTERY, 91.0, NOW),
    ]


@pytest.mark.parametrize("kind", [SensorKind.WATER_LEAK, SensorKind.SMOKE, SensorKind.CARBON_MONOXIDE])
def test_safety_sensors_report_detection(kind: SensorKind) -> None:
    assert decoded(json.dumps({kind.value: True, "tamper": False}), kind) == [(kind, 1.0, NOW)]


def test_an_mmwave_radar_reports_presence_and_null_means_not_known_yet() -> None:
    # Zigbee2MQTT 2.x radars expose `presence`; a value not known yet is published as null.
    assert decoded('{"presence": true, "illuminance": 0}', SensorKind.OCCUPANCY) == [
        (SensorKind.OCCUPANCY, 1.0, NOW)
    ]
    with pytest.raises(DecodeError, match="no value for its registered sensors \\(motion\\)"):
        decoded('{"presence": null, "target_distance": 5.88}', SensorKind.MOTION)


@pytest.mark.parametrize(
    ("last_seen", "observed"),
    [
        ('"2025-09-03T07:43:38.597Z"', dt.datetime(2025, 9, 3, 7, 43, 38, 597000, tzinfo=dt.UTC)),
        ('"2019-03-01T16:32:45+01:00"', dt.datetime(2019, 3, 1, 15, 32, 45, tzinfo=dt.UTC)),
        ("1551454365941", dt.datetime(2019, 3, 1, 15, 32, 45, 941000, tzinfo=dt.UTC)),
    ],
    ids=["ISO_8601", "ISO_8601_local", "epoch"],
)
def test_last_seen_in_each_format_becomes_the_utc_timestamp(last_seen: str, observed: dt.datetime) -> None:
    payload = f'{{"occupancy": true, "last_seen": {last_seen}}}'
    assert decoded(payload, SensorKind.MOTION) == [(SensorKind.MOTION, 1.0, observed)]


@pytest.mark.parametrize(
    ("payload", "online"),
    [(b"online", True), (b"offline", False), (b'{"state":"online"}', True), (b'{"state": "offline"}', False)],
    ids=["1.x online", "1.x offline", "2.x online", "2.x offline"],
)
def test_availability_in_both_forms_is_a_device_status(payload: bytes, online: bool) -> None:
    topic = "zigbee2mqtt/0x00158d0001a2b3c4/availability"
    assert decode(topic, payload, NOW, lookup_of(device(SensorKind.MOTION))) == [
        DeviceStatus(household="h1", device="dev", online=online, received_at=NOW)
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "clears a renamed device"),
        (b'{"state": ["online"]}', "availability must be"),
        (b"gone", "must be"),
    ],
)
def test_unusable_availability_is_refused(payload: bytes, reason: str) -> None:
    topic = "zigbee2mqtt/0x00158d0001a2b3c4/availability"
    with pytest.raises(DecodeError, match=reason):
        decode(topic, payload, NOW, lookup_of(device(SensorKind.MOTION)))


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("zigbee2mqtt/bridge/state", "bridge topics carry no readings"),
        ("zigbee2mqtt/bridge", "bridge topics carry no readings"),
        ("zigbee2mqtt/0x00158d0001a2b3c4/set", "commands to a device"),
        ("zigbee2mqtt/kitchen/floor_light", "names containing '/' are not supported"),
        ("zigbee2mqtt/", "empty friendly name"),
    ],
)
def test_topics_that_are_not_a_devices_state_are_refused_clearly(topic: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(topic, b'{"occupancy": true}', NOW, lookup_of(device(SensorKind.MOTION)))


def test_an_unregistered_friendly_name_is_named_in_the_refusal() -> None:
    with pytest.raises(UnregisteredVendorId, match="zigbee2mqtt friendly name 'hall_pir'"):
        decode("zigbee2mqtt/hall_pir", b'{"occupancy": true}', NOW, lookup_of(device(SensorKind.MOTION)))


def test_the_dialect_claims_its_own_topics_and_names_the_vendor_id() -> None:
    assert DIALECT.matches("zigbee2mqtt/x")
    assert not DIALECT.matches("tele/x/SENSOR")
    assert DIALECT.vendor_id("zigbee2mqtt/0x00158d0001a2b3c4/availability") == "0x00158d0001a2b3c4"


state_fields = st.sampled_from(
    [
        "occupancy",
        "presence",
        "contact",
        "power",
        "state",
        "temperature",
        "battery",
        "water_leak",
        "last_seen",
    ]
)


@given(
    leaf=st.sampled_from(["", "/availability", "/set", "/+", "/..", "/a/b"]),
    name=st.text(max_size=20),
    payload=st.binary(max_size=100)
    | st.dictionaries(state_fields, json_values).map(lambda v: json.dumps(v).encode()),
    sensors=st.frozensets(st.sampled_from(SensorKind)),
)
def test_any_zigbee2mqtt_message_gives_readings_or_a_decode_error(
    leaf: str, name: str, payload: bytes, sensors: frozenset[SensorKind]
) -> None:
    registered = VendorDevice(household="h1", device="dev", sensors=sensors)
    try:
        items = decode(f"zigbee2mqtt/{name}{leaf}", payload, NOW, lambda vendor_id: registered)
    except DecodeError as exc:
        assert str(exc)
        return
    for item in items:
        assert isinstance(item, Reading | DeviceStatus)
        if isinstance(item, Reading):
            assert item.sensor in sensors | {SensorKind.BATTERY}
            assert item.ts.tzinfo is dt.UTC
