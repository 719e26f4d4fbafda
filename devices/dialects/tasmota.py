"""Tasmota: telemetry on `tele/<topic>/SENSOR`, availability on `tele/<topic>/LWT` (the default
FullTopic `%prefix%/%topic%/`).

What the fields mean, per tasmota.github.io (MQTT, Commands, Power Monitoring, ESP32):

- `Time`: the device's LOCAL time, without an offset unless `SetOption52 1` appends one
  ("2026-11-22T07:45:12+00:00"). A bare local time is in a zone configured on the device
  (`Timezone`, `TimeStd`, `TimeDst`) that we do not know, and the hour the clocks go back
  occurs twice, so it is not trusted: such readings are stamped with when we received them,
  which telemetry sent as it is measured is close to.
- `ENERGY.Power`: active power in W; a device metering several relays sends an array, one
  value per channel (`"Power": [1688, 0]`). `Total`, `Today`, `Voltage`... are ignored.
- One object per sensor driver, e.g. `{"DS18B20": {"Temperature": 19.5}}`,
  `{"AM2301": {"Temperature": 21.7, "Humidity": 66.6}}`, in `TempUnit` "C" or "F"
  (`SetOption8 1`). Every ESP32 build also reports `ESP32.Temperature`, the chip's own
  temperature, which is not the room's and is skipped.
- LWT: `Online` when connected, `Offline` as the broker-published last will (retained).

Vendor ids: the device's Tasmota topic (`tasmota_1A2B3C` by default) for the device and its
first metered channel; `<topic>:<n>` for channel n of a multi-channel meter (Tasmota counts
channels from 1, as in POWER2). A channel nobody registered is skipped.
"""

import datetime as dt
from typing import Final

from devices._vocabulary import SensorKind
from devices.dialects._errors import DecodeError, UnregisteredVendorId
from devices.dialects._payload import (
    check_size,
    json_object,
    measurement,
    parse_local_timestamp,
    text,
)
from devices.dialects._vendor import (
    Decoded,
    ForeignDialect,
    VendorDevice,
    VendorLookup,
    channel_base,
    checked_vendor_id,
    registered,
)

NAME: Final = "tasmota"
_PREFIX: Final = "tele/"
_ID_LABEL: Final = "topic"
SUBSCRIPTIONS: Final = ("tele/+/SENSOR", "tele/+/LWT")

# Tasmota's own MQTT buffer holds about 1 KB on an ESP8266; a multi-sensor ESP32 stays well
# under 8 KB.
MAX_PAYLOAD_BYTES: Final = 8_192
# Tasmota meters at most 8 channels (phases) per device; more is not a Tasmota payload and
# would only cost one registry look-up each.
MAX_CHANNELS: Final = 8

_LEAVES: Final = frozenset({"SENSOR", "LWT"})
_LWT: Final = {"online": True, "offline": False}
# Drivers whose Temperature is a chip's, not the room's.
_CHIP_SENSORS: Final = frozenset({"ESP32"})


def matches(topic: str) -> bool:
    return topic.startswith(_PREFIX)


def vendor_id(topic: str) -> str:
    return _split(topic)[0]


def decode(topic: str, payload: bytes, received_at: dt.datetime, lookup: VendorLookup) -> Decoded:
    """Decode one Tasmota message; raise DecodeError with the reason when it cannot be used."""
    name, leaf = _split(topic)
    check_size(payload, MAX_PAYLOAD_BYTES)
    if leaf == "LWT":
        device = registered(lookup, name, dialect=NAME, id_label=_ID_LABEL)
        return [device.status(online=_online(payload), received_at=received_at)]
    telemetry = json_object(payload, shape="a JSON object of sensor readings")
    return _readings(name, telemetry, received_at, lookup)


def _split(topic: str) -> tuple[str, str]:
    levels = topic.split("/")
    if len(levels) != 3 or levels[0] != "tele":
        raise DecodeError("tasmota topic must be tele/<topic>/SENSOR or tele/<topic>/LWT")
    name, leaf = checked_vendor_id(levels[1], _ID_LABEL), levels[2]
    if leaf not in _LEAVES:
        raise DecodeError(
            f"tasmota tele/<topic>/{leaf[:40]} carries no readings: only SENSOR and LWT are read"
        )
    return name, leaf


def _online(payload: bytes) -> bool:
    word = text(payload)
    if word.lower() not in _LWT:
        raise DecodeError(f"tasmota LWT must be 'Online' or 'Offline', got {word[:40]!r}")
    return _LWT[word.lower()]


def _readings(
    name: str, telemetry: dict[str, object], received_at: dt.datetime, lookup: VendorLookup
) -> Decoded:
    ts = _observed_at(telemetry, received_at)
    powers = _channel_powers(telemetry.get("ENERGY"))
    devices = _channel_devices(name, max(len(powers), 1), lookup)
    decoded: Decoded = []
    for channel, (device, watts) in enumerate(zip(devices, powers, strict=False), start=1):
        if device is not None and SensorKind.POWER in device.sensors:
            value = measurement(watts, f"ENERGY.Power (channel {channel})")
            decoded.append(device.reading(SensorKind.POWER, value, ts, received_at))
    first = devices[0]
    if first is not None and SensorKind.TEMPERATURE in first.sensors:
        celsius = _temperature(telemetry)
        if celsius is not None:
            decoded.append(first.reading(SensorKind.TEMPERATURE, celsius, ts, received_at))
    if not decoded:
        raise DecodeError(
            f"tasmota SENSOR of {name!r} has no value for its registered sensors: "
            "expected ENERGY.Power or a sensor's Temperature"
        )
    return decoded


def _channel_powers(energy: object) -> list[object]:
    """ENERGY.Power of each channel, unparsed; empty when the message has none."""
    power = energy.get("Power") if isinstance(energy, dict) else None
    if power is None:
        return []
    powers = power if isinstance(power, list) else [power]
    if len(powers) > MAX_CHANNELS:
        raise DecodeError(
            f"ENERGY.Power has {len(powers)} channels, more than the {MAX_CHANNELS} Tasmota meters"
        )
    return powers


def _channel_devices(name: str, count: int, lookup: VendorLookup) -> list[VendorDevice | None]:
    """The device of each channel (the first is the device itself), None where unregistered."""
    devices = [lookup(name), *(lookup(f"{name}:{channel}") for channel in range(2, count + 1))]
    if not any(devices):
        raise UnregisteredVendorId(dialect=NAME, id_label=_ID_LABEL, vendor_id=name)
    return devices


def _temperature(telemetry: dict[str, object]) -> float | None:
    """The first sensor's temperature in °C (drivers come in a fixed order), None if none has one."""
    for driver, values in telemetry.items():
        if driver in _CHIP_SENSORS or not isinstance(values, dict) or values.get("Temperature") is None:
            continue
        degrees = measurement(values["Temperature"], f"{driver}.Temperature")
        return _celsius(degrees, telemetry.get("TempUnit", "C"))
    return None


def _celsius(degrees: float, unit: object) -> float:
    if unit == "C":
        return degrees
    if unit == "F":
        return (degrees - 32.0) * 5.0 / 9.0
    shown = unit[:10] if isinstance(unit, str) else type(unit).__name__
    raise DecodeError(f"TempUnit must be 'C' or 'F', got {shown!r}")


def _observed_at(telemetry: dict[str, object], received_at: dt.datetime) -> dt.datetime:
    if telemetry.get("Time") is None:
        return received_at
    return parse_local_timestamp(telemetry["Time"], "Time") or received_at


DIALECT: Final = ForeignDialect(
    name=NAME,
    subscriptions=SUBSCRIPTIONS,
    matches=matches,
    vendor_id=vendor_id,
    decode=decode,
    publish_topics=lambda vendor_id: (f"tele/{channel_base(vendor_id)}/#",),
)
