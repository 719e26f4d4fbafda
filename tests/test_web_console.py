"""The responder console's pages against the real app and database: who may open them, what the
queue and an alert's page show (explanation, contacts, last day by room, weeks of activity),
the actions as form posts, and live updates over server-sent events."""

import datetime as dt
import json
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from alerts import audit_trail
from devices import Reading, SensorKind
from store import ReadingWriter
from telecare.settings import Settings
from tests.conftest import register_standard_home
from tests.web_helpers import (
    T0,
    Conn,
    Tokens,
    WebServer,
    raise_alert,
    running_web,
    session_csrf,
    sign_in,
)
from web._accounts import disable_user
from web._events import AlertEvents


def _state(conn: Conn, alert: int) -> tuple[str, str | None, int]:
    row = conn.execute(
        "SELECT state, outcome, escalation_level FROM alerts WHERE id = %s", (alert,)
    ).fetchone()
    conn.commit()
    assert row is not None
    return row[0], row[1], row[2]


def test_signed_out_visitors_are_sent_to_sign_in_from_every_console_page(
    web: WebServer, alerts: dict[str, int]
) -> None:
    client = web.client()
    for path in ("/", "/console", "/console/queue", "/console/events", f"/console/alerts/{alerts['north']}"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("username", ["cara", "cody"])
def test_carers_and_commissioners_cannot_open_the_console(
    web: WebServer, alerts: dict[str, int], username: str, conn: Conn
) -> None:
    client = sign_in(web, username)
    landing = client.get("/", follow_redirects=True)
    assert landing.status_code == 200
    assert "/console" not in str(landing.url)
    csrf = session_csrf(client, str(landing.url))
    north = alerts["north"]
    for response in (
        client.get("/console"),
        client.get("/console/queue"),
        client.get("/console/events"),
        client.get(f"/console/alerts/{north}"),
        client.post(f"/console/alerts/{north}/acknowledge", data={"csrf_token": csrf}),
    ):
        assert response.status_code == 403
        assert "has no access to this" in response.text
        assert "Mrs North" not in response.text
    assert _state(conn, north) == ("open", None, 0)


def test_a_responder_sees_their_teams_alerts_only_and_others_are_not_found(
    web: WebServer, alerts: dict[str, int], conn: Conn
) -> None:
    ann = sign_in(web, "ann")
    queue = ann.get("/console")
    assert f'data-id="{alerts["north"]}"' in queue.text
    assert f'data-id="{alerts["south"]}"' not in queue.text
    assert "The pendant alarm was pressed." in queue.text
    assert "Mrs North" not in queue.text, "the queue is pseudonymous"

    south = alerts["south"]
    csrf = session_csrf(ann)
    for response in (
        ann.get(f"/console/alerts/{south}"),
        ann.post(f"/console/alerts/{south}/acknowledge", data={"csrf_token": csrf}),
        ann.post(f"/console/alerts/{south}/escalate", data={"csrf_token": csrf}),
        ann.post(f"/console/alerts/{south}/notes", data={"csrf_token": csrf, "note": "x"}),
        ann.post(f"/console/alerts/{south}/resolve", data={"csrf_token": csrf, "outcome": "false_alarm"}),
        ann.get(f"/console/alerts/{south + 100}"),
    ):
        assert response.status_code == 404
        assert "Mr South" not in response.text
    assert _state(conn, south) == ("open", None, 0)
    sam = sign_in(web, "sam")
    assert f'data-id="{south}"' in sam.get("/console").text, "a supervisor sees every household"


def test_the_queue_filters_and_its_rows_come_alone_for_the_live_refresh(
    web: WebServer, alerts: dict[str, int], conn: Conn
) -> None:
    low = raise_alert(conn, "h-north", "battery_low", at=T0)
    sam = sign_in(web, "sam")

    page = sam.get("/console").text
    rows = sam.get("/console/queue").text
    only_south = sam.get("/console/queue", params={"team": "South", "severity": "", "kind": ""}).text
    only_routine = sam.get("/console/queue", params={"severity": "routine"}).text

    order = [page.index(f'data-id="{alert}"') for alert in (alerts["north"], alerts["south"], low)]
    assert order == sorted(order), "urgent, then high, then routine"
    assert '<option value="battery_low">battery low</option>' in page
    assert rows.lstrip().startswith("<tr")
    assert "<html" not in rows
    assert f'data-id="{alerts["south"]}"' in only_south
    assert f'data-id="{alerts["north"]}"' not in only_south
    assert [f'data-id="{low}"' in only_routine, f'data-id="{alerts["north"]}"' in only_routine] == [
        True,
        False,
    ]
    assert 'data-deadline="2026-11-22T10:01:00+00:00"' in rows


def _write_days(conn: Conn, household: str) -> None:
    """27 days up at 07:10 (kitchen at 07:20, 08:40, 09:30), a bed at 22:00; today nothing yet."""
    readings = []
    for days_ago in range(1, 28):
        day = T0.replace(hour=0) - dt.timedelta(days=days_ago)
        for at, device, sensor, value in (
            (dt.timedelta(hours=7, minutes=10), "bed-mat", SensorKind.OCCUPANCY, 0),
            (dt.timedelta(hours=7, minutes=20), "kitchen-pir", SensorKind.MOTION, 1),
            (dt.timedelta(hours=8, minutes=40), "kitchen-pir", SensorKind.MOTION, 1),
            (dt.timedelta(hours=8, minutes=41), "kettle-plug", SensorKind.POWER, 2200),
            (dt.timedelta(hours=9, minutes=30), "front-door", SensorKind.CONTACT, 1),
            (dt.timedelta(hours=22), "bed-mat", SensorKind.OCCUPANCY, 1),
        ):
            readings.append(
                Reading(
                    household=household,
                    device=device,
                    sensor=sensor,
                    value=value,
                    ts=day + at,
                    received_at=day + at,
                )
            )
    ReadingWriter(conn).write(readings)


def test_an_alert_page_shows_the_evidence_the_last_day_by_room_and_how_today_differs(
    web: WebServer, alerts: dict[str, int], conn: Conn, database_url: str
) -> None:
    register_standard_home(database_url, "h-north")
    _write_days(conn, "h-north")
    north = alerts["north"]
    ann = sign_in(web, "ann")

    page = ann.get(f"/console/alerts/{north}")

    assert page.status_code == 200
    text = page.text
    assert "The pendant alarm was pressed." in text
    assert "Mrs North" in text
    assert "<strong>Cara</strong>" in text
    assert "by mailto" in text
    assert "Today differs from the usual: nothing seen 07:00-10:00, when there is usually activity " in text
    assert "(on 27 of the last 27 days)" in text
    # Yesterday from 10:00 is inside the last 24 hours: the front door is not, the bed is.
    assert '<text x="112" y="15" text-anchor="end" class="room">bedroom</text>' in text
    assert "22:00:00 bed occupied" in text
    assert "front door opened" not in text.split('class="activity"')[0]
    assert text.count('class="cell differs"') == 3, "07, 08 and 09 today are marked"
    assert 'data-deadline="2026-11-22T10:01:00+00:00"' in text
    [read] = [e for e in audit_trail(conn, "alert", str(north)) if e.action == "read.alert_detail"]
    assert (read.actor, read.detail["via"]) == ("ann", "console")


def test_each_action_is_one_form_post_recorded_in_the_trail(
    web: WebServer, alerts: dict[str, int], conn: Conn
) -> None:
    north = alerts["north"]
    ann = sign_in(web, "ann")
    csrf = session_csrf(ann)

    steps = [
        ann.post(f"/console/alerts/{north}/acknowledge", data={"csrf_token": csrf}),
        ann.post(f"/console/alerts/{north}/notes", data={"csrf_token": csrf, "note": "daughter on her way"}),
        ann.post(f"/console/alerts/{north}/escalate", data={"csrf_token": csrf, "note": ""}),
    ]
    assert [(r.status_code, r.headers["location"]) for r in steps] == [(303, f"/console/alerts/{north}")] * 3
    assert _state(conn, north) == ("escalated", None, 1)
    page = ann.get(f"/console/alerts/{north}").text
    assert "daughter on her way" in page

    refused = ann.post(
        f"/console/alerts/{north}/resolve", data={"csrf_token": csrf, "outcome": "person_checked_in"}
    )
    resolved = ann.post(
        f"/console/alerts/{north}/resolve", data={"csrf_token": csrf, "outcome": "family_attended"}
    )
    again = ann.post(
        f"/console/alerts/{north}/resolve", data={"csrf_token": csrf, "outcome": "family_attended"}
    )

    assert refused.status_code == 422
    assert "recorded by the platform" in refused.text
    assert (resolved.status_code, resolved.headers["location"]) == (303, "/console")
    assert again.status_code == 409
    assert "already resolved" in again.text
    assert _state(conn, north) == ("resolved", "family_attended", 1)
    actions = [(e.action, e.actor) for e in audit_trail(conn, "alert", str(north)) if e.actor == "ann"]
    assert [a for a, _ in actions if not a.startswith("read.")] == [
        "alert.acknowledged",
        "alert.note",
        "alert.escalated",
        "alert.resolved",
    ]


def test_the_event_stream_says_when_an_alert_of_theirs_changes(
    web: WebServer, alerts: dict[str, int], conn: Conn
) -> None:
    ann = sign_in(web, "ann")
    seen: list[str] = []
    opened = threading.Event()

    def listen() -> None:
        with ann.stream("GET", "/console/events", timeout=30) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            for line in stream.iter_lines():
                opened.set()
                seen.append(line)
                if line == "event: alerts":
                    return

    listener = threading.Thread(target=listen)
    listener.start()
    assert opened.wait(10), "the stream opened"
    raise_alert(conn, "h-north", "fall_detected", at=T0)
    listener.join(15)
    assert not listener.is_alive(), f"no event arrived: {seen}"
    assert seen[0] == "retry: 2000"


# Sessions idle out after 2 s of the app's clock, so keep-alives come every 0.5 s (a quarter of it).
SHORT_SESSIONS = Settings(web_session_idle_seconds=2, web_session_lifetime_seconds=10)
EVENT_STREAM = {"Accept": "text/event-stream"}


class _Listener:
    """An open console's event stream, read on a thread of its own until it ends."""

    def __init__(self, client: httpx.Client) -> None:
        self.lines: list[str] = []
        self.opened = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(client,))
        self._thread.start()
        assert self.opened.wait(10), "the stream opened"

    def _read(self, client: httpx.Client) -> None:
        with client.stream("GET", "/console/events", headers=EVENT_STREAM, timeout=30) as stream:
            assert stream.status_code == 200
            for line in stream.iter_lines():
                if line:  # events are separated by blank lines
                    self.lines.append(line)
                self.opened.set()

    def ended(self) -> bool:
        self._thread.join(15)
        return not self._thread.is_alive()


def _wait_until(condition: Callable[[], bool]) -> None:
    """Until `condition` holds (a keep-alive's work lands within a second; ten are allowed)."""
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


def _last_seen(conn: Conn, username: str) -> dt.datetime | None:
    row = conn.execute(
        """SELECT max(s.last_seen_at) FROM web_sessions s JOIN users u ON u.id = s.user_id
           WHERE u.username = %s""",
        (username,),
    ).fetchone()
    conn.commit()
    return row[0] if row else None


def test_an_open_console_keeps_its_session_alive_until_its_lifetime_ends_it(
    database_url: str, tokens: Tokens, conn: Conn
) -> None:
    with running_web(database_url, settings=SHORT_SESSIONS) as server:
        ann, sam = sign_in(server, "ann"), sign_in(server, "sam")
        console = _Listener(ann)
        for _ in range(5):  # 7.5 s of the app's clock: well past the 2 s idle timeout
            server.clock.advance(dt.timedelta(seconds=1.5))
            _wait_until(lambda: _last_seen(conn, "ann") == server.clock.now)
        assert ann.get("/console").status_code == 200, "the open console counted as use"
        assert sam.get("/console").status_code == 303, "a page left without a console idles out"

        for _ in range(2):  # to 10.5 s: past the session's 10 s lifetime
            server.clock.advance(dt.timedelta(seconds=1.5))
        assert console.ended(), "the stream ends with its session"
        assert console.lines[-2:] == ["event: signed-out", "data: sign in again"]
        assert ann.get("/console").headers["location"] == "/login?next=/console"
        refused = ann.get("/console/events", headers=EVENT_STREAM)
        assert (refused.status_code, refused.text) == (401, "Signed out: sign in again.")


def test_disabling_a_user_ends_their_open_console_at_the_next_keep_alive(
    database_url: str, tokens: Tokens, conn: Conn
) -> None:
    with running_web(database_url, settings=SHORT_SESSIONS) as server:
        console = _Listener(sign_in(server, "ann"))
        disable_user(conn, "ann", now=T0)
        conn.commit()
        assert console.ended()
    assert console.lines[-2:] == ["event: signed-out", "data: sign in again"]
    assert "event: alerts" not in console.lines


def test_a_stream_is_poked_only_for_households_its_viewer_may_see_and_pokes_coalesce() -> None:
    events = AlertEvents(database_url="postgresql://unused")
    with (
        events._subscription(lambda household: household == "h-north") as north,
        events._subscription(lambda household: True) as everyone,
    ):
        events._forward(json.dumps({"alert": 2, "household": "h-south"}))
        events._forward(json.dumps({"alert": 3, "household": "h-south"}))
        events._forward("not json")
        assert (north.qsize(), everyone.qsize()) == (0, 1)
        events._forward(json.dumps({"alert": 4, "household": "h-north"}))
        assert (north.qsize(), everyone.qsize()) == (1, 1)


def test_a_database_outage_is_a_clear_503_and_readiness_says_why(database_url: str, tokens: Tokens) -> None:
    with running_web(database_url) as web:
        assert web.client().get("/readyz").json() == {"status": "ready", "reason": None}
    down = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=1"
    with running_web(down) as web:
        ready = web.client().get("/readyz")
        page = web.client().get("/login")
        assert web.client().get("/healthz").json()["status"] == "ok"
    assert ready.status_code == 503
    assert ready.json()["reason"].startswith("database unreachable")
    assert page.status_code == 200, "the sign-in page needs no database"
