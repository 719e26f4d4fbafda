"""Broker accounts in the store (hashes only)."""

import psycopg
from psycopg.rows import TupleRow

from devices._provisioning import BrokerAccount


def save_account(conn: psycopg.Connection[TupleRow], account: BrokerAccount) -> None:
    """Create the account, or rotate its password if it exists."""
    with conn.transaction():
        conn.execute(
            """INSERT INTO mqtt_accounts (username, household_id, role, password_hash)
               VALUES (%s, %s, %s, %s)
               ON CONFLICT (username) DO UPDATE
               SET password_hash = EXCLUDED.password_hash, created_at = now()""",
            (
                account.username,
                account.household,
                "service" if account.household is None else "hub",
                account.password_hash,
            ),
        )


def broker_accounts(conn: psycopg.Connection[TupleRow]) -> list[BrokerAccount]:
    rows = conn.execute(
        """SELECT a.username, a.password_hash, a.household_id FROM mqtt_accounts a
           LEFT JOIN households h ON h.id = a.household_id
           WHERE a.household_id IS NULL OR h.monitoring_state <> 'ended'
           ORDER BY a.username"""
    ).fetchall()
    return [BrokerAccount(username=u, password_hash=p, household=h) for u, p, h in rows]
