"""Broker credentials and access rules: each home's hub may publish only under its own
household's topics (and its own devices' vendor topics); the platform reads; nobody else.

Produces the two files Mosquitto reads: a password file in the format `mosquitto_passwd`
writes, and an ACL file. Pure: the caller stores hashes and writes the files.
"""

import base64
import dataclasses
import hashlib
import secrets
from collections.abc import Iterable

from devices._entries import DeviceEntry, Dialect

# Mosquitto 2's own format ($7$): PBKDF2-SHA512, 101 iterations, a 12-byte salt. Mosquitto
# verifies exactly this, so the iteration count is not ours to raise.
_PBKDF2_ITERATIONS = 101
_SALT_BYTES = 12

# What a foreign dialect's hub publishes for one device, by the vendor id it reports under.
_DIALECT_TOPICS: dict[Dialect, tuple[str, ...]] = {
    Dialect.ZIGBEE2MQTT: ("zigbee2mqtt/{id}", "zigbee2mqtt/{id}/availability"),
    Dialect.TASMOTA: ("tele/{id}/#",),
    Dialect.SHELLY: ("shellies/{id}/#", "{id}/#"),
}
# What the platform's services read: every dialect's namespace.
SERVICE_READ_TOPICS = ("telecare/v1/#", "zigbee2mqtt/#", "tele/#", "shellies/#", "+/status/#", "+/online")


def new_password() -> str:
    """A password for a machine to keep (about 190 bits), safe in URLs and config files."""
    return secrets.token_urlsafe(24)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The password file's hash of `password`, as `mosquitto_passwd` writes it."""
    salt = salt if salt is not None else secrets.token_bytes(_SALT_BYTES)
    derived = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _PBKDF2_ITERATIONS)
    return f"$7${_PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(derived).decode()}"


def hub_username(household: str) -> str:
    return f"hub-{household}"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrokerAccount:
    username: str
    password_hash: str
    household: str | None  # None for the platform's own services


def password_file(accounts: Iterable[BrokerAccount]) -> str:
    return "".join(f"{a.username}:{a.password_hash}\n" for a in sorted(accounts, key=lambda a: a.username))


def acl_file(accounts: Iterable[BrokerAccount], devices: Iterable[DeviceEntry]) -> str:
    """Mosquitto ACL: hubs write only their home's topics; services read; the rest get nothing."""
    vendor_topics: dict[str, list[str]] = {}
    for device in devices:
        if device.removed_on is None and device.vendor_id and device.dialect in _DIALECT_TOPICS:
            patterns = _DIALECT_TOPICS[device.dialect]
            vendor_topics.setdefault(device.household, []).extend(
                p.format(id=device.vendor_id) for p in patterns
            )
    lines = ["# Written by `telecare devices provision`; edits are overwritten.", ""]
    for account in sorted(accounts, key=lambda a: a.username):
        lines.append(f"user {account.username}")
        if account.household is None:
            lines.extend(f"topic read {topic}" for topic in SERVICE_READ_TOPICS)
        else:
            lines.append(f"topic write telecare/v1/{account.household}/#")
            lines.extend(
                f"topic write {topic}" for topic in sorted(set(vendor_topics.get(account.household, [])))
            )
        lines.append("")
    return "\n".join(lines)
