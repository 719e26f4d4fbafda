"""How a foreign dialect plugs in: the registered device a vendor id stands for, and the
interface every foreign dialect module exposes as its `DIALECT`."""

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from typing import Final

from devices._reading import DeviceStatus, Reading
from devices._vocabulary import SensorKind
from devices.dialects._errors import DecodeError, UnregisteredVendorId
from devices.dialects._payload import checked_reading


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class VendorDevice:
    """Our device behind a vendor id: where its readings go and which sensors it is registered for."""

    household: str
    device: str
    sensors: frozenset[SensorKind]

    def reading(self, sensor: SensorKind, value: float, ts: dt.datetime, received_at: dt.datetime) -> Reading:
        """A reading of this device, once its value is plausible for its kind."""
        return checked_reading(
            household=self.household,
            device=self.device,
            sensor=sensor,
            value=value,
            ts=ts,
            received_at=received_at,
        )

    def status(self, *, online: bool, received_at: dt.datetime) -> DeviceStatus:
        return DeviceStatus(
            household=self.household, device=self.device, online=online, received_at=received_at
        )


# One dialect's registry: vendor id -> our device, None when nothing is registered under it.
VendorLookup = Callable[[str], VendorDevice | None]

Decoded = list[Reading | DeviceStatus]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ForeignDialect:
    """A vendor's MQTT dialect, decoded without the sender naming our household or device.

    `decode` resolves the vendor ids it meets through the lookup (one message of a multi-channel
    device can carry several) and raises `DecodeError` with an installer's reason, never
    anything else.
    """

    name: str  # as in the registry's `dialect` column
    subscriptions: tuple[str, ...]  # MQTT topic filters ingest subscribes to
    matches: Callable[[str], bool]  # this topic is in this dialect's namespace
    vendor_id: Callable[[str], str]  # the id the topic reports under; DecodeError if not its shape
    decode: Callable[[str, bytes, dt.datetime, VendorLookup], Decoded]
    # The topic filters a hub publishes under for the device registered as this vendor id:
    # what the broker's ACL lets that home's hub write, and nothing more.
    publish_topics: Callable[[str], tuple[str, ...]]


# The registry accepts up to 200 characters; a vendor id is one MQTT topic level, so it cannot
# hold '/', and MQTT forbids wildcards and NUL in published topics.
MAX_VENDOR_ID_CHARS: Final = 200
_FORBIDDEN: Final = re.compile(r"[/+#\x00-\x1f\x7f]")


def checked_vendor_id(vendor_id: str, label: str) -> str:
    """The vendor id from a topic level, refused when it could not name a registered device."""
    if not vendor_id:
        raise DecodeError(f"topic has an empty {label}")
    if len(vendor_id) > MAX_VENDOR_ID_CHARS:
        raise DecodeError(f"{label} is longer than {MAX_VENDOR_ID_CHARS} characters")
    if _FORBIDDEN.search(vendor_id) or vendor_id in {".", ".."}:
        raise DecodeError(
            f"{label} {vendor_id[:80]!r} contains '/', a wildcard ('+', '#'), a control character "
            "or is a path step ('.', '..')"
        )
    return vendor_id


def channel_base(vendor_id: str) -> str:
    """The device a channel id belongs to: 'plug_1f:2' (channel 2) is published by 'plug_1f'."""
    return vendor_id.split(":", 1)[0]


def registered(lookup: VendorLookup, vendor_id: str, *, dialect: str, id_label: str) -> VendorDevice:
    """The device registered under `vendor_id`, or the refusal that tells an installer what to register."""
    device = lookup(vendor_id)
    if device is None:
        raise UnregisteredVendorId(dialect=dialect, id_label=id_label, vendor_id=vendor_id)
    return device
