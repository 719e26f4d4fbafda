"""The web service as it is run: `telecare serve` as a process (health, readiness, metrics, a clean
stop), `telecare users`/`teams` commands, the OpenAPI description, and schemathesis against it."""

import os
import pathlib
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.services import REPO, free_port, wait_for_port
from tests.web_helpers import PASSWORD, T0, Conn, Tokens, WebServer, raise_alert, running_web, seed_service


def _telecare(database_url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "telecare", *args],
        env=env,
        cwd=REPO,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_accounts_and_teams_from_the_command_line(database_url: str, conn: Conn) -> None:
    conn.execute("INSERT INTO households (id, timezone) VALUES ('h-1', 'Europe/London')")
    conn.execute("INSERT INTO contacts (household_id, name) VALUES ('h-1', 'Jo')")
    conn.commit()
    steps = [
        ("users", "add", "ann", "--role", "responder", "--name", "Ann A", "--password-stdin"),
        ("users", "add", "jo", "--role", "carer", "--name", "Jo B", "--password-stdin"),
        ("teams", "add", "North"),
        ("teams", "add-member", "North", "ann"),
        ("teams", "assign-household", "North", "h-1"),
        ("users", "link-household", "jo", "h-1", "--contact", "Jo"),
    ]
    for step in steps:
        result = _telecare(database_url, *step, stdin=PASSWORD + "\n")
        assert result.returncode == 0, (step, result.stderr)

    listed = _telecare(database_url, "users", "list").stdout.splitlines()
    teams = _telecare(database_url, "teams", "list").stdout.strip()
    token = _telecare(database_url, "users", "token", "ann", "--name", "wallboard", "--days", "30")
    short = _telecare(database_url, "users", "passwd", "ann", "--password-stdin", stdin="short\n")
    not_a_carer = _telecare(database_url, "users", "link-household", "ann", "h-1")
    no_contact = _telecare(database_url, "users", "link-household", "jo", "h-1", "--contact", "Nobody")
    again = ("users", "add", "ann", "--role", "admin", "--name", "X", "--password-stdin")
    twice = _telecare(database_url, *again, stdin=PASSWORD + "\n")
    disabled = _telecare(database_url, "users", "disable", "ann")

    assert [line.split()[:2] for line in listed] == [["ann", "responder"], ["jo", "carer"]]
    assert listed[0].endswith("teams: North")
    assert listed[1].endswith("households: h-1")
    assert teams == "North: members ann; households h-1"
    assert token.returncode == 0
    assert token.stdout.startswith("tc_")
    assert token.stdout.strip() not in token.stderr
    assert (short.returncode, short.stderr.strip()) == (1, "a password needs at least 10 characters")
    assert not_a_carer.stderr.strip() == "'ann' is a responder: only carers are linked to households"
    assert no_contact.stderr.strip() == "household 'h-1' has no contact named 'Nobody'"
    assert twice.stderr.strip() == "there is already a user 'ann'"
    assert disabled.returncode == 0
    assert "DISABLED" in _telecare(database_url, "users", "list").stdout.splitlines()[0]
    [(linked_contact,)] = conn.execute("SELECT contact_id FROM carer_households").fetchall()
    assert linked_contact is not None


@pytest.fixture
def serving(database_url: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    env = dict(os.environ, TELECARE_DATABASE_URL=database_url, TELECARE_WEB_PORT=str(port))
    process = subprocess.Popen(
        [sys.executable, "-m", "telecare", "serve"], env=env, cwd=REPO, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for_port(port, timeout=30)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stderr:
            process.stderr.close()


def test_telecare_serve_answers_health_readiness_and_metrics_and_stops_cleanly(
    serving: tuple[subprocess.Popen[str], str], database_url: str
) -> None:
    process, url = serving
    with httpx.Client(base_url=url) as client:
        assert client.get("/healthz").json() == {"status": "ok", "reason": None}
        assert client.get("/readyz").json() == {"status": "ready", "reason": None}
        client.get("/login")
        metrics = client.get("/metrics")

    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'telecare_http_requests_total{method="GET",route="/login",status="200"} 1.0' in metrics.text
    assert 'telecare_open_alerts{severity="urgent"} 0.0' in metrics.text
    assert "telecare_http_request_seconds_bucket" in metrics.text
    process.send_signal(signal.SIGTERM)
    assert process.wait(15) == 0
    stderr = process.stderr.read() if process.stderr else ""
    assert "web service listening" in stderr
    assert "GET /login" not in stderr, "no access log: it names client addresses"


def test_a_taken_port_is_a_clear_error(serving: tuple[subprocess.Popen[str], str], database_url: str) -> None:
    _, url = serving
    port = url.rsplit(":", 1)[1]
    env_run = _telecare(database_url, "serve", "--port", port)
    assert env_run.returncode == 1
    assert f"the web service cannot listen on 127.0.0.1:{port}: Address already in use" in env_run.stderr


def test_open_alerts_are_counted_by_severity(database_url: str, conn: Conn) -> None:
    seed_service(conn, now=T0)
    raise_alert(conn, "h-north", "alarm_pressed", at=T0)
    raise_alert(conn, "h-south", "battery_low", at=T0)
    with running_web(database_url) as web:
        text = web.client().get("/metrics").text
    assert 'telecare_open_alerts{severity="urgent"} 1.0' in text
    assert 'telecare_open_alerts{severity="high"} 0.0' in text
    assert 'telecare_open_alerts{severity="routine"} 1.0' in text
    assert "telecare_web_database_up 1.0" in text


def test_the_openapi_description_covers_every_json_endpoint_and_no_page(database_url: str) -> None:
    with running_web(database_url) as web:
        schema = web.client().get("/api/openapi.json").json()
    console_api = {
        "/api/alerts",
        "/api/alerts/{alert_id}",
        "/api/alerts/{alert_id}/acknowledge",
        "/api/alerts/{alert_id}/escalate",
        "/api/alerts/{alert_id}/notes",
        "/api/alerts/{alert_id}/resolve",
        "/api/me",
    }
    assert console_api | {"/healthz", "/readyz"} <= set(schema["paths"])
    assert all(path.startswith("/api/") for path in set(schema["paths"]) - {"/healthz", "/readyz"}), "no page"
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["type"] == "http"
    resolve = schema["paths"]["/api/alerts/{alert_id}/resolve"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(resolve["responses"])


@pytest.fixture
def web(database_url: str, conn: Conn) -> Iterator[tuple[WebServer, Tokens]]:
    tokens = seed_service(conn, now=T0)
    for kind in ("alarm_pressed", "cold_home", "battery_low"):
        raise_alert(conn, "h-north", kind, at=T0)
    with running_web(database_url) as server:
        yield server, tokens


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_nothing_undocumented(
    web: tuple[WebServer, Tokens], tmp_path: pathlib.Path
) -> None:
    server, tokens = web
    result = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "schemathesis"), "run", f"{server.url}/api/openapi.json",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance",
            "--header", f"Authorization: Bearer {tokens['sam']}",
            "--phases", "coverage,fuzzing", "--max-examples", "15", "--seed", "2026",
            "--no-color", "--generation-database", "none",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:]
