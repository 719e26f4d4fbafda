"""Provisioning a home's hub from administration: `devices.provision_hub`, the same function
`telecare devices provision` calls, with the change audited. The password is handed back once,
to be shown once; nothing can show it again."""

import datetime as dt
import logging
import pathlib

from alerts import record_audit
from devices import BrokerCredentials
from devices import provision_hub as provision_broker_account
from web._accounts import Conn

log = logging.getLogger(__name__)


def provision_hub(
    conn: Conn, household: str, *, broker_dir: pathlib.Path, by: str, now: dt.datetime
) -> BrokerCredentials:
    """Create or rotate the household's hub account and rewrite the broker's files (the household
    must exist), audited in the same transaction. Reload Mosquitto afterwards (SIGHUP)."""
    with conn.transaction():
        credentials = provision_broker_account(conn, household, broker_dir=broker_dir)
        record_audit(
            conn,
            actor=by,
            action="hub.provisioned",
            subject_type="household",
            subject_id=household,
            household=household,
            detail={"username": credentials.username, "rotated": credentials.rotated, "via": "admin"},
            at=now,
        )
    log.info("hub provisioned rotated=%s", credentials.rotated)
    return credentials
