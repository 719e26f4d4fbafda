"""Tasmota: documented telemetry decodes to power and temperature, LWT to availability."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceStatus, Reading, SensorKind
from devices.dialects import DecodeError, UnregisteredVendorId, VendorDevice, VendorLookup
from devices.dialects.tasmota import DIALECT, decode
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
PLUG = VendorDevice(household="h1", device="kettle-plug", sensors=frozenset({SensorKind.POWER}))
PROBE = VendorDevice(household="h1", device="probe", sensors=frozenset({SensorKind.TEMPERATURE}))

# A Shelly Plug S running Tasmota, as published on tele/tasmota_891E97/SENSOR.
PLUG_TELEMETRY = b"""{"Time": "2023-02-27T16:45:07", "ENERGY": {"TotalStartTime": "2023-02-27T16:33:06",
 "Total": 0.004, "Yesterday": 0, "Today": 0.004, "Period": 0, "Power": 34, "ApparentPower": 44,
 "ReactivePower": 27, "Factor": 0.79, "Voltage": 253, "Current": 0.172}}"""
# A two-channel meter (e.g. a Shelly 2.5 running Tasmota), one value per channel.
DUAL_TELEMETRY = b"""{"Time": "2022-10-13T12:08:14", "ENERGY": {"Total": [0.000, 0.648],
 "Power": [1688, 26], "Voltage": 225, "Current": [7.3, 0.189]}, "ESP32": {"Temperature": 65.6},
 "TempUnit": "C"}"""


def registered(devices: dict[str, VendorDevice]) -> VendorLookup:
    return devices.get


def readings(items: list[Reading | DeviceStatus]) -> list[tuple[str, SensorKind, float, dt.datetime]]:
    assert all(isinstance(item, Reading) for item in items)
    return [(item.device, item.sensor, item.value, item.ts) for item in items if isinstance(item, Reading)]


def test_a_plug_reports_energy_power_stamped_on_arrival_because_its_time_is_local() -> None:
    items = decode("tele/tasmota_891E97/SENSOR", PLUG_TELEMETRY, NOW, registered({"tasmota_891E97": PLUG}))
    assert readings(items) == [("kettle-plug", SensorKind.POWER, 34.0, NOW)]


def test_a_time_with_an_offset_from_setoption52_is_used() -> None:
    payload = b'{"Time": "2017-03-07T11:08:02-07:00", "ENERGY": {"Power": 2000}}'
    items = decode("tele/tasmota_891E97/SENSOR", payload, NOW, registered({"tasmota_891E97": PLUG}))
    assert readings(items) == [
        ("kettle-plug", SensorKind.POWER, 2000.0, dt.datetime(2017, 3, 7, 18, 8, 2, tzinfo=dt.UTC))
    ]


def test_each_channel_of_a_multi_channel_meter_goes_to_its_own_registered_device() -> None:
    toaster = VendorDevice(household="h1", device="toaster-plug", sensors=frozenset({SensorKind.POWER}))
    lookup = registered({"dual": PLUG, "dual:2": toaster})
    assert readings(decode("tele/dual/SENSOR", DUAL_TELEMETRY, NOW, lookup)) == [
        ("kettle-plug", SensorKind.POWER, 1688.0, NOW),
        ("toaster-plug", SensorKind.POWER, 26.0, NOW),
    ]


def test_an_unregistered_channel_is_skipped_and_the_chip_temperature_ignored() -> None:
    both = VendorDevice(
        household="h1", device="dual", sensors=frozenset({SensorKind.POWER, SensorKind.TEMPERATURE})
    )
    with pytest.raises(DecodeError, match="no value for its registered sensors"):
        decode("tele/dual/SENSOR", DUAL_TELEMETRY, NOW, registered({"dual": PROBE}))
    items = decode("tele/dual/SENSOR", DUAL_TELEMETRY, NOW, registered({"dual": both}))
    assert readings(items) == [("dual", SensorKind.POWER, 1688.0, NOW)]


@pytest.mark.parametrize(
    ("payload", "celsius"),
    [
        (
            b'{"Time": "2021-01-01T00:00:00", "DS18B20": {"Id": "01144A0CB2AA", "Temperature": 19.5},'
            b' "TempUnit": "C"}',
            19.5,
        ),
        (
            b'{"Time": "2019-11-03T19:34:28",'
            b' "BME280": {"Temperature": 21.7, "Humidity": 66.6, "Pressure": 988.6}}',
            21.7,
        ),
        (
            b'{"ESP32": {"Temperature": 41.7}, "AM2301": {"Temperature": 68.9, "Humidity": 40},'
            b' "TempUnit": "F"}',
            20.5,
        ),
    ],
    ids=["DS18B20", "BME280", "AM2301 in Fahrenheit beside the ESP32 chip"],
)
def test_a_temperature_sensor_reports_degrees_celsius(payload: bytes, celsius: float) -> None:
    [(device, sensor, value, ts)] = readings(
        decode("tele/probe/SENSOR", payload, NOW, registered({"probe": PROBE}))
    )
    assert (device, sensor, ts) == ("probe", SensorKind.TEMPERATURE, NOW)
    assert value == pytest.approx(celsius)


@pytest.mark.parametrize(("payload", "online"), [(b"Online", True), (b"Offline", False)])
def test_the_lwt_is_the_devices_availability(payload: bytes, online: bool) -> None:
    assert decode("tele/tasmota_891E97/LWT", payload, NOW, registered({"tasmota_891E97": PLUG})) == [
        DeviceStatus(household="h1", device="kettle-plug", online=online, received_at=NOW)
    ]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        ("tele/plug/STATE", b"{}", "only SENSOR and LWT"),
        ("stat/plug/POWER", b"ON", "must be tele/<topic>/SENSOR"),
        ("tele/plug/LWT", b"Connection lost", "must be 'Online' or 'Offline'"),
        ("tele/plug/SENSOR", b'{"ENERGY": {"Power": 5}, "TempUnit": "K"}', "no value for its registered"),
        (
            "tele/probe/SENSOR",
            b'{"SHT3X": {"Temperature": 20}, "TempUnit": "K"}',
            "TempUnit must be 'C' or 'F'",
        ),
        ("tele/probe/SENSOR", b'{"Time": 12, "SHT3X": {"Temperature": 20}}', "'Time' must be an ISO-8601"),
    ],
)
def test_unusable_tasmota_messages_are_refused_with_a_reason(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(topic, payload, NOW, registered({"plug": PROBE, "probe": PROBE}))


def test_an_unregistered_topic_is_named_in_the_refusal() -> None:
    with pytest.raises(UnregisteredVendorId, match="tasmota topic 'tasmota_891E97'"):
        decode("tele/tasmota_891E97/SENSOR", PLUG_TELEMETRY, NOW, registered({}))


def test_the_dialect_claims_its_own_topics_and_names_the_vendor_id() -> None:
    assert DIALECT.matches("tele/x/SENSOR")
    assert not DIALECT.matches("zigbee2mqtt/x")
    assert DIALECT.vendor_id("tele/tasmota_891E97/LWT") == "tasmota_891E97"


telemetry = st.fixed_dictionaries(
    {},
    optional={
        "Time": json_values,
        "ENERGY": st.fixed_dictionaries({}, optional={"Power": json_values}) | json_values,
        "DS18B20": st.fixed_dictionaries({}, optional={"Temperature": json_values}) | json_values,
        "ESP32": json_values,
        "TempUnit": st.sampled_from(["C", "F", "K"]) | json_values,
    },
)


@given(
    name=st.text(max_size=20),
    leaf=st.sampled_from(["SENSOR", "LWT", "STATE", "+", "#", "..", "SENSOR/x"]),
    payload=st.binary(max_size=100) | telemetry.map(lambda v: json.dumps(v).encode()),
    channel_two=st.booleans(),
)
def test_any_tasmota_message_gives_readings_or_a_decode_error(
    name: str, leaf: str, payload: bytes, channel_two: bool
) -> None:
    everything = VendorDevice(household="h1", device="dev", sensors=frozenset(SensorKind))
    lookup = registered({name: everything, **({f"{name}:2": everything} if channel_two else {})})
    try:
        items = decode(f"tele/{name}/{leaf}", payload, NOW, lookup)
    except DecodeError as exc:
        assert str(exc)
        return
    for item in items:
        assert isinstance(item, Reading | DeviceStatus)
        if isinstance(item, Reading):
            assert item.sensor in {SensorKind.POWER, SensorKind.TEMPERATURE}
            assert item.ts.tzinfo is dt.UTC
