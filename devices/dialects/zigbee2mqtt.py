"""Zigbee2MQTT: device state on `zigbee2mqtt/<friendly_name>`, availability on `.../availability`.

What the fields mean, per zigbee2mqtt.io ("MQTT Topics and Messages", each device's "Exposes",
"Device availability"):

- `occupancy`: true = movement detected (PIR sensors); mmWave radars expose `presence` instead
  since 2.0. Both feed our `motion` or `occupancy` kind, whichever the device is registered for.
- `contact`: true = contact CLOSED (magnet beside the sensor), false = open: the inverse of our
  `contact` kind, where 1 = open.
- `power` (W) and `state` ("ON"/"OFF") on plugs; `energy` is a running kWh total, which no kind
  of ours holds, so it is ignored.
- `temperature` (°C), `battery` (%), and `water_leak`, `smoke`, `carbon_monoxide` booleans.
- `last_seen` only when `advanced.last_seen` is set: ISO_8601 ("...Z"), ISO_8601_local
  ("...+01:00") or epoch (milliseconds). Otherwise a state carries no time of its own and is
  stamped with when we received it.
- A value not known yet is published as null. With `cache_state` (the default) every message
  repeats the last known value of every field, not only the one that changed.
- Availability: 1.x published plain `online`/`offline`; 2.x publishes `{"state": "online"}`,
  retained, and an empty retained payload to clear a renamed device's old topic.

The vendor id is the friendly name, the IEEE address (`0x00158d0001a2b3c4`) unless renamed.
Friendly names may contain '/', but such names are neither subscribed to nor decoded: a
single-level name keeps the `bridge/...` topics and `/set` commands out of ingest.
"""

import datetime as dt
from typing import Final

from devices._vocabulary import BINARY_KINDS, SensorKind
from devices.dialects._errors import DecodeError
from devices.dialects._payload import (
    check_size,
    flag,
    json_object,
    measurement,
    parse_epoch_millis,
    parse_timestamp,
    text,
)
from devices.dialects._vendor import (
    Decoded,
    ForeignDialect,
    VendorDevice,
    VendorLookup,
    checked_vendor_id,
    registered,
)

NAME: Final = "zigbee2mqtt"
_PREFIX: Final = "zigbee2mqtt/"
_ID_LABEL: Final = "friendly name"
SUBSCRIPTIONS: Final = ("zigbee2mqtt/+", "zigbee2mqtt/+/availability")

# A state with every exposed attribute, and the device description `include_device_information`
# adds, is a few kilobytes for the most elaborate devices (thermostats).
MAX_PAYLOAD_BYTES: Final = 16_384

# Our kind -> the state fields that may carry it, the first one present wins.
_FIELDS: Final[dict[SensorKind, tuple[str, ...]]] = {
    SensorKind.MOTION: ("occupancy", "presence"),
    SensorKind.OCCUPANCY: ("occupancy", "presence"),
    SensorKind.CONTACT: ("contact",),
    SensorKind.POWER: ("power",),
    SensorKind.TEMPERATURE: ("temperature",),
    SensorKind.SMOKE: ("smoke",),
    SensorKind.CARBON_MONOXIDE: ("carbon_monoxide",),
    SensorKind.WATER_LEAK: ("water_leak",),
    SensorKind.BATTERY: ("battery",),
}
_AVAILABILITY: Final = {"online": True, "offline": False}
_COMMANDS: Final = frozenset({"set", "get"})


def matches(topic: str) -> bool:
    return topic.startswith(_PREFIX)


def vendor_id(topic: str) -> str:
    return _split(topic)[0]


def decode(topic: str, payload: bytes, received_at: dt.datetime, lookup: VendorLookup) -> Decoded:
    """Decode one Zigbee2MQTT message; raise DecodeError with the reason when it cannot be used."""
    friendly_name, is_availability = _split(topic)
    check_size(payload, MAX_PAYLOAD_BYTES)
    device = registered(lookup, friendly_name, dialect=NAME, id_label=_ID_LABEL)
    if is_availability:
        return [device.status(online=_availability(payload), received_at=received_at)]
    state = json_object(payload, shape="a JSON object of the device's state")
    return _readings(friendly_name, device, state, received_at)


def _split(topic: str) -> tuple[str, bool]:
    """The friendly name, and whether the topic is its availability."""
    if not topic.startswith(_PREFIX):
        raise DecodeError(f"topic does not start with {_PREFIX!r}")
    levels = topic[len(_PREFIX) :].split("/")
    if levels[0] == "bridge":
        raise DecodeError(
            "zigbee2mqtt bridge topics carry no readings: they describe the bridge, not a device"
        )
    if len(levels) > 1 and levels[1] in _COMMANDS:
        raise DecodeError(
            f"zigbee2mqtt .../{levels[1]} topics are commands to a device, not readings from it"
        )
    if len(levels) > 2 or (len(levels) == 2 and levels[1] != "availability"):
        raise DecodeError(
            "zigbee2mqtt topic must be zigbee2mqtt/<friendly_name> or "
            "zigbee2mqtt/<friendly_name>/availability (friendly names containing '/' are not supported)"
        )
    return checked_vendor_id(levels[0], _ID_LABEL), len(levels) == 2


def _availability(payload: bytes) -> bool:
    word = text(payload)
    if not word:
        raise DecodeError(
            "availability payload is empty: zigbee2mqtt clears a renamed device's old availability this way"
        )
    state: object = word
    if word.startswith("{"):
        state = json_object(payload, shape='{"state": "online"} or {"state": "offline"}').get("state")
    if not isinstance(state, str) or state not in _AVAILABILITY:
        raise DecodeError(
            f'availability must be online/offline or {{"state": "online"/"offline"}}, got {word[:40]!r}'
        )
    return _AVAILABILITY[state]


def _readings(
    friendly_name: str, device: VendorDevice, state: dict[str, object], received_at: dt.datetime
) -> Decoded:
    ts = _observed_at(state, received_at)
    wanted = {kind: fields for kind, fields in _FIELDS.items() if kind in device.sensors}
    # Any device may report its battery, registered for it or not (as the registry allows).
    wanted.setdefault(SensorKind.BATTERY, _FIELDS[SensorKind.BATTERY])
    decoded: Decoded = []
    for kind, fields in wanted.items():
        field = next((name for name in fields if state.get(name) is not None), None)
        if field is not None:
            decoded.append(device.reading(kind, _value(kind, field, state), ts, received_at))
    if not decoded:
        registered_kinds = ", ".join(sorted(device.sensors))
        expected = " or ".join(repr(name) for fields in wanted.values() for name in fields)
        raise DecodeError(
            f"zigbee2mqtt state of {friendly_name!r} has no value for its registered sensors "
            f"({registered_kinds}): expected {expected}"
        )
    return decoded


def _value(kind: SensorKind, field: str, state: dict[str, object]) -> float:
    if kind in BINARY_KINDS:
        detected = flag(state[field], field)
        # Zigbee2MQTT's contact is true when the magnet is present, i.e. the door is closed.
        return 1.0 - detected if kind is SensorKind.CONTACT else detected
    value = measurement(state[field], field)
    # With the relay open nothing can flow, whatever a cached `power` from before says.
    if kind is SensorKind.POWER and state.get("state") == "OFF":
        return 0.0
    return value


def _observed_at(state: dict[str, object], received_at: dt.datetime) -> dt.datetime:
    last_seen = state.get("last_seen")
    if last_seen is None:
        return received_at
    if isinstance(last_seen, str):
        return parse_timestamp(last_seen, "last_seen")
    return parse_epoch_millis(last_seen, "last_seen")


DIALECT: Final = ForeignDialect(
    name=NAME,
    subscriptions=SUBSCRIPTIONS,
    matches=matches,
    vendor_id=vendor_id,
    decode=decode,
    publish_topics=lambda vendor_id: (f"zigbee2mqtt/{vendor_id}", f"zigbee2mqtt/{vendor_id}/availability"),
)
