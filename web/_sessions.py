"""Signed-in browsers (server-side sessions: idle timeout, absolute lifetime, a CSRF token each)
and the sign-in rate limits, by username and by client address."""

import dataclasses
import datetime as dt
import math
import secrets

from web._accounts import Conn, User, token_digest, user_from_row

# Attempts are kept a day: long enough to look into a burst, short enough to hold little
# about who tried to sign in from where.
_ATTEMPTS_KEPT = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SessionLimits:
    idle: dt.timedelta
    lifetime: dt.timedelta


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LoginLimits:
    window: dt.timedelta
    failures_per_user: int
    failures_per_address: int


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class WebSession:
    user: User
    csrf_token: str


def open_session(
    conn: Conn, user: User, *, now: dt.datetime, limits: SessionLimits
) -> tuple[str, WebSession]:
    """A new session: the token for the cookie (returned once) and the session it stands for."""
    token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with conn.transaction():
        # Sessions that ended by themselves are removed whenever someone signs in.
        conn.execute(
            "DELETE FROM web_sessions WHERE expires_at <= %s OR last_seen_at <= %s", (now, now - limits.idle)
        )
        conn.execute(
            """INSERT INTO web_sessions
                   (token_sha256, user_id, csrf_token, created_at, last_seen_at, expires_at)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            (token_digest(token), user.id, csrf_token, now, now, now + limits.lifetime),
        )
    return token, WebSession(user=user, csrf_token=csrf_token)


def current_session(conn: Conn, token: str, *, now: dt.datetime, limits: SessionLimits) -> WebSession | None:
    """The live session this cookie token stands for, marked as used now; None if it is
    unknown, idle too long, past its lifetime, or its user was disabled."""
    row = conn.execute(
        """UPDATE web_sessions s SET last_seen_at = %(now)s FROM users u
           WHERE s.token_sha256 = %(digest)s AND u.id = s.user_id AND u.disabled_at IS NULL
             AND s.last_seen_at > %(idle_since)s AND s.expires_at > %(now)s
           RETURNING u.id, u.username, u.display_name, u.role, s.csrf_token""",
        {"now": now, "digest": token_digest(token), "idle_since": now - limits.idle},
    ).fetchone()
    if row is None:
        return None
    return WebSession(user=user_from_row(row[:4]), csrf_token=row[4])


def close_session(conn: Conn, token: str) -> None:
    conn.execute("DELETE FROM web_sessions WHERE token_sha256 = %s", (token_digest(token),))


def login_refusal(
    conn: Conn, *, username: str, address: str, now: dt.datetime, limits: LoginLimits
) -> str | None:
    """Why a sign-in may not even be tried now, or None. Failures count within the window;
    a username's count restarts at its last successful sign-in."""
    since = now - limits.window
    by_user, user_oldest = _failures(
        conn,
        """username = %(username)s AND at > greatest(%(since)s, coalesce(
               (SELECT max(at) FROM login_attempts WHERE username = %(username)s AND succeeded),
               %(since)s))""",
        {"username": username, "since": since},
    )
    if by_user >= limits.failures_per_user:
        return _wait_message("for this account", user_oldest, now, limits.window)
    by_address, address_oldest = _failures(
        conn, "client_address = %(address)s AND at > %(since)s", {"address": address, "since": since}
    )
    if by_address >= limits.failures_per_address:
        return _wait_message("from this address", address_oldest, now, limits.window)
    return None


def record_login_attempt(
    conn: Conn, *, username: str, address: str, now: dt.datetime, succeeded: bool
) -> None:
    with conn.transaction():
        conn.execute("DELETE FROM login_attempts WHERE at < %s", (now - _ATTEMPTS_KEPT,))
        conn.execute(
            "INSERT INTO login_attempts (at, username, client_address, succeeded) VALUES (%s, %s, %s, %s)",
            (now, username, address, succeeded),
        )


def _failures(conn: Conn, where: str, params: dict[str, object]) -> tuple[int, dt.datetime | None]:
    row = conn.execute(
        f"SELECT count(*), min(at) FROM login_attempts WHERE NOT succeeded AND {where}", params
    ).fetchone()
    assert row is not None
    return int(row[0]), row[1]


def _wait_message(scope: str, oldest: dt.datetime | None, now: dt.datetime, window: dt.timedelta) -> str:
    # The count drops below the limit once the oldest failure leaves the window.
    wait = (oldest + window - now) if oldest is not None else window
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return (
        f"Too many failed sign-ins {scope}. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
        "or ask an administrator to reset your password."
    )
