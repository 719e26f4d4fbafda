""" "I'm fine" from the person: recorded for the household, and ending any alert still held back
for a check-in. A standing web link per household can do it; only its hash is kept."""

import datetime as dt
import hashlib
import secrets

import psycopg
from psycopg.rows import TupleRow

from alerts._alert_store import ALERT_COLUMNS, alert_from_row, load_households, stored_id
from alerts._apply import apply_transition
from alerts._config import AlertConfig
from alerts._lifecycle import check_in
from alerts._vocabulary import CheckinSource

# 256 bits: unguessable, and short enough for a link on a phone.
_TOKEN_BYTES = 32


def record_checkin(
    conn: psycopg.Connection[TupleRow],
    household: str,
    source: CheckinSource,
    *,
    at: dt.datetime,
    config: AlertConfig,
) -> list[int]:
    """Record the check-in and resolve the household's alerts waiting for one; their ids.
    LookupError if there is no such household."""
    with conn.transaction(), conn.cursor() as cur:
        return _record(cur, household, source, at, config)


def _record(
    cur: psycopg.Cursor[TupleRow], household: str, source: CheckinSource, at: dt.datetime, config: AlertConfig
) -> list[int]:
    profile = load_households(cur, [household]).get(household)
    if profile is None:
        raise LookupError(f"there is no household {household!r}")
    cur.execute(
        """INSERT INTO checkins (household_id, at, source) VALUES (%s, %s, %s)
           ON CONFLICT (household_id, at) WHERE source = 'pendant' DO NOTHING""",
        (household, at, source),
    )
    if cur.rowcount == 0:
        return []  # this pendant press was recorded already
    # Only an alert already waiting when the person answered is answered.
    waiting = [
        alert_from_row(row)
        for row in cur.execute(
            f"""SELECT {ALERT_COLUMNS} FROM alerts
                WHERE household_id = %s AND state = 'checking' AND created_at <= %s AND checkin_until >= %s
                ORDER BY id FOR UPDATE""",
            (household, at, at),
        )
    ]
    return [
        stored_id(apply_transition(cur, check_in(alert, source, at), profile, config, at))
        for alert in waiting
    ]


def issue_checkin_token(conn: psycopg.Connection[TupleRow], household: str, *, now: dt.datetime) -> str:
    """A new "I'm fine" link token for the household (shown once); earlier ones stop working."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    with conn.transaction():
        conn.execute(
            "UPDATE checkin_tokens SET revoked_at = %s WHERE household_id = %s AND revoked_at IS NULL",
            (now, household),
        )
        conn.execute(
            "INSERT INTO checkin_tokens (token_sha256, household_id, created_at) VALUES (%s, %s, %s)",
            (_digest(token), household, now),
        )
    return token


def checkin_by_token(
    conn: psycopg.Connection[TupleRow], token: str, *, at: dt.datetime, config: AlertConfig
) -> list[int] | None:
    """Check in through a web link; None if the token is unknown or revoked."""
    with conn.transaction(), conn.cursor() as cur:
        row = cur.execute(
            "SELECT household_id FROM checkin_tokens WHERE token_sha256 = %s AND revoked_at IS NULL",
            (_digest(token),),
        ).fetchone()
        if row is None:
            return None
        return _record(cur, row[0], CheckinSource.WEB_LINK, at, config)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
