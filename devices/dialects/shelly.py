"""Shelly: gen1 `shellies/<id>/relay/<n>/power` and `shellies/<id>/online`; gen2 and later (Plus,
Pro, Gen3) `<id>/status/switch:<n>` and `<id>/online`.

What the messages mean, per shelly-api-docs.shelly.cloud (Gen1 MQTT; Gen2 MQTT and Switch):

- gen1 `relay/<n>/power`: the relay's instantaneous power in W, a bare number.
- gen2 `<topic_prefix>/status/switch:<n>`: the Switch component's whole status, published only
  when "Generic status update over MQTT" (`status_ntf`) is on, which it is not by default.
  `apower` is the last measured active power in W, absent on relays that do not meter;
  `temperature.tC` is the relay's own internal temperature (its overheat protection), not the
  room's, and is ignored. The topic prefix defaults to the device id; a prefix set to
  `shellies/<id>` is read the same way, any other is not recognised.
- `online` (both generations): `true` on connect, `false` as the last will, retained.
- Neither carries a time of its own: readings are stamped with when we received them.

Vendor ids: the device id (`shellyplug-s-7A1B2C`, `shellyplus1pm-a8032ab12345`) for channel
0 and the device's availability; `<id>:<n>` for channel n (Shelly counts from 0).
"""

import datetime as dt
import re
from typing import Final

from devices._vocabulary import SensorKind
from devices.dialects._errors import DecodeError
from devices.dialects._payload import check_size, json_object, json_value, measurement, text
from devices.dialects._vendor import (
    Decoded,
    ForeignDialect,
    VendorLookup,
    channel_base,
    checked_vendor_id,
    registered,
)

NAME: Final = "shelly"
_ID_LABEL: Final = "device id"
_GEN1_PREFIX: Final = "shellies"
# Gen2 subscriptions name each switch: a wildcard after `status/` would also bring the status
# of every other component (sys, wifi, cloud, inputs) on every change. Four is the most
# switches a Shelly has (Pro 4PM).
SUBSCRIPTIONS: Final = (
    "shellies/+/relay/+/power",
    "shellies/+/online",
    *(f"+/status/switch:{channel}" for channel in range(4)),
    *(f"shellies/+/status/switch:{channel}" for channel in range(4)),
    "+/online",
)

# A switch status is a few hundred bytes; a gen1 power a few.
MAX_PAYLOAD_BYTES: Final = 4_096

# Gen2 device ids are the model and the MAC address: shellyplus1pm-a8032ab12345. Only such a
# first topic level marks a gen2 topic, so `<anything>/online` of other systems is not taken.
_GEN2_ID: Final = re.compile(r"shelly[a-z0-9-]*-[0-9a-f]{12}", re.IGNORECASE)
_LEAF: Final = re.compile(r"online|relay/(?P<relay>[0-9]{1,2})/power|status/switch:(?P<switch>[0-9]{1,2})")
_ONLINE: Final = {"true": True, "false": False}


def matches(topic: str) -> bool:
    first = topic.split("/", 1)[0]
    return first == _GEN1_PREFIX or _GEN2_ID.fullmatch(first) is not None


def vendor_id(topic: str) -> str:
    return _split(topic)[0]


def decode(topic: str, payload: bytes, received_at: dt.datetime, lookup: VendorLookup) -> Decoded:
    """Decode one Shelly message; raise DecodeError with the reason when it cannot be used."""
    channel_id, leaf = _split(topic)
    check_size(payload, MAX_PAYLOAD_BYTES)
    device = registered(lookup, channel_id, dialect=NAME, id_label=_ID_LABEL)
    if leaf == "online":
        return [device.status(online=_online(payload), received_at=received_at)]
    return [device.reading(SensorKind.POWER, _watts(leaf, payload), received_at, received_at)]


def _split(topic: str) -> tuple[str, str]:
    """The vendor id (with its channel), and which message it is: online, relay or switch."""
    first, _, rest = topic.partition("/")
    if first == _GEN1_PREFIX:
        first, _, rest = rest.partition("/")
    elif not _GEN2_ID.fullmatch(first):
        raise DecodeError(
            "topic is not a Shelly's: it starts with neither 'shellies/' nor a Shelly device id"
        )
    leaf = _LEAF.fullmatch(rest)
    if leaf is None:
        raise DecodeError(
            "shelly topic must be shellies/<id>/relay/<n>/power, <id>/status/switch:<n> "
            "or [shellies/]<id>/online"
        )
    device_id = checked_vendor_id(first, _ID_LABEL)
    channel = int(leaf["relay"] or leaf["switch"] or 0)
    kind = "online" if rest == "online" else "relay" if leaf["relay"] else "switch"
    return (f"{device_id}:{channel}" if channel else device_id), kind


def _online(payload: bytes) -> bool:
    word = text(payload)
    if word not in _ONLINE:
        raise DecodeError(f"shelly online must be 'true' or 'false', got {word[:40]!r}")
    return _ONLINE[word]


def _watts(leaf: str, payload: bytes) -> float:
    if leaf == "relay":
        return measurement(json_value(payload), "power")
    status = json_object(payload, shape="a JSON object of the switch's status")
    if "apower" not in status:
        raise DecodeError("switch status has no 'apower': this Shelly relay does not meter power")
    return measurement(status["apower"], "apower")


DIALECT: Final = ForeignDialect(
    name=NAME,
    subscriptions=SUBSCRIPTIONS,
    matches=matches,
    vendor_id=vendor_id,
    decode=decode,
    publish_topics=lambda vendor_id: (
        f"shellies/{channel_base(vendor_id)}/#",
        f"{channel_base(vendor_id)}/#",
    ),
)
