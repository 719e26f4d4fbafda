"""Accounts: users with a role and an Argon2-hashed password, teams covering households, carers
linked to households, API tokens. Storage and checks only; who may see what is in _access."""

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import secrets

import argon2
import psycopg
from psycopg.rows import TupleRow

Conn = psycopg.Connection[TupleRow]

# NCSC and NIST both favour length over composition rules; ten characters, no other rule.
PASSWORD_MIN_LENGTH = 10
# argon2-cffi's defaults are RFC 9106's second recommended profile (64 MiB, 3 passes).
_hasher = argon2.PasswordHasher()


class Role(enum.StrEnum):
    ADMIN = "admin"
    RESPONDER = "responder"
    SUPERVISOR = "supervisor"
    CARER = "carer"
    COMMISSIONER = "commissioner"


class AccountError(ValueError):
    """A request about accounts that cannot be carried out, in words for the person asking."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class UserListing:
    user: User
    disabled: bool
    teams: tuple[str, ...]
    households: tuple[str, ...]  # a carer's linked households


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class TeamListing:
    name: str
    members: tuple[str, ...]
    households: tuple[str, ...]


_USER_COLUMNS = "id, username, display_name, role"


def user_from_row(row: TupleRow) -> User:
    id_, username, display_name, role = row
    return User(id=id_, username=username, display_name=display_name, role=Role(role))


@functools.cache
def _unknown_user_hash() -> str:
    """Verified against when the username is unknown, so the answer takes as long either way
    and does not tell a guesser which usernames exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _check_password(password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"a password needs at least {PASSWORD_MIN_LENGTH} characters")


def add_user(conn: Conn, *, username: str, display_name: str, role: Role, password: str) -> User:
    _check_password(password)
    try:
        with conn.transaction():
            row = conn.execute(
                f"""INSERT INTO users (username, display_name, role, password_hash)
                    VALUES (%s, %s, %s, %s) RETURNING {_USER_COLUMNS}""",
                (username, display_name, role, _hasher.hash(password)),
            ).fetchone()
    except psycopg.errors.UniqueViolation as exc:
        raise AccountError(f"there is already a user '{username}'") from exc
    except psycopg.errors.CheckViolation as exc:
        raise AccountError(
            "a username is 2-64 lower-case letters, digits and . _ @ -, starting with a letter or digit"
        ) from exc
    assert row is not None
    return user_from_row(row)


def find_user(conn: Conn, username: str) -> User:
    row = conn.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE username = %s", (username,)).fetchone()
    if row is None:
        raise AccountError(f"there is no user '{username}'")
    return user_from_row(row)


def set_password(conn: Conn, username: str, password: str) -> None:
    """A new password ends every session the user has open."""
    _check_password(password)
    user = find_user(conn, username)
    with conn.transaction():
        conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (_hasher.hash(password), user.id))
        conn.execute("DELETE FROM web_sessions WHERE user_id = %s", (user.id,))


def disable_user(conn: Conn, username: str, *, now: dt.datetime) -> None:
    """Signs the user out everywhere and revokes their API tokens; the row stays for the audit trail."""
    user = find_user(conn, username)
    with conn.transaction():
        conn.execute(
            "UPDATE users SET disabled_at = %s WHERE id = %s AND disabled_at IS NULL", (now, user.id)
        )
        conn.execute("DELETE FROM web_sessions WHERE user_id = %s", (user.id,))
        conn.execute(
            "UPDATE api_tokens SET revoked_at = %s WHERE user_id = %s AND revoked_at IS NULL", (now, user.id)
        )


def verify_password(conn: Conn, username: str, password: str) -> User | None:
    """The enabled user with this username and password, or None (whichever was wrong)."""
    row = conn.execute(
        f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE username = %s AND disabled_at IS NULL",
        (username,),
    ).fetchone()
    stored = row[4] if row is not None else _unknown_user_hash()
    try:
        _hasher.verify(stored, password)
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return None
    if row is None:
        return None
    user = user_from_row(row[:4])
    if _hasher.check_needs_rehash(stored):
        with conn.transaction():
            conn.execute(
                "UPDATE users SET password_hash = %s WHERE id = %s", (_hasher.hash(password), user.id)
            )
    return user


def issue_api_token(
    conn: Conn, username: str, *, name: str, now: dt.datetime, lifetime: dt.timedelta | None
) -> str:
    """A new bearer token for the API; returned once, only its hash is kept."""
    user = find_user(conn, username)
    token = "tc_" + secrets.token_urlsafe(32)
    with conn.transaction():
        conn.execute(
            """INSERT INTO api_tokens (token_sha256, user_id, name, created_at, expires_at)
               VALUES (%s, %s, %s, %s, %s)""",
            (token_digest(token), user.id, name, now, now + lifetime if lifetime else None),
        )
    return token


def user_for_api_token(conn: Conn, token: str, *, now: dt.datetime) -> User | None:
    row = conn.execute(
        f"""UPDATE api_tokens t SET last_used_at = %s FROM users u
            WHERE t.token_sha256 = %s AND u.id = t.user_id AND t.revoked_at IS NULL
              AND (t.expires_at IS NULL OR t.expires_at > %s) AND u.disabled_at IS NULL
            RETURNING {", ".join("u." + c.strip() for c in _USER_COLUMNS.split(","))}""",
        (now, token_digest(token), now),
    ).fetchone()
    conn.commit()
    return user_from_row(row) if row is not None else None


def list_users(conn: Conn) -> list[UserListing]:
    rows = conn.execute(
        f"""SELECT {", ".join("u." + c.strip() for c in _USER_COLUMNS.split(","))}, u.disabled_at IS NOT NULL,
                   coalesce(array_agg(DISTINCT t.name) FILTER (WHERE t.name IS NOT NULL), '{{}}'),
                   coalesce(array_agg(DISTINCT c.household_id)
                            FILTER (WHERE c.household_id IS NOT NULL), '{{}}')
            FROM users u
            LEFT JOIN team_members m ON m.user_id = u.id LEFT JOIN teams t ON t.id = m.team_id
            LEFT JOIN carer_households c ON c.user_id = u.id
            GROUP BY u.id ORDER BY u.username"""
    ).fetchall()
    return [
        UserListing(
            user=user_from_row(row[:4]), disabled=row[4], teams=tuple(row[5]), households=tuple(row[6])
        )
        for row in rows
    ]


def link_carer(conn: Conn, username: str, household: str, *, contact_name: str | None) -> None:
    """Let a carer see a household, as one of its contacts when `contact_name` names one."""
    user = find_user(conn, username)
    if user.role is not Role.CARER:
        raise AccountError(f"'{username}' is a {user.role}: only carers are linked to households")
    _require_household(conn, household)
    contact_id = None
    if contact_name is not None:
        row = conn.execute(
            "SELECT id FROM contacts WHERE household_id = %s AND name = %s", (household, contact_name)
        ).fetchone()
        if row is None:
            raise AccountError(f"household '{household}' has no contact named '{contact_name}'")
        contact_id = row[0]
    with conn.transaction():
        conn.execute(
            """INSERT INTO carer_households (user_id, household_id, contact_id) VALUES (%s, %s, %s)
               ON CONFLICT (user_id, household_id) DO UPDATE SET contact_id = EXCLUDED.contact_id""",
            (user.id, household, contact_id),
        )


def unlink_carer(conn: Conn, username: str, household: str) -> None:
    """The carer no longer sees the household (their contact entry, if any, stays: it is the
    household's record of who to tell, changed from the household's page)."""
    user = find_user(conn, username)
    with conn.transaction():
        cur = conn.execute(
            "DELETE FROM carer_households WHERE user_id = %s AND household_id = %s", (user.id, household)
        )
    if cur.rowcount == 0:
        raise AccountError(f"'{username}' is not linked to household '{household}'")


def remove_team_member(conn: Conn, team: str, username: str) -> None:
    user = find_user(conn, username)
    with conn.transaction():
        cur = conn.execute(
            "DELETE FROM team_members WHERE team_id = %s AND user_id = %s", (_team_id(conn, team), user.id)
        )
    if cur.rowcount == 0:
        raise AccountError(f"'{username}' is not a member of team '{team}'")


def add_team(conn: Conn, name: str) -> None:
    try:
        with conn.transaction():
            conn.execute("INSERT INTO teams (name) VALUES (%s)", (name,))
    except psycopg.errors.UniqueViolation as exc:
        raise AccountError(f"there is already a team '{name}'") from exc
    except psycopg.errors.CheckViolation as exc:
        raise AccountError("a team name is 1-64 characters, not starting or ending with a space") from exc


def add_team_member(conn: Conn, team: str, username: str) -> None:
    user = find_user(conn, username)
    if user.role not in (Role.RESPONDER, Role.SUPERVISOR):
        raise AccountError(f"'{username}' is a {user.role}: teams are of responders and supervisors")
    with conn.transaction():
        conn.execute(
            "INSERT INTO team_members (team_id, user_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (_team_id(conn, team), user.id),
        )


def assign_household(conn: Conn, team: str, household: str) -> None:
    _require_household(conn, household)
    with conn.transaction():
        conn.execute(
            "INSERT INTO team_households (team_id, household_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            (_team_id(conn, team), household),
        )


def list_teams(conn: Conn) -> list[TeamListing]:
    rows = conn.execute(
        """SELECT t.name,
                  coalesce((SELECT array_agg(u.username ORDER BY u.username) FROM team_members m
                            JOIN users u ON u.id = m.user_id WHERE m.team_id = t.id), '{}'),
                  coalesce((SELECT array_agg(h.household_id ORDER BY h.household_id) FROM team_households h
                            WHERE h.team_id = t.id), '{}')
           FROM teams t ORDER BY t.name"""
    ).fetchall()
    return [TeamListing(name=name, members=tuple(m), households=tuple(h)) for name, m, h in rows]


def _team_id(conn: Conn, team: str) -> int:
    row = conn.execute("SELECT id FROM teams WHERE name = %s", (team,)).fetchone()
    if row is None:
        raise AccountError(f"there is no team '{team}'")
    return int(row[0])


def _require_household(conn: Conn, household: str) -> None:
    if conn.execute("SELECT 1 FROM households WHERE id = %s", (household,)).fetchone() is None:
        raise AccountError(f"there is no household '{household}'")
