"""What `telecare demo` needs from the web service: a responder who covers the demo homes (a new
password each run, printed once) and a port (the configured one, or any free one if taken)."""

import contextlib
import secrets
import socket

from web._accounts import (
    AccountError,
    Conn,
    Role,
    add_team,
    add_team_member,
    add_user,
    assign_household,
    set_password,
)
from web._server import listen

DEMO_USERNAME = "demo"
DEMO_TEAM = "Demo duty team"


def demo_responder(conn: Conn, households: list[str]) -> tuple[str, str]:
    """(username, password) of the demo responder, in a team covering `households`."""
    password = secrets.token_urlsafe(9)
    try:
        add_user(
            conn,
            username=DEMO_USERNAME,
            display_name="Demo Responder",
            role=Role.RESPONDER,
            password=password,
        )
    except AccountError:
        set_password(conn, DEMO_USERNAME, password)  # there from an earlier demo
    with contextlib.suppress(AccountError):  # there from an earlier demo
        add_team(conn, DEMO_TEAM)
    add_team_member(conn, DEMO_TEAM, DEMO_USERNAME)
    for household in households:
        assign_household(conn, DEMO_TEAM, household)
    conn.commit()
    return DEMO_USERNAME, password


def demo_socket(host: str, port: int) -> socket.socket:
    """The configured port, or any free one: a demo should start even beside another service."""
    try:
        return listen(host, port)
    except OSError:
        return listen(host, 0)
