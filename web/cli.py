"""`telecare users ...` and `telecare teams ...`: web accounts from the command line. Passwords
are typed (hidden) or read from stdin, never taken as arguments (they would show in `ps`)."""

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import psycopg
import typer
from psycopg.rows import TupleRow

import store
from telecare._logging import configure_logging
from telecare._platform import database
from telecare.settings import Settings
from web._accounts import (
    AccountError,
    Role,
    add_team,
    add_team_member,
    add_user,
    assign_household,
    disable_user,
    issue_api_token,
    link_carer,
    list_teams,
    list_users,
    set_password,
)

users_app = typer.Typer(help="Web accounts: who may sign in, with which role.", no_args_is_help=True)
teams_app = typer.Typer(help="Responder teams and the households they cover.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


@contextmanager
def _accounts() -> Iterator[psycopg.Connection[TupleRow]]:
    settings = Settings()
    configure_logging(settings.log_level)
    with database(settings) as url, store.connect(url, application_name="telecare-accounts") as conn:
        try:
            yield conn
        except AccountError as exc:
            conn.rollback()
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    name: Annotated[str, typer.Option("--name", help="The name shown on pages and in the audit trail.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Create an account."""
    password = _password(password_stdin)
    with _accounts() as conn:
        user = add_user(conn, username=username, display_name=name, role=role, password=password)
    typer.echo(f"user {user.username} added ({user.role})")


@users_app.command("list")
def users_list() -> None:
    """Every account: role, teams (responders, supervisors), linked households (carers)."""
    with _accounts() as conn:
        listings = list_users(conn)
    for listing in listings:
        user = listing.user
        extra = []
        if listing.teams:
            extra.append("teams: " + ", ".join(listing.teams))
        if listing.households:
            extra.append("households: " + ", ".join(listing.households))
        if listing.disabled:
            extra.append("DISABLED")
        typer.echo(f"{user.username:<20} {user.role:<13} {user.display_name:<24} {'; '.join(extra)}".rstrip())


@users_app.command("passwd")
def users_passwd(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a new password (signs the user out everywhere)."""
    password = _password(password_stdin)
    with _accounts() as conn:
        set_password(conn, username, password)
    typer.echo(f"password changed for {username}")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable an account: signed out everywhere, API tokens revoked; kept for the audit trail."""
    with _accounts() as conn:
        disable_user(conn, username, now=dt.datetime.now(dt.UTC))
    typer.echo(f"user {username} disabled")


@users_app.command("token")
def users_token(
    username: str,
    name: Annotated[str, typer.Option("--name", help="What the token is for (e.g. 'wallboard').")],
    days: Annotated[int | None, typer.Option(min=1, help="Lifetime in days (default: none).")] = None,
) -> None:
    """Issue an API bearer token. It is printed once; only its hash is kept."""
    with _accounts() as conn:
        token = issue_api_token(
            conn,
            username,
            name=name,
            now=dt.datetime.now(dt.UTC),
            lifetime=dt.timedelta(days=days) if days else None,
        )
    typer.echo(token)


@users_app.command("link-household")
def users_link_household(
    username: str,
    household: str,
    contact: Annotated[
        str | None, typer.Option(help="The household's contact this carer is (by the contact's name).")
    ] = None,
) -> None:
    """Let a carer see a household."""
    with _accounts() as conn:
        link_carer(conn, username, household, contact_name=contact)
    typer.echo(f"{username} linked to {household}")


@teams_app.command("add")
def teams_add(name: str) -> None:
    """Create a team."""
    with _accounts() as conn:
        add_team(conn, name)
    typer.echo(f"team {name} added")


@teams_app.command("list")
def teams_list() -> None:
    """Every team with its members and households."""
    with _accounts() as conn:
        teams = list_teams(conn)
    for team in teams:
        members, households = ", ".join(team.members) or "-", ", ".join(team.households) or "-"
        typer.echo(f"{team.name}: members {members}; households {households}")


@teams_app.command("assign-household")
def teams_assign_household(team: str, household: str) -> None:
    """The team covers this household: its members see its alerts."""
    with _accounts() as conn:
        assign_household(conn, team, household)
    typer.echo(f"{household} assigned to {team}")


@teams_app.command("add-member")
def teams_add_member(team: str, username: str) -> None:
    """Add a responder or supervisor to a team."""
    with _accounts() as conn:
        add_team_member(conn, team, username)
    typer.echo(f"{username} added to {team}")
