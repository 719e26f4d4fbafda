"""The web service for tests: the real app served by a real uvicorn on a free port (with a clock
the test can move), accounts of every role, households with alerts, signed-in clients."""

import contextlib
import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Iterator

import httpx
import psycopg
import pytest
from psycopg.rows import TupleRow

import store
from alerts import AlertConfig, route_findings
from devices import ContactEntry, HouseholdEntry, RegistryFile
from telecare.settings import Settings
from tests.services import wait_for_port
from web import Role, create_app, listen, serve
from web._accounts import add_team, add_team_member, add_user, assign_household, issue_api_token, link_carer

Conn = psycopg.Connection[TupleRow]
PASSWORD = "correct horse battery"  # noqa: S105 (the test accounts' password)
# A Sunday morning in November: London keeps GMT, so local times read as UTC.
T0 = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, by: dt.timedelta) -> None:
        self.now += by


@dataclasses.dataclass(slots=True)
class WebServer:
    url: str
    database_url: str
    clock: Clock
    # Every client handed out, closed when the server stops.
    clients: list[httpx.Client] = dataclasses.field(default_factory=list)

    def client(self) -> httpx.Client:
        """A browser-like client (cookies kept, redirects shown rather than followed)."""
        return self._keep(httpx.Client(base_url=self.url, follow_redirects=False, timeout=30))

    def api(self, token: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self._keep(httpx.Client(base_url=self.url, headers=headers, timeout=30))

    def _keep(self, client: httpx.Client) -> httpx.Client:
        self.clients.append(client)
        return client


@contextlib.contextmanager
def running_web(
    database_url: str, *, clock: Clock | None = None, settings: Settings | None = None
) -> Iterator[WebServer]:
    """The app on a free loopback port until the block ends."""
    clock = clock or Clock(T0)
    app = create_app(database_url=database_url, settings=settings or Settings(), clock=clock)
    sock = listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    stop = threading.Event()
    server = threading.Thread(target=serve, args=(app, sock, stop), name="web-under-test")
    server.start()
    try:
        wait_for_port(port)
        web = WebServer(url=f"http://127.0.0.1:{port}", database_url=database_url, clock=clock)
        yield web
        for client in web.clients:
            client.close()
    finally:
        stop.set()
        server.join(30)
        assert not server.is_alive(), "the web service did not stop"


def sign_in(server: WebServer, username: str, password: str = PASSWORD) -> httpx.Client:
    """A client holding a session cookie (or failing the test if signing in fails)."""
    client = server.client()
    response = post_login(client, username, password)
    assert response.status_code == 303, response.text
    return client


def post_login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_token(page.text)},
    )


def csrf_token(html: str) -> str:
    match = _CSRF_INPUT.search(html)
    assert match, "the page has a form with a CSRF token"
    return match[1]


def session_csrf(client: httpx.Client, page: str = "/console") -> str:
    """The session's CSRF token, as its pages carry it."""
    return csrf_token(client.get(page).text)


def register(
    conn: Conn, household: str, *, display_name: str, contacts: tuple[ContactEntry, ...] = ()
) -> None:
    entry = HouseholdEntry(
        id=household, timezone="Europe/London", display_name=display_name, contacts=contacts
    )
    store.import_registry(conn, RegistryFile(households=(entry,)))


def raise_alert(conn: Conn, household: str, kind: str, *, at: dt.datetime, message: str = "Found.") -> int:
    """A finding of `kind` in `household`, routed into an alert as the alerts service would."""
    finding = store.Finding(
        household=household,
        condition_key=kind,
        kind=kind,
        severity="routine",  # the alerts service sets severity from the kind
        onset=at,
        message=message,
        evidence={"explanation": message},
    )
    # Reconciling sets every open finding of the kind: the other households' stay as they are.
    others = [
        store.Finding(
            household=h,
            condition_key=key,
            kind=kind,
            severity=severity,
            onset=onset,
            message=text,
            evidence=evidence,
        )
        for h, key, severity, onset, text, evidence in conn.execute(
            """SELECT household_id, condition_key, severity, onset, message, evidence FROM findings
               WHERE cleared_at IS NULL AND kind = %s AND household_id <> %s""",
            (kind, household),
        )
    ]
    store.reconcile_findings(conn, [kind], [*others, finding], at)
    while route_findings(conn, AlertConfig(), at):
        pass
    row = conn.execute(
        "SELECT id FROM alerts WHERE household_id = %s AND kind = %s AND state <> 'resolved'",
        (household, kind),
    ).fetchone()
    conn.commit()
    assert row is not None
    return int(row[0])


@dataclasses.dataclass(frozen=True, slots=True)
class Tokens:
    """An API token per username."""

    by_user: dict[str, str]

    def __getitem__(self, username: str) -> str:
        return self.by_user[username]


# Every role, and a responder in no team (who sees nothing).
USERS = {
    "admin": Role.ADMIN,
    "sam": Role.SUPERVISOR,
    "ann": Role.RESPONDER,
    "ned": Role.RESPONDER,
    "cara": Role.CARER,
    "cody": Role.COMMISSIONER,
}


def seed_service(conn: Conn, *, now: dt.datetime) -> Tokens:
    """Two households, `h-north` (team North, ann; cara is its carer) and `h-south` (team South,
    nobody); a user of every role with an API token each."""
    register(
        conn,
        "h-north",
        display_name="Mrs North",
        contacts=(ContactEntry(name="Cara", channels=("mailto://c@x.org",)),),
    )
    register(conn, "h-south", display_name="Mr South")
    tokens = {}
    for username, role in USERS.items():
        add_user(conn, username=username, display_name=username.title(), role=role, password=PASSWORD)
        tokens[username] = issue_api_token(conn, username, name="tests", now=now, lifetime=None)
    for team, household in (("North", "h-north"), ("South", "h-south")):
        add_team(conn, team)
        assign_household(conn, team, household)
    add_team_member(conn, "North", "ann")
    link_carer(conn, "cara", "h-north", contact_name="Cara")
    conn.commit()
    return Tokens(tokens)


# The fixtures most web tests share (registered for every test module by tests/conftest.py);
# a module that needs a different service, or more seeded data, defines its own of the name.
@pytest.fixture
def tokens(conn: Conn) -> Tokens:
    """seed_service's users, teams and households; each user's API token."""
    return seed_service(conn, now=T0)


@pytest.fixture
def web(database_url: str, tokens: Tokens) -> Iterator[WebServer]:
    with running_web(database_url) as server:
        yield server


@pytest.fixture
def alerts(conn: Conn, tokens: Tokens) -> dict[str, int]:
    """An urgent alert in the north team's home and a high one in the south's."""
    return {
        "north": raise_alert(
            conn, "h-north", "alarm_pressed", at=T0, message="The pendant alarm was pressed."
        ),
        "south": raise_alert(conn, "h-south", "cold_home", at=T0, message="The lounge is at 14 °C."),
    }
