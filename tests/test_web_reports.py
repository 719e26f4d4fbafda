"""The commissioner report in the web service, against the real app on a real uvicorn: the page and
its downloads, the JSON API, who may read it (and that commissioners reach nothing else), each read
audited, bad requests refused, and no household id, name or contact in any response. The report
also shown in Chromium under its Content-Security-Policy."""

import datetime as dt
import io
import json
import re
import shutil
import zipfile
from collections.abc import Iterator

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from playwright.sync_api import sync_playwright

from telecare.settings import Settings
from tests.web_helpers import (
    PASSWORD,
    T0,
    Conn,
    Tokens,
    WebServer,
    raise_alert,
    running_web,
    seed_service,
    sign_in,
)
from web import create_app
from web._reports_api import ReportPublic

CHROMIUM = "/usr/bin/chromium"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
NOVEMBER_QUERY = "from=2026-11-01&to=2026-11-30"
NORTH, SOUTH = "Northside", "Southside"
# Six more homes in each area beside seed_service's two, so the report has figures to publish.
EXTRA = {f"hh-rep-{n:02}": NORTH if n <= 6 else SOUTH for n in range(1, 13)}
REPORT_DOCUMENT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)


@pytest.fixture
def tokens(conn: Conn) -> Tokens:
    """seed_service's users and households, in areas, with devices since June, the pendants' daily
    battery reports until 21 November, and an alert each in November."""
    issued = seed_service(conn, now=T0)
    conn.execute("UPDATE households SET address_area = %s WHERE id = 'h-north'", (NORTH,))
    conn.execute("UPDATE households SET address_area = %s WHERE id = 'h-south'", (SOUTH,))
    for household, area in EXTRA.items():
        tag = household[-2:]
        conn.execute(
            """INSERT INTO households (id, timezone, display_name, address_area, referred_on)
               VALUES (%s, 'Europe/London', %s, %s, '2026-05-01')""",
            (household, f"Edna {tag} Quill", area),
        )
        conn.execute(
            "INSERT INTO contacts (household_id, name, channels) VALUES (%s, %s, %s)",
            (household, f"Albert {tag} Quill", [f"mailto://albert-{tag}@example.org"]),
        )
    conn.execute("SELECT ensure_reading_partitions('2026-11-01Z', '2026-11-30Z')")
    for household in ["h-north", "h-south", *EXTRA]:
        conn.execute(
            """INSERT INTO devices (household_id, id, role, room, installed_on, expected_interval)
               VALUES (%s, 'hub', 'hub', 'hall', '2026-06-01', NULL),
                      (%s, 'pendant', 'pendant', 'person', '2026-06-01', 'P1D')""",
            (household, household),
        )
        conn.execute(
            """INSERT INTO readings (ts, household_id, device_id, sensor, value, received_at)
               SELECT d, %s, 'pendant', 'battery', 90, d
               FROM generate_series('2026-11-01 12:00Z'::timestamptz, '2026-11-21 12:00Z', '1 day') AS d""",
            (household,),
        )
    conn.commit()
    for n, household in enumerate(["h-north", "h-south", *EXTRA]):
        raise_alert(conn, household, "alarm_pressed", at=dt.datetime(2026, 11, 2 + n, 9, tzinfo=dt.UTC))
    return issued


@pytest.fixture
def web(database_url: str, tokens: Tokens) -> Iterator[WebServer]:
    with running_web(database_url) as server:
        yield server


def _identifiers(conn: Conn) -> list[str]:
    """Everything that names a household or a person in the seeded data."""
    return [
        value
        for query in (
            "SELECT id FROM households",
            "SELECT display_name FROM households WHERE display_name IS NOT NULL",
            "SELECT name FROM contacts",
        )
        for (value,) in conn.execute(query)
    ]


def _assert_no_personal_data(conn: Conn, texts: list[str]) -> None:
    identifiers = _identifiers(conn)
    assert len(identifiers) == 14 + 14 + 13
    for text in texts:
        for identifier in identifiers:
            assert identifier.lower() not in text.lower(), f"{identifier!r} appears in a response"


def _report_reads(conn: Conn) -> list[tuple[str, str, dict[str, object]]]:
    rows = conn.execute(
        "SELECT actor, subject_id, detail FROM audit_events WHERE action = 'read.report' ORDER BY id"
    )
    return [(actor, subject, detail) for actor, subject, detail in rows]


def test_a_commissioner_reads_the_report_on_the_page_and_downloads_it(web: WebServer, conn: Conn) -> None:
    cody = sign_in(web, "cody")
    form = cody.get("/reports")
    assert form.status_code == 200
    assert 'href="/reports">Reports</a>' in form.text
    assert 'name="from" value="2026-10-01"' in form.text  # last month, by default
    assert f'<option value="{NORTH}">' in form.text
    assert f'<option value="{SOUTH}">' in form.text
    assert "<iframe" not in form.text
    assert _report_reads(conn) == []  # nothing built until asked

    page = cody.get("/reports", params=NOVEMBER)
    assert page.status_code == 200
    assert f'<iframe class="report" src="/reports/view?{NOVEMBER_QUERY.replace("&", "&amp;")}"' in page.text
    for form_name in ("html", "json", "zip"):
        assert f'href="/reports/report.{form_name}?{NOVEMBER_QUERY.replace("&", "&amp;")}"' in page.text
    assert _report_reads(conn) == []

    view = cody.get("/reports/view", params=NOVEMBER)
    assert view.status_code == 200
    assert view.headers["content-type"].startswith("text/html")
    # The framed document's own policy, not the pages' (one policy header, not two).
    assert view.headers.get_list("content-security-policy") == [REPORT_DOCUMENT_CSP]
    assert view.headers["x-frame-options"] == "SAMEORIGIN"
    assert "<script" not in view.text
    assert "In Nov 2026, 14 homes were monitored in all areas." in view.text
    assert "<svg" in view.text  # the charts

    html = cody.get("/reports/report.html", params=NOVEMBER)
    assert html.headers["content-disposition"] == (
        'attachment; filename="telecare-report-2026-11-01-to-2026-11-30.html"'
    )
    assert html.headers.get_list("content-security-policy") == [REPORT_DOCUMENT_CSP]
    assert "14 homes were monitored" in html.text

    as_json = cody.get("/reports/report.json", params=NOVEMBER | {"area": NORTH})
    assert as_json.headers["content-disposition"].endswith(
        'filename="telecare-report-2026-11-01-to-2026-11-30-northside.json"'
    )
    document = json.loads(as_json.text)
    assert document["area"] == NORTH
    monitored = next(t for t in document["tables"] if t["key"] == "households_monitored")
    assert monitored["rows"] == [{"label": NORTH, "cells": [{"value": 7, "withheld": None}]}]

    tables = cody.get("/reports/report.zip", params=NOVEMBER)
    assert tables.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(tables.content)) as archive:
        names = archive.namelist()
        csv_texts = [archive.read(name).decode() for name in names]
    folder = "telecare-report-2026-11-01-to-2026-11-30"
    assert {f"{folder}/households_monitored.csv", f"{folder}/alerts_by_kind.csv"} <= set(names)
    monitored_csv = csv_texts[names.index(f"{folder}/households_monitored.csv")]
    assert monitored_csv.splitlines() == ["Area,Nov 2026", "Northside,7", "Southside,7", "All areas,14"]

    reads = _report_reads(conn)
    assert [(actor, subject, detail["format"]) for actor, subject, detail in reads] == [
        ("cody", "2026-11-01..2026-11-30", form_name) for form_name in ("html", "html", "json", "zip")
    ]
    assert reads[2][2] == {"from": "2026-11-01", "to": "2026-11-30", "area": NORTH, "format": "json"}
    _assert_no_personal_data(conn, [form.text, page.text, view.text, html.text, as_json.text, *csv_texts])


@pytest.mark.parametrize("username", ["cody", "sam", "admin"])
def test_the_api_gives_the_report_to_commissioners_supervisors_and_admins(
    web: WebServer, tokens: Tokens, conn: Conn, username: str
) -> None:
    response = web.api(tokens[username]).get("/api/reports", params=NOVEMBER | {"area": SOUTH})
    assert response.status_code == 200, response.text
    report = ReportPublic.model_validate_json(response.text)
    assert (report.start, report.end, report.area) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), SOUTH)
    monitored = next(t for t in report.tables if t.key == "households_monitored")
    assert [(r.label, [c.value for c in r.cells]) for r in monitored.rows] == [(SOUTH, [7.0])]
    alerts = next(t for t in report.tables if t.key == "alerts_by_kind")
    assert (alerts.rows[0].label, alerts.rows[0].cells[0].value) == ("Alarm pressed (urgent)", 7)
    assert report.summary[0] == f"In Nov 2026, 7 homes were monitored in {SOUTH}."
    assert report.marks["<5"] == "fewer than 5"
    assert _report_reads(conn) == [
        (
            username,
            "2026-11-01..2026-11-30",
            {"from": "2026-11-01", "to": "2026-11-30", "area": SOUTH, "format": "api"},
        )
    ]
    _assert_no_personal_data(conn, [response.text])


def test_the_api_declares_the_report_in_its_openapi(web: WebServer) -> None:
    schema = httpx.get(f"{web.url}/api/openapi.json").json()
    operation = schema["paths"]["/api/reports"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to", "area"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReportPublic"
    }
    assert {"401", "403", "422"} <= set(operation["responses"])
    assert "tables" in schema["components"]["schemas"]["ReportPublic"]["properties"]


@pytest.mark.parametrize("username", ["cara", "ann", "ned"])
def test_carers_and_responders_have_no_reports(
    web: WebServer, tokens: Tokens, conn: Conn, username: str
) -> None:
    browser = sign_in(web, username)
    for path in (
        "/reports",
        "/reports/view",
        "/reports/report.html",
        "/reports/report.json",
        "/reports/report.zip",
    ):
        response = browser.get(path, params=NOVEMBER)
        assert response.status_code == 403, path
        assert f"a {'carer' if username == 'cara' else 'responder'} account has no access" in response.text
        assert 'href="/reports"' not in response.text  # nor a link to them
    assert web.api(tokens[username]).get("/api/reports", params=NOVEMBER).status_code == 403
    assert _report_reads(conn) == []


def test_without_signing_in_there_is_no_report(web: WebServer, conn: Conn) -> None:
    stranger = web.client()
    page = stranger.get("/reports/view", params=NOVEMBER)
    assert page.status_code == 303
    assert (
        page.headers["location"]
        == f"/login?next=/reports/view%3F{NOVEMBER_QUERY.replace('=', '%3D').replace('&', '%26')}"
    )
    assert web.api(None).get("/api/reports", params=NOVEMBER).status_code == 401
    assert web.api("not-a-token").get("/api/reports", params=NOVEMBER).status_code == 401
    assert _report_reads(conn) == []


@pytest.mark.parametrize(
    ("params", "parameter", "words"),
    [
        (
            {"from": "2026-12-01", "to": "2026-11-01"},
            "to",
            "the period ends (2026-11-01) before it starts (2026-12-01)",
        ),
        (
            {"from": "2024-01-01", "to": "2026-01-01"},
            "to",
            "a report covers at most 731 days: ask for a shorter period",
        ),
        ({"from": "1999-12-31", "to": "2000-01-31"}, "from", "give a day between 2000-01-01 and 2099-12-31"),
        ({"from": "2026-11-01", "to": "9999-12-31"}, "to", "give a day between 2000-01-01 and 2099-12-31"),
        (
            NOVEMBER | {"area": "Westside"},
            "area",
            "there is no area 'Westside' on the service; areas: Northside, Southside",
        ),
    ],
)
def test_a_period_or_area_that_cannot_be_reported_is_refused_saying_why(
    web: WebServer, tokens: Tokens, conn: Conn, params: dict[str, str], parameter: str, words: str
) -> None:
    response = web.api(tokens["cody"]).get("/api/reports", params=params)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (problem["loc"], problem["msg"]) == (["query", parameter], words)

    cody = sign_in(web, "cody")
    page = cody.get("/reports", params=params)
    assert page.status_code == 422
    assert words.replace("'", "&#39;") in page.text
    assert "<iframe" not in page.text
    assert 'name="from"' in page.text  # the form again, to put it right
    for path in ("/reports/view", "/reports/report.json"):
        refused = cody.get(path, params=params)
        assert refused.status_code == 422
        assert words.replace("'", "&#39;") in refused.text
    assert _report_reads(conn) == []


def test_a_report_request_that_is_not_a_period_is_refused(web: WebServer, tokens: Tokens) -> None:
    api = web.api(tokens["cody"])
    assert api.get("/api/reports", params={"from": "2026-11-01"}).status_code == 422
    assert api.get("/api/reports", params={"from": "November", "to": "2026-11-30"}).status_code == 422
    assert api.get("/api/reports", params=NOVEMBER | {"area": "a\x00b"}).status_code == 422
    cody = sign_in(web, "cody")
    assert cody.get("/reports/view", params={"to": "2026-11-30"}).status_code == 422
    assert cody.get("/reports/report.pdf", params=NOVEMBER).status_code == 404


def _filled(path: str, route: APIRoute, alert_id: int) -> str:
    """The path with each parameter given a real value: an alert's id, or a household's."""
    for param in route.dependant.path_params:
        value = str(alert_id) if param.field_info.annotation is int else "h-north"
        path = path.replace(f"{{{param.name}}}", value)
    return path


# What a commissioner may reach besides reports: signing in and out, the front door, the service's
# own health, and their own account.
COMMISSIONER_OPEN = {"/", "/login", "/logout", "/healthz", "/readyz", "/metrics", "/api/me"}


def test_a_commissioner_reaches_no_household_alert_or_console_endpoint(
    web: WebServer, tokens: Tokens, conn: Conn
) -> None:
    """Every route the app has (pages and API, read and write), found from the app itself, so a
    route added later is checked too: 403, or 404 as if the household did not exist."""
    row = conn.execute("SELECT min(id) FROM alerts WHERE household_id = 'h-north'").fetchone()
    assert row is not None
    alert_id = int(row[0])
    app = create_app(database_url=web.database_url, settings=Settings())
    routes = [
        (context.path, context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.path not in COMMISSIONER_OPEN
        and not str(context.path).startswith(("/reports", "/api/reports"))
    ]
    paths = {path for path, _ in routes}
    assert {"/console", "/console/alerts/{alert_id}/resolve", "/api/alerts/{alert_id}"} <= paths
    browser, api = sign_in(web, "cody"), web.api(tokens["cody"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/reports").text)
    assert csrf is not None
    for template, route in routes:
        path = _filled(str(template), route, alert_id)
        for method in route.methods or ():
            if path.startswith("/api/"):
                response = api.request(method, path, json={} if method != "GET" else None)
            else:
                response = browser.request(
                    method, path, data={"csrf_token": csrf[1]} if method != "GET" else None
                )
            assert response.status_code in (403, 404), f"{method} {path}: {response.status_code}"
    done = conn.execute("SELECT action FROM audit_events WHERE actor = 'cody' ORDER BY id").fetchall()
    assert done == [("session.signed_in",)]
    assert conn.execute(
        "SELECT count(*) FROM alerts WHERE state = 'open' AND household_id = 'h-north'"
    ).fetchone() != (0,)


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed")
def test_the_report_displays_in_a_browser_under_its_policy(web: WebServer) -> None:
    """The framed report's inline <style> and its charts' SVG styles apply, and the browser reports
    no policy violation, on the page or in the frame."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(20_000)
            console = []
            page.on("console", lambda message: console.append(message.text))
            page.goto(f"{web.url}/reports")
            page.fill("input[name=username]", "cody")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{web.url}/reports")
            page.fill("input[name=from]", "2026-11-01")
            page.fill("input[name=to]", "2026-11-30")
            page.click("text=Show the report")
            frame = page.frame_locator("iframe.report")
            heading = frame.locator("h1")
            heading.wait_for()
            assert heading.inner_text() == "Telecare service report"
            # The report's own stylesheet: section headings ruled in its accent colour.
            rule = frame.locator("h2").first.evaluate("h => getComputedStyle(h).borderBottomColor")
            assert rule == "rgb(63, 136, 197)"
            # A chart's bars drawn in the accent colour (an SVG style attribute), not default black.
            fills = frame.locator("figure svg path").evaluate_all(
                "paths => paths.map(p => getComputedStyle(p).fill)"
            )
            assert "rgb(63, 136, 197)" in fills
            assert not [text for text in console if "Content Security Policy" in text], console
        finally:
            browser.close()
