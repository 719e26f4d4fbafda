"""The responder console in a real browser (Debian's Chromium through Playwright, headless): a
pendant pressed over MQTT goes through the real ingest, detection and alerts services, appears
in the open queue without a reload, and is acknowledged and resolved from the keyboard.
Screenshots of each page go to test-output/screenshots/."""

import datetime as dt
import json
import pathlib
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from alerts import AlertService, audit_trail
from alerts.cli import alert_config
from detection._service import DetectionService
from telecare._platform import Endpoints
from telecare._services import ingest_service
from telecare.settings import Settings
from tests.conftest import register_standard_home
from tests.services import REPO, publish
from tests.web_helpers import PASSWORD, Clock, Conn, running_web
from web._accounts import Role, add_team, add_team_member, add_user, assign_household

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "test-output" / "screenshots"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed")


class _RealClock(Clock):
    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@pytest.fixture
def home(database_url: str, conn: Conn, household_id: str) -> str:
    """A home covered by team North, whose responder is ann."""
    register_standard_home(database_url, household_id)
    add_user(conn, username="ann", display_name="Ann Responder", role=Role.RESPONDER, password=PASSWORD)
    add_team(conn, "North")
    add_team_member(conn, "North", "ann")
    assign_household(conn, "North", household_id)
    conn.commit()
    return household_id


@pytest.fixture
def platform_services(database_url: str, mqtt_url: str, home: str) -> Iterator[None]:
    """Ingest (a session of this test's own), detection and alerts, each in a thread; started
    after the home is registered (detection reads the registry at start)."""
    settings = Settings(
        ingest_client_id=f"test-web-{uuid.uuid4().hex[:10]}", ingest_session_expiry_seconds=60
    )
    ingest = ingest_service(settings, Endpoints(database_url=database_url, mqtt_url=mqtt_url))
    runs: list[Callable[[threading.Event], None]] = [
        ingest.run,
        DetectionService(database_url=database_url, alert_config=alert_config(settings)).run,
        AlertService(database_url=database_url, config=alert_config(settings)).run,
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=run, args=(stop,)) for run in runs]
    for thread in threads:
        thread.start()
    try:
        assert ingest.wait_connected(timeout=15), "ingest did not connect to the broker"
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not any(thread.is_alive() for thread in threads)


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_pendant_press_appears_live_and_is_acknowledged_and_resolved_from_the_keyboard(
    database_url: str, mqtt_url: str, conn: Conn, home: str, platform_services: None
) -> None:
    household_id = home

    with (
        running_web(database_url, clock=_RealClock(dt.datetime.now(dt.UTC))) as web,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        try:
            page.goto(f"{web.url}/console")
            expect(page).to_have_url(f"{web.url}/login?next=/console")
            _shot(page, "login")
            page.fill("input[name=username]", "ann")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#live")).to_have_attribute("data-state", "live")
            expect(page.locator("tr.empty")).to_be_visible()
            page.evaluate("window.notReloaded = true")

            pressed = dt.datetime.now(dt.UTC)
            payload = json.dumps({"ts": pressed.isoformat(), "value": 1}).encode()
            publish(mqtt_url, [(f"telecare/v1/{household_id}/pendant/alarm", payload)])

            row = page.locator("tr.alert.sev-urgent")
            # Through the broker, ingest, detection and the alerts router: seconds on a busy machine.
            expect(row).to_contain_text("alarm pressed", timeout=30_000)
            expect(row).to_contain_text(household_id)
            expect(row.locator(".countdown")).to_contain_text("left")
            assert page.evaluate("window.notReloaded") is True, "the alert arrived without a reload"
            _shot(page, "queue")

            page.keyboard.press("Enter")
            expect(page.locator("h1")).to_contain_text("alarm pressed")
            expect(page.locator("section.timeline")).to_contain_text("person")  # the pendant's room
            _shot(page, "alert")

            page.keyboard.press("a")
            expect(page.locator("#state")).to_have_text("acknowledged")
            page.keyboard.press("n")
            page.keyboard.type("Rang her: pressed it by mistake.")
            page.keyboard.press("Control+Enter")
            expect(page.locator(".notes")).to_contain_text("Rang her: pressed it by mistake.")
            _shot(page, "alert-acknowledged")
            page.keyboard.press("r")
            expect(page.locator("#key-hint")).to_contain_text("press the outcome's number")
            page.keyboard.press("1")  # false alarm
            expect(page).to_have_url(f"{web.url}/console")
            expect(page.locator("tr.empty")).to_be_visible()
            _shot(page, "queue-after")
        finally:
            browser.close()

    row = conn.execute("SELECT id, state, outcome, acknowledged_by, resolved_by FROM alerts").fetchone()
    assert row is not None
    alert_id, *outcome = row
    assert outcome == ["resolved", "false_alarm", "ann", "ann"]
    actions = [e.action for e in audit_trail(conn, "alert", str(alert_id)) if e.actor == "ann"]
    assert actions == ["read.alert_detail", "alert.acknowledged", "read.alert_detail", "alert.note",
                       "read.alert_detail", "alert.resolved"]  # fmt: skip
    assert pathlib.Path(SCREENSHOTS / "queue.png").stat().st_size > 0
