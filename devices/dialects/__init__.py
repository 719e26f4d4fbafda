"""Decoders: one module per payload dialect, each turning a raw MQTT message into canonical
readings or a `DecodeError` that says, in words an installer understands, why not.

`native` is our own contract. Every other public module here is a foreign dialect that defines
`DIALECT = ForeignDialect(...)`; they are found by `foreign_dialects()`, so adding a dialect is
adding its module.
"""

import datetime as dt
import functools
import importlib
import pkgutil
from collections.abc import Callable

from devices._reading import DeviceStatus, Reading
from devices.dialects import native
from devices.dialects._errors import DecodeError, UnregisteredVendorId
from devices.dialects._vendor import ForeignDialect, VendorDevice, VendorLookup

# The registry's answer to (dialect name, vendor id): our device, or None.
RegistryLookup = Callable[[str, str], VendorDevice | None]

__all__ = [
    "DecodeError",
    "ForeignDialect",
    "RegistryLookup",
    "UnregisteredVendorId",
    "VendorDevice",
    "VendorLookup",
    "decode_message",
    "foreign_dialects",
    "subscriptions",
]


@functools.cache
def foreign_dialects() -> tuple[ForeignDialect, ...]:
    """Every foreign dialect module's `DIALECT`, by name."""
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name.startswith("_") or module_info.name == "native":
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        dialect = getattr(module, "DIALECT", None)
        if not isinstance(dialect, ForeignDialect):
            raise TypeError(f"dialect module {module.__name__} must define DIALECT = ForeignDialect(...)")
        found.append(dialect)
    return tuple(sorted(found, key=lambda dialect: dialect.name))


def subscriptions() -> tuple[str, ...]:
    """The MQTT topic filters that bring ingest every dialect's messages."""
    return (
        native.SUBSCRIPTION,
        *(pattern for dialect in foreign_dialects() for pattern in dialect.subscriptions),
    )


def decode_message(
    topic: str, payload: bytes, received_at: dt.datetime, lookup: RegistryLookup
) -> list[Reading | DeviceStatus]:
    """Decode a message of any dialect; raise DecodeError with the reason when it cannot be used.

    Native topics name our household and device themselves; a foreign message is mapped to our
    device through `lookup` by its dialect and vendor id.
    """
    if topic.startswith(native.TOPIC_PREFIX):
        return native.decode(topic, payload, received_at)
    dialect = _dialect_of(topic)
    return dialect.decode(topic, payload, received_at, functools.partial(lookup, dialect.name))


def _dialect_of(topic: str) -> ForeignDialect:
    dialect = next((dialect for dialect in foreign_dialects() if dialect.matches(topic)), None)
    if dialect is None:
        known = ", ".join(["native", *(dialect.name for dialect in foreign_dialects())])
        raise DecodeError(f"topic {topic[:80]!r} belongs to no known dialect ({known})")
    return dialect
