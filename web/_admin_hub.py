"""Provisioning a home's hub from administration, as `telecare devices provision` does: a new
broker password (or a rotated one), kept only as its hash, Mosquitto's passwd and acl files
rewritten. The password is handed back once, to be shown once; nothing can show it again."""

import dataclasses
import datetime as dt
import logging
import pathlib

import store
from alerts import record_audit
from devices import DeviceEntry
from devices._provisioning import (
    BrokerAccount,
    acl_file,
    hash_password,
    hub_username,
    new_password,
    password_file,
)
from web._accounts import Conn

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class HubCredentials:
    username: str
    password: str  # in clear: this object lives only for the one response that shows it
    rotated: bool  # the hub had credentials before; its old password no longer works
    broker_files: pathlib.Path


def provision_hub(
    conn: Conn, household: str, *, broker_dir: pathlib.Path, by: str, now: dt.datetime
) -> HubCredentials:
    """Create or rotate the household's hub account and rewrite the broker's files (the household
    must exist). Reload Mosquitto afterwards (SIGHUP) for it to take effect."""
    password = new_password()
    username = hub_username(household)
    with conn.transaction():
        rotated = (
            conn.execute("SELECT 1 FROM mqtt_accounts WHERE username = %s FOR UPDATE", (username,)).fetchone()
            is not None
        )
        store.save_account(
            conn, BrokerAccount(username=username, password_hash=hash_password(password), household=household)
        )
        record_audit(
            conn,
            actor=by,
            action="hub.provisioned",
            subject_type="household",
            subject_id=household,
            household=household,
            detail={"username": username, "rotated": rotated, "via": "admin"},
            at=now,
        )
        accounts = store.broker_accounts(conn)
        devices = store.export_registry(conn).devices
        # Written before the commit: should the files fail, the account is not changed either,
        # and the broker keeps accepting the old password.
        _write_broker_files(broker_dir, accounts, devices)
    log.info("hub provisioned household=%s rotated=%s", household, rotated)
    return HubCredentials(username=username, password=password, rotated=rotated, broker_files=broker_dir)


def _write_broker_files(
    folder: pathlib.Path, accounts: list[BrokerAccount], devices: tuple[DeviceEntry, ...]
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("passwd", password_file(accounts)), ("acl", acl_file(accounts, devices))):
        path = folder / name
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text)
