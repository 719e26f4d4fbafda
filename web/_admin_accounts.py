"""Users and teams as administration changes them: the account functions the `telecare users` and
`telecare teams` commands use, each change in one transaction with its audit row. Passwords and
tokens never reach the trail."""

import datetime as dt

from alerts import record_audit
from web._accounts import (
    AccountError,
    Conn,
    Role,
    add_team,
    add_team_member,
    add_user,
    assign_household,
    disable_user,
    find_user,
    link_carer,
    remove_team_member,
    set_password,
    unlink_carer,
)


def create_user(
    conn: Conn, *, username: str, display_name: str, role: Role, password: str, by: str, now: dt.datetime
) -> None:
    with conn.transaction():
        user = add_user(conn, username=username, display_name=display_name, role=role, password=password)
        _audit(conn, by, "user.created", "user", user.username, now, role=role)


def reset_password(conn: Conn, username: str, password: str, *, by: str, now: dt.datetime) -> None:
    """The user's sessions end; they sign in again with the new password."""
    with conn.transaction():
        set_password(conn, username, password)
        _audit(conn, by, "user.password_set", "user", username, now)


def disable(conn: Conn, username: str, *, by: str, now: dt.datetime) -> None:
    if username == by:
        raise AccountError("you cannot disable your own account")
    with conn.transaction():
        disable_user(conn, username, now=now)
        _audit(conn, by, "user.disabled", "user", username, now)


def link(
    conn: Conn, username: str, household: str, *, contact_name: str | None, by: str, now: dt.datetime
) -> None:
    """Let a carer see a household (as the named contact, whose preferences they then manage)."""
    with conn.transaction():
        link_carer(conn, username, household, contact_name=contact_name)
        _audit(
            conn,
            by,
            "carer.linked",
            "user",
            username,
            now,
            household=household,
            as_contact=bool(contact_name),
        )


def unlink(conn: Conn, username: str, household: str, *, by: str, now: dt.datetime) -> None:
    """The carer no longer sees the household; they are signed out of nothing else."""
    with conn.transaction():
        unlink_carer(conn, username, household)
        _audit(conn, by, "carer.unlinked", "user", username, now, household=household)


def remove_member(conn: Conn, team: str, username: str, *, by: str, now: dt.datetime) -> None:
    with conn.transaction():
        remove_team_member(conn, team, username)
        member = find_user(conn, username).username
        _audit(conn, by, "team.member_removed", "team", team, now, username=member)


def create_team(conn: Conn, name: str, *, by: str, now: dt.datetime) -> None:
    with conn.transaction():
        add_team(conn, name)
        _audit(conn, by, "team.created", "team", name, now)


def add_member(conn: Conn, team: str, username: str, *, by: str, now: dt.datetime) -> None:
    with conn.transaction():
        add_team_member(conn, team, username)
        _audit(conn, by, "team.member_added", "team", team, now, username=find_user(conn, username).username)


def cover_household(conn: Conn, team: str, household: str, *, by: str, now: dt.datetime) -> None:
    with conn.transaction():
        assign_household(conn, team, household)
        _audit(conn, by, "team.household_assigned", "team", team, now, household=household)


def _audit(
    conn: Conn,
    by: str,
    action: str,
    subject_type: str,
    subject_id: str,
    now: dt.datetime,
    *,
    household: str | None = None,
    **detail: object,
) -> None:
    record_audit(
        conn,
        actor=by,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        household=household,
        detail={**detail, **({"household": household} if household else {}), "via": "admin"},
        at=now,
    )
