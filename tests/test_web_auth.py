"""Signing in and staying signed in: passwords, rate limits, session cookies, idle timeout and
lifetime, CSRF on every form, sign-out, bearer tokens; against the real app and database."""

import datetime as dt
import logging

import pytest

from telecare.settings import Settings
from tests.web_helpers import (
    PASSWORD,
    T0,
    Conn,
    Tokens,
    WebServer,
    post_login,
    raise_alert,
    running_web,
    session_csrf,
    sign_in,
)
from web._accounts import disable_user, issue_api_token, set_password


def test_a_wrong_password_or_unknown_user_gets_the_same_answer_and_no_session(web: WebServer) -> None:
    for username, password in (("ann", "not the password"), ("nobody", PASSWORD)):
        client = web.client()
        response = post_login(client, username, password)
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert "telecare_session" not in client.cookies


def test_signing_in_sets_a_safe_cookie_and_lands_on_the_console(web: WebServer, conn: Conn) -> None:
    client = web.client()
    response = post_login(client, "ANN ", PASSWORD)  # usernames are case-insensitive, trimmed

    assert (response.status_code, response.headers["location"]) == (303, "/console")
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("telecare_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert client.get("/console").status_code == 200
    [(stored,)] = conn.execute("SELECT password_hash FROM users WHERE username = 'ann'").fetchall()
    assert stored.startswith("$argon2id$")
    [(digest,)] = conn.execute("SELECT token_sha256 FROM web_sessions").fetchall()
    assert len(digest) == 32
    assert client.cookies["telecare_session"].encode() not in digest


def test_cookies_are_secure_over_https_behind_a_proxy_or_when_the_settings_say(
    database_url: str, tokens: Tokens
) -> None:
    with running_web(database_url) as server:
        client = server.client()
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in page.headers["set-cookie"]
    with running_web(database_url, settings=Settings(web_secure_cookies=True)) as server:
        response = post_login(server.client(), "ann", PASSWORD)
        assert all("Secure" in cookie for cookie in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("admin", "/admin"),
        ("sam", "/console"),
        ("ann", "/console"),
        ("cara", "/carer"),
        ("cody", "/reports"),
    ],
)
def test_each_role_lands_on_the_page_its_work_starts_from(web: WebServer, username: str, home: str) -> None:
    client = web.client()
    assert post_login(client, username, PASSWORD).headers["location"] == home
    assert client.get("/").headers["location"] == home
    landing = client.get("/", follow_redirects=True)
    assert landing.status_code == 200, f"{username}'s home page opens"
    assert "no pages for" not in landing.text


def test_sign_in_goes_back_to_the_page_asked_for_but_never_to_another_site(web: WebServer) -> None:
    client = web.client()
    assert client.get("/console/alerts/1").headers["location"] == "/login?next=/console/alerts/1"
    for asked, landing in (
        ("/console?severity=urgent", "/console?severity=urgent"),
        ("//evil.example", "/console"),
    ):
        client = web.client()
        page = client.get("/login", params={"next": asked})
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token, "next": asked}
        )
        assert response.headers["location"] == landing


def test_five_failures_lock_the_account_for_the_window_even_with_the_right_password(web: WebServer) -> None:
    for _ in range(5):
        assert post_login(web.client(), "ann", "guess " * 3).status_code == 401

    refused = post_login(web.client(), "ann", PASSWORD)
    other_user = post_login(web.client(), "sam", PASSWORD)

    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account. Try again in 15 minutes" in refused.text
    assert other_user.status_code == 303, "another account from the same address is not locked"
    web.clock.advance(dt.timedelta(minutes=15, seconds=1))
    assert post_login(web.client(), "ann", PASSWORD).status_code == 303


def test_a_success_restarts_the_count_for_that_account(web: WebServer) -> None:
    for _ in range(4):
        post_login(web.client(), "ann", "wrong password")
    assert post_login(web.client(), "ann", PASSWORD).status_code == 303
    for _ in range(4):
        post_login(web.client(), "ann", "wrong password")
    assert post_login(web.client(), "ann", PASSWORD).status_code == 303


def test_many_usernames_from_one_address_are_limited_too(database_url: str, tokens: Tokens) -> None:
    settings = Settings(web_login_max_failures_per_address=3)
    with running_web(database_url, settings=settings) as server:
        for username in ("x1", "x2", "x3"):
            post_login(server.client(), username, "whatever password")
        refused = post_login(server.client(), "ann", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from this address." in refused.text


def test_an_idle_session_ends_and_so_does_a_busy_one_at_its_lifetime(web: WebServer) -> None:
    client = sign_in(web, "ann")
    web.clock.advance(dt.timedelta(minutes=29))
    assert client.get("/console").status_code == 200, "29 minutes idle is within the timeout"
    web.clock.advance(dt.timedelta(minutes=30, seconds=1))
    assert client.get("/console").headers["location"] == "/login?next=/console"

    busy = sign_in(web, "ann")
    for _ in range(12 * 3 - 1):  # a request every 20 minutes for 12 hours less 20 minutes
        web.clock.advance(dt.timedelta(minutes=20))
        assert busy.get("/console").status_code == 200
    web.clock.advance(dt.timedelta(minutes=20))
    assert busy.get("/console").status_code == 303, "no session outlives its 12 hours"


def test_sign_out_ends_the_session_for_good(web: WebServer) -> None:
    client = sign_in(web, "ann")
    stolen = client.cookies["telecare_session"]

    response = client.post("/logout", data={"csrf_token": session_csrf(client)})

    assert response.headers["location"] == "/login"
    replay = web.client()
    replay.cookies.set("telecare_session", stolen)
    assert replay.get("/console").status_code == 303


def test_every_form_post_needs_the_sessions_csrf_token(web: WebServer, conn: Conn) -> None:
    alert = raise_alert(conn, "h-north", "alarm_pressed", at=T0)
    client = sign_in(web, "ann")
    other = sign_in(web, "admin")

    missing = client.post(f"/console/alerts/{alert}/acknowledge", data={})
    foreign = client.post(f"/console/alerts/{alert}/acknowledge", data={"csrf_token": session_csrf(other)})
    logout = client.post("/logout", data={})
    login = web.client().post("/login", data={"username": "ann", "password": PASSWORD})

    for refused in (missing, foreign, logout, login):
        assert refused.status_code == 403
        assert "did not come from this site" in refused.text
    assert conn.execute("SELECT state FROM alerts WHERE id = %s", (alert,)).fetchone() == ("open",)
    assert client.get("/console").status_code == 200, "the refused sign-out left the session alone"
    done = client.post(f"/console/alerts/{alert}/acknowledge", data={"csrf_token": session_csrf(client)})
    assert done.status_code == 303


def test_a_new_password_or_a_disabled_account_ends_sessions_and_tokens(web: WebServer, conn: Conn) -> None:
    ann, sam = sign_in(web, "ann"), sign_in(web, "sam")
    set_password(conn, "ann", "another long password")
    disable_user(conn, "sam", now=T0)
    conn.commit()

    assert ann.get("/console").status_code == 303
    assert sam.get("/console").status_code == 303
    assert post_login(web.client(), "sam", PASSWORD).status_code == 401
    assert post_login(web.client(), "ann", PASSWORD).status_code == 401
    assert post_login(web.client(), "ann", "another long password").status_code == 303


def test_bearer_tokens_unknown_expired_or_of_a_disabled_user_are_refused(
    web: WebServer, conn: Conn, tokens: Tokens
) -> None:
    short = issue_api_token(conn, "ann", name="short", now=T0, lifetime=dt.timedelta(days=1))
    conn.commit()
    assert web.api(short).get("/api/me").json()["username"] == "ann"

    none = web.api(None).get("/api/me")
    unknown = web.api("tc_not-a-token").get("/api/me")
    web.clock.advance(dt.timedelta(days=1))
    expired = web.api(short).get("/api/me")
    disable_user(conn, "sam", now=T0)
    conn.commit()
    disabled = web.api(tokens["sam"]).get("/api/me")

    for refused in (none, unknown, expired, disabled):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    assert web.api(tokens["ann"]).get("/api/me").status_code == 200
    assert conn.execute("SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL").fetchone() == (2,)


def test_an_api_token_is_not_a_session_and_a_session_is_not_an_api_token(
    web: WebServer, tokens: Tokens
) -> None:
    client = sign_in(web, "ann")
    assert client.get("/api/alerts").status_code == 401, "the API takes no cookies (so needs no CSRF)"
    page = web.api(tokens["ann"]).get("/console", follow_redirects=False)
    assert page.status_code == 303


def test_passwords_and_tokens_never_reach_the_logs(
    web: WebServer, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        client = sign_in(web, "ann")
        post_login(web.client(), "ann", "a wrong password")
        web.api(tokens["ann"]).get("/api/me")
    # The service's own loggers and the server's (the test's HTTP client logs its own traffic).
    services = ("web", "uvicorn", "alerts", "store", "telecare")
    ours = [r for r in caplog.records if r.name.split(".")[0] in services]
    text = "\n".join(record.getMessage() for record in ours)
    for secret in (PASSWORD, "a wrong password", tokens["ann"], client.cookies["telecare_session"]):
        assert secret not in text
    assert "signed in user_id=" in text


def test_the_store_keeps_no_token_in_the_clear(web: WebServer, conn: Conn, tokens: Tokens) -> None:
    sign_in(web, "ann")
    dump = "\n".join(
        str(row)
        for table in ("users", "web_sessions", "api_tokens", "login_attempts")
        for row in conn.execute(f"SELECT * FROM {table}")
    )
    assert tokens["ann"] not in dump
    assert PASSWORD not in dump
