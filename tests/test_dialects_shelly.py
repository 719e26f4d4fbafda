"""Shelly: gen1 relay power and gen2 switch status decode to power, `online` to availability."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import DeviceStatus, Reading, SensorKind
from devices.dialects import DecodeError, UnregisteredVendorId, VendorDevice, VendorLookup
from devices.dialects.shelly import DIALECT, decode
from tests.strategies import json_values

NOW = dt.datetime(2026, 11, 22, 8, 0, tzinfo=dt.UTC)
KETTLE = VendorDevice(household="h1", device="kettle-plug", sensors=frozenset({SensorKind.POWER}))
TOASTER = VendorDevice(household="h1", device="toaster-plug", sensors=frozenset({SensorKind.POWER}))
GEN1 = "shellyplug-s-7A1B2C"
GEN2 = "shellyplus1pm-a8032ab12345"

# Switch.GetStatus as the gen2 API documents it, published on <id>/status/switch:0.
SWITCH_STATUS = b"""{"id": 0, "source": "init", "output": true, "apower": 2012.4, "voltage": 237.5,
 "current": 8.473, "aenergy": {"total": 6.532, "by_minute": [45.199, 47.141, 88.397],
 "minute_ts": 1654511972}, "temperature": {"tC": 53.5, "tF": 128.3}}"""


def registered(devices: dict[str, VendorDevice]) -> VendorLookup:
    return devices.get


def power(topic: str, payload: bytes, lookup: VendorLookup) -> tuple[str, float, dt.datetime]:
    [item] = decode(topic, payload, NOW, lookup)
    assert isinstance(item, Reading)
    assert item.sensor is SensorKind.POWER
    return item.device, item.value, item.ts


def test_gen1_relay_power_is_a_bare_number_of_watts() -> None:
    topic = f"shellies/{GEN1}/relay/0/power"
    assert power(topic, b"2012.41", registered({GEN1: KETTLE})) == ("kettle-plug", 2012.41, NOW)


def test_gen2_switch_status_reports_apower_and_not_its_internal_temperature() -> None:
    lookup = registered({GEN2: KETTLE})
    assert power(f"{GEN2}/status/switch:0", SWITCH_STATUS, lookup) == ("kettle-plug", 2012.4, NOW)
    # A topic prefix set to shellies/<id> reads the same.
    assert power(f"shellies/{GEN2}/status/switch:0", SWITCH_STATUS, lookup) == ("kettle-plug", 2012.4, NOW)


def test_a_second_channel_reports_under_its_own_vendor_id() -> None:
    lookup = registered({GEN2: KETTLE, f"{GEN2}:1": TOASTER, f"{GEN1}:1": TOASTER})
    assert power(f"{GEN2}/status/switch:1", b'{"id": 1, "apower": 900}', lookup)[0] == "toaster-plug"
    assert power(f"shellies/{GEN1}/relay/1/power", b"900", lookup)[0] == "toaster-plug"


@pytest.mark.parametrize("topic", [f"shellies/{GEN1}/online", f"{GEN2}/online", f"shellies/{GEN2}/online"])
@pytest.mark.parametrize(("payload", "online"), [(b"true", True), (b"false", False)])
def test_online_is_the_devices_availability(topic: str, payload: bytes, online: bool) -> None:
    assert decode(topic, payload, NOW, registered({GEN1: KETTLE, GEN2: KETTLE})) == [
        DeviceStatus(household="h1", device="kettle-plug", online=online, received_at=NOW)
    ]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [
        (
            f"{GEN2}/status/switch:0",
            b'{"id": 0, "output": false, "temperature": {"tC": 51.3}}',
            "does not meter",
        ),
        (f"{GEN2}/status/sys", b"{}", "shelly topic must be"),
        (f"shellies/{GEN1}/relay/0", b"on", "shelly topic must be"),
        ("shellies/announce", b"{}", "shelly topic must be"),
        (f"{GEN2}/online", b"yes", "must be 'true' or 'false'"),
        ("kitchen/online", b"true", "neither 'shellies/' nor a Shelly device id"),
    ],
)
def test_unusable_shelly_messages_are_refused_with_a_reason(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(topic, payload, NOW, registered({GEN1: KETTLE, GEN2: KETTLE}))


def test_an_unregistered_device_id_is_named_in_the_refusal() -> None:
    with pytest.raises(UnregisteredVendorId, match=f"shelly device id '{GEN2}:2'"):
        decode(f"{GEN2}/status/switch:2", SWITCH_STATUS, NOW, registered({GEN2: KETTLE}))


def test_the_dialect_claims_shelly_topics_only() -> None:
    assert DIALECT.matches(f"shellies/{GEN1}/online")
    assert DIALECT.matches(f"{GEN2}/status/switch:0")
    assert not DIALECT.matches("zigbee2mqtt/online")
    assert not DIALECT.matches("shellyplus1pm/online")
    assert DIALECT.vendor_id(f"shellies/{GEN1}/relay/2/power") == f"{GEN1}:2"


@given(
    prefix=st.sampled_from(["shellies/", ""]),
    device_id=st.sampled_from([GEN1, GEN2, "", "+", "..", "#"]) | st.text(max_size=20),
    leaf=st.sampled_from(
        ["online", "relay/0/power", "relay/1/power", "status/switch:0", "status/switch:+", "x"]
    ),
    payload=st.binary(max_size=60)
    | st.dictionaries(st.sampled_from(["apower", "id"]), json_values).map(lambda v: json.dumps(v).encode())
    | json_values.map(lambda v: json.dumps(v).encode()),
)
def test_any_shelly_message_gives_readings_or_a_decode_error(
    prefix: str, device_id: str, leaf: str, payload: bytes
) -> None:
    try:
        items = decode(f"{prefix}{device_id}/{leaf}", payload, NOW, lambda vendor_id: KETTLE)
    except DecodeError as exc:
        assert str(exc)
        return
    for item in items:
        assert isinstance(item, Reading | DeviceStatus)
        if isinstance(item, Reading):
            assert item.sensor is SensorKind.POWER
            assert 0 <= item.value <= 10_000
