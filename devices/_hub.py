"""Provisioning a broker account: a new password (or a rotated one) kept only as its hash, and
Mosquitto's passwd and acl files rewritten from every account and device. One function for
`telecare devices provision` and for administration's "Provision the hub"."""

import dataclasses
import pathlib

import psycopg
from psycopg.rows import TupleRow

# The store imports this package (for the account and device records), so it is imported as a
# module and used only when provisioning runs, by which time both are loaded.
import store
from devices._entries import DeviceEntry
from devices._provisioning import (
    BrokerAccount,
    acl_file,
    hash_password,
    hub_username,
    new_password,
    password_file,
)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BrokerCredentials:
    username: str
    password: str  # in clear: shown once to whoever provisions, never stored or logged
    rotated: bool  # the account had a password before; the old one no longer works
    broker_files: pathlib.Path  # the folder holding the rewritten passwd and acl


def provision_hub(
    conn: psycopg.Connection[TupleRow], household: str, *, broker_dir: pathlib.Path
) -> BrokerCredentials:
    """Create or rotate the household's hub account (`hub-<household>`). LookupError if there is
    no such household. Reload Mosquitto (SIGHUP) afterwards for it to take effect."""
    if conn.execute("SELECT 1 FROM households WHERE id = %s", (household,)).fetchone() is None:
        raise LookupError(f"no household {household!r}")
    return provision_account(conn, hub_username(household), household=household, broker_dir=broker_dir)


def provision_account(
    conn: psycopg.Connection[TupleRow], username: str, *, household: str | None, broker_dir: pathlib.Path
) -> BrokerCredentials:
    """Create or rotate a broker account (a household's hub, or with `household` None a platform
    service's) and rewrite the broker's files, in one transaction (the caller's, if it has one)."""
    password = new_password()
    with conn.transaction():
        rotated = (
            conn.execute("SELECT 1 FROM mqtt_accounts WHERE username = %s FOR UPDATE", (username,)).fetchone()
            is not None
        )
        account = BrokerAccount(username=username, password_hash=hash_password(password), household=household)
        store.save_account(conn, account)
        # Written before the commit: should the files fail, the account is not changed either,
        # and the broker keeps accepting the old password.
        write_broker_files(broker_dir, store.broker_accounts(conn), store.export_registry(conn).devices)
    return BrokerCredentials(username=username, password=password, rotated=rotated, broker_files=broker_dir)


def write_broker_files(
    folder: pathlib.Path, accounts: list[BrokerAccount], devices: tuple[DeviceEntry, ...]
) -> None:
    """Mosquitto's passwd and acl, readable by their owner only."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("passwd", password_file(accounts)), ("acl", acl_file(accounts, devices))):
        path = folder / name
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text)
