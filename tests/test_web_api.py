"""The JSON API against the real app and database: every endpoint for the roles that may use it,
and for every role the endpoints it must be refused (401/403/404, never another's data)."""

import httpx
import pytest

from alerts import (
    NOTE_MAX_LENGTH,
    AlertConfig,
    AlertNotFound,
    LifecycleError,
    Outcome,
    add_alert_note,
    audit_trail,
    escalate_alert,
    resolve_alert,
)
from devices import ContactEntry
from telecare.settings import Settings
from tests.web_helpers import (
    T0,
    USERS,
    Conn,
    Tokens,
    WebServer,
    raise_alert,
    register,
    running_web,
)


def _state(conn: Conn, alert: int) -> tuple[str, str | None]:
    row = conn.execute("SELECT state, outcome FROM alerts WHERE id = %s", (alert,)).fetchone()
    conn.commit()
    assert row is not None
    return row[0], row[1]


def test_me_answers_for_every_role(web: WebServer, tokens: Tokens) -> None:
    for username, role in USERS.items():
        assert web.api(tokens[username]).get("/api/me").json() == {
            "username": username,
            "display_name": username.title(),
            "role": role,
        }


@pytest.mark.parametrize(
    ("username", "sees"),
    [("admin", {"north", "south"}), ("sam", {"north", "south"}), ("ann", {"north"}), ("ned", set())],
)
def test_the_queue_holds_exactly_the_households_a_responder_may_see(
    web: WebServer, tokens: Tokens, alerts: dict[str, int], username: str, sees: set[str]
) -> None:
    response = web.api(tokens[username]).get("/api/alerts")

    assert response.status_code == 200
    assert {item["id"] for item in response.json()} == {alerts[name] for name in sees}


def test_the_queue_puts_urgent_first_and_filters_by_severity_kind_and_team(
    web: WebServer, tokens: Tokens, alerts: dict[str, int], conn: Conn
) -> None:
    low = raise_alert(conn, "h-north", "battery_low", at=T0)
    api = web.api(tokens["sam"])

    queue = api.get("/api/alerts").json()
    assert [(a["kind"], a["severity"]) for a in queue] == [
        ("alarm_pressed", "urgent"),
        ("cold_home", "high"),
        ("battery_low", "routine"),
    ]
    assert queue[0]["ack_deadline"] == "2026-11-22T10:01:00Z"
    assert queue[0]["teams"] == ["North"]
    assert [a["id"] for a in api.get("/api/alerts", params={"severity": "high"}).json()] == [alerts["south"]]
    assert [a["id"] for a in api.get("/api/alerts", params={"kind": "battery_low"}).json()] == [low]
    assert [a["id"] for a in api.get("/api/alerts", params={"team": "South"}).json()] == [alerts["south"]]
    assert api.get("/api/alerts", params={"severity": "dire"}).status_code == 422


@pytest.mark.parametrize("username", ["cara", "cody"])
def test_carers_and_commissioners_are_refused_the_console_api(
    web: WebServer, tokens: Tokens, alerts: dict[str, int], username: str, conn: Conn
) -> None:
    api = web.api(tokens[username])
    north = alerts["north"]
    responses = [
        api.get("/api/alerts"),
        api.get(f"/api/alerts/{north}"),
        api.post(f"/api/alerts/{north}/acknowledge", json={}),
        api.post(f"/api/alerts/{north}/escalate", json={}),
        api.post(f"/api/alerts/{north}/notes", json={"text": "hello"}),
        api.post(f"/api/alerts/{north}/resolve", json={"outcome": "false_alarm"}),
    ]
    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"detail": f"a {USERS[username]} account has no access to this"}
    assert _state(conn, north) == ("open", None)
    assert not [e for e in audit_trail(conn, "alert", str(north)) if e.actor == username]


def test_without_a_token_every_endpoint_answers_401(web: WebServer, alerts: dict[str, int]) -> None:
    api = web.api(None)
    north = alerts["north"]
    for response in (
        api.get("/api/me"),
        api.get("/api/alerts"),
        api.get(f"/api/alerts/{north}"),
        api.post(f"/api/alerts/{north}/acknowledge", json={}),
        api.post(f"/api/alerts/{north}/escalate", json={}),
        api.post(f"/api/alerts/{north}/notes", json={"text": "x"}),
        api.post(f"/api/alerts/{north}/resolve", json={"outcome": "false_alarm"}),
    ):
        assert response.status_code == 401


def test_another_teams_alert_is_not_found_exactly_as_a_missing_one_is(
    web: WebServer, tokens: Tokens, alerts: dict[str, int], conn: Conn
) -> None:
    api = web.api(tokens["ann"])
    south, missing = alerts["south"], alerts["south"] + 1000
    for alert in (south, missing):
        for response in (
            api.get(f"/api/alerts/{alert}"),
            api.post(f"/api/alerts/{alert}/acknowledge", json={"note": "mine now"}),
            api.post(f"/api/alerts/{alert}/escalate", json={}),
            api.post(f"/api/alerts/{alert}/notes", json={"text": "seen"}),
            api.post(f"/api/alerts/{alert}/resolve", json={"outcome": "false_alarm"}),
        ):
            assert response.status_code == 404
            assert response.json() == {"detail": f"there is no alert {alert}"}
    assert _state(conn, south) == ("open", None)
    assert [e.action for e in audit_trail(conn, "alert", str(south))] == ["alert.opened", "alert.raised"]


def test_alert_detail_explains_and_its_reading_is_audited(
    web: WebServer, tokens: Tokens, alerts: dict[str, int], conn: Conn
) -> None:
    register(
        conn,
        "h-north",
        display_name="Mrs North",
        contacts=(
            ContactEntry(
                name="Cara",
                relationship="daughter",
                channels=("mailto://c@x.org",),
                quiet_hours="22:00-07:00",
            ),
        ),
    )
    north = alerts["north"]

    detail = web.api(tokens["ann"]).get(f"/api/alerts/{north}").json()

    assert detail["alert"]["message"] == "The pendant alarm was pressed."
    assert detail["alert"]["evidence"] == {"explanation": "The pendant alarm was pressed."}
    assert detail["household"]["display_name"] == "Mrs North"
    assert detail["contacts"] == [
        {
            "name": "Cara",
            "relationship": "daughter",
            "channel_kinds": ["mailto"],
            "quiet_hours": "22:00-07:00",
        }
    ]
    assert [h["action"] for h in detail["history"]] == ["alert.opened", "alert.raised"]
    assert len(detail["activity"]["days"]) == 28
    assert detail["activity"]["summary"] == "Too little history to say what is usual yet (0 days)."
    [read] = [e for e in audit_trail(conn, "alert", str(north)) if e.action == "read.alert_detail"]
    assert (read.actor, read.household, read.detail["via"]) == ("ann", "h-north", "api")
    assert "contacts" in read.detail["shown"]


def test_acknowledge_note_escalate_resolve_each_recorded_with_who_did_it(
    database_url: str, tokens: Tokens, alerts: dict[str, int], conn: Conn
) -> None:
    settings = Settings(supervisor_channels=("json://127.0.0.1:9/supervisor",))
    with running_web(database_url, settings=settings) as web:
        _work_an_alert(web.api(tokens["ann"]), alerts["north"], conn)


def _work_an_alert(api: httpx.Client, north: int, conn: Conn) -> None:
    acked = api.post(f"/api/alerts/{north}/acknowledge", json={"note": "ringing her now"})
    again = api.post(f"/api/alerts/{north}/acknowledge", json={})
    noted = api.post(f"/api/alerts/{north}/notes", json={"text": "no answer, neighbour has a key"})
    escalated = api.post(f"/api/alerts/{north}/escalate", json={"note": "need a visit"})
    system_outcome = api.post(f"/api/alerts/{north}/resolve", json={"outcome": "condition_cleared"})
    resolved = api.post(
        f"/api/alerts/{north}/resolve", json={"outcome": "responder_visit", "note": "she is fine"}
    )
    twice = api.post(f"/api/alerts/{north}/resolve", json={"outcome": "false_alarm"})

    assert acked.status_code == 200
    assert (acked.json()["state"], acked.json()["acknowledged_by"]) == ("acknowledged", "ann")
    assert again.status_code == 409
    assert "nothing to acknowledge" in again.json()["detail"]
    assert noted.status_code == 201
    assert noted.json()["detail"] == {"note": "no answer, neighbour has a key"}
    assert (escalated.json()["state"], escalated.json()["escalation_level"]) == ("escalated", 1)
    assert escalated.json()["ack_deadline"] == "2026-11-22T10:01:00Z", "the supervisor has a minute"
    assert system_outcome.status_code == 422
    assert (resolved.json()["state"], resolved.json()["outcome"]) == ("resolved", "responder_visit")
    assert twice.status_code == 409
    trail = [(e.action, e.actor) for e in audit_trail(conn, "alert", str(north))]
    assert trail[2:] == [
        ("alert.acknowledged", "ann"),
        ("alert.note", "ann"),
        ("alert.escalated", "ann"),
        ("alert.resolved", "ann"),
    ]
    told = conn.execute(
        "SELECT event, audience FROM notifications WHERE alert_id = %s ORDER BY id", (north,)
    ).fetchall()
    assert told == [("raised", "family"), ("escalated", "supervisor")], "escalated to the supervisor"
    detail = api.get(f"/api/alerts/{north}").json()
    assert [n["detail"]["note"] for n in detail["notes"]] == [
        "ringing her now",
        "no answer, neighbour has a key",
        "need a visit",
        "she is fine",
    ]


def test_bad_input_is_refused_with_a_reason_not_a_crash(
    web: WebServer, tokens: Tokens, alerts: dict[str, int]
) -> None:
    api = web.api(tokens["sam"])
    north = alerts["north"]
    for response in (
        api.get("/api/alerts/0"),
        api.get(f"/api/alerts/{2**63}"),
        api.get("/api/alerts/not-a-number"),
        api.get("/api/alerts", params={"kind": "a\x00b"}),
        api.post(f"/api/alerts/{north}/notes", json={"text": ""}),
        api.post(f"/api/alerts/{north}/notes", json={"text": "x" * 2001}),
        api.post(f"/api/alerts/{north}/notes", json={"text": "nul\x00byte"}),
        api.post(f"/api/alerts/{north}/resolve", json={"outcome": "vanished"}),
        api.post(
            f"/api/alerts/{north}/resolve", content=b"not json", headers={"content-type": "application/json"}
        ),
    ):
        assert response.status_code == 422, response.text
        assert response.json()["detail"]


def test_the_console_and_the_command_line_escalate_and_note_through_the_alerts_package(
    alerts: dict[str, int], conn: Conn
) -> None:
    """The web's actions are the alerts package's public ones, with their own refusals."""
    north = alerts["north"]
    escalated = escalate_alert(conn, north, by="ann", note="no answer", now=T0, config=AlertConfig())
    assert (escalated.state, escalated.escalation_level) == ("escalated", 1)
    add_alert_note(conn, north, "rang the son", by="ann", now=T0)
    trail = [(r.action, r.actor, r.detail.get("note")) for r in audit_trail(conn, "alert", str(north))]
    assert trail[-2:] == [("alert.escalated", "ann", "no answer"), ("alert.note", "ann", "rang the son")]
    with pytest.raises(AlertNotFound):
        add_alert_note(conn, 10**9, "lost", by="ann", now=T0)
    for bad in ("", "x" * (NOTE_MAX_LENGTH + 1), "nul\x00"):
        with pytest.raises(ValueError, match="note"):
            add_alert_note(conn, north, bad, by="ann", now=T0)
    resolve_alert(conn, north, Outcome.FALSE_ALARM, by="ann", note=None, now=T0, config=AlertConfig())
    with pytest.raises(LifecycleError, match="already resolved"):
        escalate_alert(conn, north, by="ann", note=None, now=T0, config=AlertConfig())
