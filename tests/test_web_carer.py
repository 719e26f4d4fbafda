"""The carer view against the real service: a carer sees only their own household (404 for any
other, 403 for other roles), today's sentence, recent alerts with what was done, the week in
words; pauses and resumes routine alerts where consent allows; sets their own notification
preferences. Every read and change is audited; every form needs the session's CSRF token."""

import datetime as dt
import threading
import time

import httpx
import pytest

import store
from alerts import (
    AlertConfig,
    AlertService,
    Outcome,
    end_expired_pauses,
    monitoring_state_at,
    resolve_alert,
    set_route,
)
from devices import ConsentEntry, HouseholdEntry, MonitoringState, RegistryFile
from tests.web_helpers import (
    T0,
    Conn,
    Tokens,
    WebServer,
    raise_alert,
    register,
    session_csrf,
    sign_in,
)
from web._accounts import link_carer

PAGE = "/carer/households/h-north"


@pytest.fixture
def cara(web: WebServer) -> httpx.Client:
    return sign_in(web, "cara")


def _consent(conn: Conn, household: str = "h-north", **fields: object) -> None:
    consent = ConsentEntry.model_validate(
        {"basis": "self", "given_by": "Mrs North", "given_on": dt.date(2026, 10, 1)} | fields
    )
    entry = HouseholdEntry(id=household, timezone="Europe/London", consent=consent)
    store.import_registry(conn, RegistryFile(households=(entry,)))
    conn.commit()


def _audit(conn: Conn, action: str) -> list[tuple[str, str | None, dict[str, object]]]:
    rows = conn.execute(
        "SELECT actor, household_id, detail FROM audit_events WHERE action = %s ORDER BY id", (action,)
    ).fetchall()
    conn.commit()
    return [(actor, household, detail) for actor, household, detail in rows]


def _state(conn: Conn, household: str = "h-north") -> tuple[str, dt.datetime | None]:
    row = conn.execute(
        "SELECT monitoring_state, away_until FROM households WHERE id = %s", (household,)
    ).fetchone()
    conn.commit()
    assert row is not None
    return row[0], row[1]


def test_a_carer_lands_on_their_one_household_and_its_read_is_audited(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    assert cara.get("/").headers["location"] == "/carer"
    assert cara.get("/carer").headers["location"] == PAGE
    page = cara.get(PAGE)
    assert page.status_code == 200
    assert "Mrs North" in page.text
    # No readings at all today: the sentence says so rather than "all as usual".
    assert 'id="today"' in page.text
    assert "as usual" not in page.text.split('id="today"')[1].split("</p>")[0]
    assert "No alerts in the last 30 days." in page.text
    assert _audit(conn, "read.household_status") == [
        ("cara", "h-north", {"via": "carer", "shown": ["today", "alerts_30d", "week", "own_contact"]})
    ]


@pytest.mark.parametrize("path", ["/carer/households/h-south", "/carer/households/h-nowhere"])
def test_any_other_household_is_not_found_and_nothing_of_it_is_read(
    cara: httpx.Client, conn: Conn, path: str
) -> None:
    for response in (
        cara.get(path),
        cara.post(
            f"{path}/pause", data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": "x"}
        ),
        cara.post(f"{path}/resume", data={"csrf_token": session_csrf(cara, PAGE)}),
        cara.post(f"{path}/preferences", data={"csrf_token": session_csrf(cara, PAGE), "channels": ""}),
    ):
        assert response.status_code == 404
        assert "Mr South" not in response.text
    assert all(household == "h-north" for _, household, _ in _audit(conn, "read.household_status"))
    assert _state(conn, "h-south") == ("active", None)


@pytest.mark.parametrize("username", ["admin", "sam", "ann", "cody"])
def test_other_roles_are_refused_the_carer_view(web: WebServer, username: str) -> None:
    client = sign_in(web, username)
    assert client.get("/carer").status_code == 403
    assert client.get(PAGE).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(web: WebServer) -> None:
    response = web.client().get(PAGE)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/carer/households/h-north"


def test_a_carer_of_two_households_chooses_between_them(web: WebServer, conn: Conn) -> None:
    register(conn, "h-west", display_name="Mr West")
    link_carer(conn, "cara", "h-west", contact_name=None)
    conn.commit()
    page = sign_in(web, "cara").get("/carer")
    assert page.status_code == 200
    assert "Mrs North" in page.text
    assert "Mr West" in page.text
    assert "Mr South" not in page.text
    assert {h for _, h, _ in _audit(conn, "read.household_name")} == {"h-north", "h-west"}


def test_recent_alerts_say_what_was_done_and_only_those_the_family_hears_of(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    pressed = raise_alert(
        conn, "h-north", "alarm_pressed", at=T0 - dt.timedelta(hours=2), message="Pendant pressed."
    )
    resolve_alert(
        conn, pressed, Outcome.RESOLVED_BY_PHONE, by="ann", note=None, now=T0 - dt.timedelta(hours=1),
        config=AlertConfig(),
    )  # fmt: skip
    raise_alert(conn, "h-north", "cold_home", at=T0 - dt.timedelta(minutes=30), message="Kitchen at 14 C.")
    # The family does not hear of leaks in this home: the page does not tell them either.
    set_route(conn, "h-north", "water_leak", ["duty_team"], by="admin", now=T0)
    raise_alert(conn, "h-north", "water_leak", at=T0 - dt.timedelta(minutes=20), message="Leak.")
    conn.commit()
    page = cara.get(PAGE).text
    assert "The pendant alarm was pressed" in page
    assert "The duty team spoke to Mrs North by phone and it is settled." in page
    assert "The home is cold" in page
    assert "The duty team has been alerted." in page
    assert "Kitchen at 14 C." in page
    assert "water leak" not in page.lower()
    assert page.index("The home is cold") < page.index("The pendant alarm was pressed")  # newest first


def test_the_week_is_described_from_stored_daily_features(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    first = T0.date() - dt.timedelta(days=35)
    usual = (7 * 3600.0, 22 * 3600.0, 9 * 3600.0, 1.0, 0.0, 8.0, 3.0, 4.0, 3600.0, 1.0, 30000.0, 60.0)
    store.save_feature_days(
        conn,
        [
            store.FeatureDay(
                household="h-north",
                day=first + dt.timedelta(days=n),
                anchor_s=0.0,
                unusable=None,
                values=usual,
            )
            for n in range(35)
        ],
        T0,
    )
    conn.commit()
    week = cara.get(PAGE).text.split('id="week"')[1].split("</div>")[0]
    assert "was much like the usual weeks" in week
    assert "getting up at about 07:00" in week


def test_a_carer_pauses_routine_alerts_while_visiting_and_resumes_them(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    _consent(conn)
    token = session_csrf(cara, PAGE)
    # London is on GMT in November: 18:00 on the home's clock is 18:00 UTC.
    response = cara.post(
        f"{PAGE}/pause", data={"csrf_token": token, "reason": "visiting", "until": "2026-11-24T18:00"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{PAGE}?done=paused"
    assert _state(conn) == ("away", dt.datetime(2026, 11, 24, 18, 0, tzinfo=dt.UTC))
    page = cara.get(response.headers["location"]).text
    assert "Routine alerts are paused." in page
    assert "You are visiting: routine alerts" in page
    assert "18:00 on Tue 24 Nov" in page
    [(actor, household, detail)] = _audit(conn, "household.monitoring_state_set")
    assert (actor, household) == ("cara", "h-north")
    assert detail == {
        "before": {"state": "active", "away_until": None},
        "after": {"state": "away", "away_until": "2026-11-24T18:00:00+00:00"},
        "reason": "visiting",
        "via": "carer",
    }

    response = cara.post(f"{PAGE}/resume", data={"csrf_token": token})
    assert response.headers["location"] == f"{PAGE}?done=resumed"
    assert _state(conn) == ("active", None)
    assert len(_audit(conn, "household.monitoring_state_set")) == 2


def _family_told(conn: Conn, alert: int) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM notifications WHERE alert_id = %s AND audience = 'family'", (alert,)
    ).fetchone()
    conn.commit()
    return row is not None and row[0] > 0


def test_an_away_pause_whose_time_has_passed_is_over_and_the_home_is_watched_again(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    _consent(conn)
    token = session_csrf(cara, PAGE)
    cara.post(f"{PAGE}/pause", data={"csrf_token": token, "reason": "away", "until": "2026-11-24T18:00"})
    while_away = raise_alert(conn, "h-north", "expected_activity_missing", at=T0)
    assert not _family_told(conn, while_away), "routine news is held while they are away"

    web.clock.advance(dt.timedelta(days=3))  # the pause ended yesterday evening
    cara = sign_in(web, "cara")
    token = session_csrf(cara, PAGE)
    page = cara.get(PAGE).text
    assert "Routine alerts are paused" not in page, "an ended pause no longer shows, marked over or not"
    assert "Pause routine alerts" in page
    assert _state(conn)[0] == "away", "nothing has marked it over yet"
    assert cara.post(f"{PAGE}/resume", data={"csrf_token": token}).status_code == 422, "nothing to resume"

    assert end_expired_pauses(conn, web.clock.now) == ["h-north"]
    assert end_expired_pauses(conn, web.clock.now) == [], "once"
    assert _state(conn) == ("active", None)
    actor, household, detail = _audit(conn, "household.monitoring_state_set")[-1]
    assert (actor, household) == ("system:away-expiry", "h-north")
    assert detail == {
        "before": {"state": "away", "away_until": "2026-11-24T18:00:00+00:00"},
        "after": {"state": "active", "away_until": None},
        "reason": None,
        "via": "away_until passed",
    }
    back = raise_alert(conn, "h-north", "routine_change", at=web.clock.now)
    assert _family_told(conn, back), "routine alerts reach the family again"
    assert "Routine alerts are paused" not in cara.get(PAGE).text


def test_the_alerts_service_marks_a_pause_over_once_its_time_has_passed(
    database_url: str, tokens: Tokens, conn: Conn
) -> None:
    """The service runs on the real clock: the pause ended a day before now."""
    store.set_monitoring_state(
        conn, "h-north", MonitoringState.AWAY, away_until=dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    )
    conn.commit()
    stop = threading.Event()
    alerts = AlertService(database_url=database_url, config=AlertConfig())
    service = threading.Thread(target=alerts.run, args=(stop,), name="alerts-service")
    service.start()
    try:
        deadline = time.monotonic() + 30  # the digest loop looks every 5 s
        while _state(conn)[0] != "active":
            assert time.monotonic() < deadline, "the pause was never marked over"
            time.sleep(0.1)
    finally:
        stop.set()
        service.join(30)
    assert not service.is_alive()
    assert _state(conn) == ("active", None)
    assert _audit(conn, "household.monitoring_state_set")[-1][0] == "system:away-expiry"


def test_a_pause_applies_until_its_end_and_not_after() -> None:
    until = T0 + dt.timedelta(days=1)
    assert monitoring_state_at(MonitoringState.AWAY, until, T0) is MonitoringState.AWAY
    assert monitoring_state_at(MonitoringState.AWAY, until, until) is MonitoringState.ACTIVE
    assert monitoring_state_at(MonitoringState.AWAY, None, T0) is MonitoringState.AWAY
    for state in (MonitoringState.ACTIVE, MonitoringState.PAUSED, MonitoringState.ENDED):
        assert monitoring_state_at(state, until - dt.timedelta(days=9), T0) is state


def test_summer_times_are_read_on_the_homes_own_clock(web: WebServer, conn: Conn) -> None:
    _consent(conn)
    web.clock.now = dt.datetime(2027, 6, 1, 9, 0, tzinfo=dt.UTC)
    cara = sign_in(web, "cara")
    cara.post(
        f"{PAGE}/pause",
        data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": "2027-06-10T18:00"},
    )
    assert _state(conn) == ("away", dt.datetime(2027, 6, 10, 17, 0, tzinfo=dt.UTC))  # BST


@pytest.mark.parametrize(
    ("until", "says"),
    [
        ("2026-11-22T09:00", "must be in the future"),
        ("2026-12-30T09:00", "up to 31 days"),
        ("next tuesday", "is not a date and time"),
        ("2026-11-24T18:00+01:00", "without an offset"),
    ],
)
def test_a_pause_that_cannot_be_set_says_why_and_changes_nothing(
    web: WebServer, cara: httpx.Client, conn: Conn, until: str, says: str
) -> None:
    _consent(conn)
    response = cara.post(
        f"{PAGE}/pause", data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": until}
    )
    assert response.status_code == 422
    assert says in response.text
    assert _state(conn) == ("active", None)
    assert _audit(conn, "household.monitoring_state_set") == []


def test_without_consent_on_record_a_carer_cannot_pause(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    assert "There is no consent on record for this home" in cara.get(PAGE).text
    response = cara.post(
        f"{PAGE}/pause",
        data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": "2026-11-24T18:00"},
    )
    assert response.status_code == 422
    assert "There is no consent on record" in response.text
    assert _state(conn) == ("active", None)


def test_a_best_interest_decision_overdue_for_review_stops_a_carer_pausing(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    _consent(
        conn, basis="best_interest", given_by="Dr O", decision_maker="Dr O", review_on=dt.date(2026, 11, 1)
    )
    response = cara.post(
        f"{PAGE}/pause",
        data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": "2026-11-24T18:00"},
    )
    assert response.status_code == 422
    assert "was due for review on 1 November 2026" in response.text
    assert _state(conn) == ("active", None)
    # Reviewed: the carer may pause again.
    _consent(
        conn, basis="best_interest", given_by="Dr O", decision_maker="Dr O", review_on=dt.date(2027, 5, 1)
    )
    response = cara.post(
        f"{PAGE}/pause",
        data={"csrf_token": session_csrf(cara, PAGE), "reason": "away", "until": "2026-11-24T18:00"},
    )
    assert response.status_code == 303


def test_a_home_paused_by_the_care_team_is_theirs_to_resume(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    _consent(conn)
    store.set_monitoring_state(conn, "h-north", MonitoringState.PAUSED)
    conn.commit()
    assert "Monitoring of this home is paused by the care team." in cara.get(PAGE).text
    token = session_csrf(cara, PAGE)
    pause = cara.post(
        f"{PAGE}/pause", data={"csrf_token": token, "reason": "away", "until": "2026-11-24T18:00"}
    )
    resume = cara.post(f"{PAGE}/resume", data={"csrf_token": token})
    assert (pause.status_code, resume.status_code) == (422, 422)
    assert _state(conn) == ("paused", None)


def test_forms_without_the_sessions_csrf_token_are_refused(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    _consent(conn)
    for path, data in (
        ("pause", {"reason": "away", "until": "2026-11-24T18:00"}),
        ("resume", {}),
        ("preferences", {"channels": "someone@example.org"}),
    ):
        for token in (None, "forged"):
            form = data | ({"csrf_token": token} if token else {})
            assert cara.post(f"{PAGE}/{path}", data=form).status_code == 403
    assert _state(conn) == ("active", None)
    assert _audit(conn, "contact.channels_set") == []


def _contact(conn: Conn) -> tuple[list[str], dt.time | None, dt.time | None, dt.time | None]:
    row = conn.execute(
        "SELECT channels, quiet_from, quiet_until, digest_at FROM contacts WHERE household_id = 'h-north'"
    ).fetchone()
    conn.commit()
    assert row is not None
    return row[0], row[1], row[2], row[3]


def test_a_carer_sets_their_own_channels_quiet_hours_and_digest(
    web: WebServer, cara: httpx.Client, conn: Conn
) -> None:
    response = cara.post(
        f"{PAGE}/preferences",
        data={
            "csrf_token": session_csrf(cara, PAGE),
            "channels": "cara@example.org\r\nntfy://ntfy.example.org/cara-mum\r\n",
            "quiet_from": "22:00",
            "quiet_until": "07:30",
            "digest_at": "18:30",
        },
    )
    assert response.headers["location"] == f"{PAGE}?done=preferences"
    assert _contact(conn) == (
        ["mailto://cara@example.org", "ntfy://ntfy.example.org/cara-mum"],
        dt.time(22),
        dt.time(7, 30),
        dt.time(18, 30),
    )
    # The trail names the kinds of channel, never the addresses.
    [(actor, _, detail)] = _audit(conn, "contact.channels_set")
    assert (actor, detail) == ("cara", {"before": ["mailto"], "after": ["mailto", "ntfy"], "via": "carer"})
    [(_, _, preferences)] = _audit(conn, "contact.alert_preferences_set")
    assert preferences["after"] == {"quiet_hours": "22:00-07:30", "digest_at": "18:30"}
    page = cara.get(response.headers["location"]).text
    assert "Your notification preferences are saved." in page
    assert "ntfy://ntfy.example.org/cara-mum" in page


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"quiet_from": "22:00", "quiet_until": "07:00", "digest_at": "23:00"}, "falls in their quiet hours"),
        ({"quiet_from": "22:00"}, "give both the start and the end"),
        ({"digest_at": "18:00", "channels": ""}, "has no channels to send a digest to"),
        ({"channels": "not an address"}, "is not an Apprise URL"),
        ({"digest_at": "6pm"}, "is not a time of day"),
        ({"quiet_from": "07:00", "quiet_until": "07:00"}, "start and end at the same time"),
    ],
)
def test_preferences_that_cannot_work_are_refused_whole(
    web: WebServer, cara: httpx.Client, conn: Conn, form: dict[str, str], says: str
) -> None:
    before = _contact(conn)
    data = {"channels": "new@example.org"} | form | {"csrf_token": session_csrf(cara, PAGE)}
    response = cara.post(f"{PAGE}/preferences", data=data)
    assert response.status_code == 422
    assert says in response.text
    assert _contact(conn) == before  # the channels too: nothing was saved
    assert _audit(conn, "contact.channels_set") == []


def test_a_carer_linked_as_no_contact_has_no_preferences_to_set(web: WebServer, conn: Conn) -> None:
    register(conn, "h-west", display_name="Mr West")
    link_carer(conn, "cara", "h-west", contact_name=None)
    conn.commit()
    cara = sign_in(web, "cara")
    page = "/carer/households/h-west"
    assert "You are not one of this home's contacts yet" in cara.get(page).text
    response = cara.post(
        f"{page}/preferences", data={"csrf_token": session_csrf(cara, page), "channels": "a@b.org"}
    )
    assert response.status_code == 422
