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

from devices._entries import DeviceEntry
from devices.dialects import foreign_dialects, subscriptions

# Mosquitto 2's own format ($7$): PBKDF2-SHA512, 101 iterations, a 12-byte salt. Mosquitto
# verifies exactly this, so the iteration count is not ours to raise.
_PBKDF2_ITERATIONS = 101
_SALT_BYTES = 12


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
    dialects = {dialect.name: dialect for dialect in foreign_dialects()}
    vendor_topics: dict[str, list[str]] = {}
    for device in devices:
        dialect = dialects.get(device.dialect)
        if device.removed_on is None and device.vendor_id and dialect is not None:
            vendor_topics.setdefault(device.household, []).extend(dialect.publish_topics(device.vendor_id))
    lines = ["# Written by `telecare devices provision`; edits are overwritten.", ""]
    for account in sorted(accounts, key=lambda a: a.username):
        lines.append(f"user {account.username}")
        if account.household is None:
            lines.extend(f"topic read {topic}" for topic in subscriptions())
        else:
            lines.append(f"topic write telecare/v1/{account.household}/#")
            lines.extend(
                f"topic write {topic}" for topic in sorted(set(vendor_topics.get(account.household, [])))
            )
        lines.append("")
    return "\n".join(lines)
