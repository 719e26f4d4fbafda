"""The carer view and administration in a real browser (Debian's Chromium through Playwright,
headless): a carer on a phone-sized screen sees only their household and pauses routine alerts
while away; an admin creates a household, provisions its hub and sees the credentials once.
Screenshots of each page go to test-output/screenshots/."""

import datetime as dt
import pathlib
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

import store
from devices import ConsentEntry, HouseholdEntry, RegistryFile
from telecare.settings import Settings
from tests.services import REPO
from tests.web_helpers import PASSWORD, T0, Conn, WebServer, running_web, seed_service

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "test-output" / "screenshots"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed")


@pytest.fixture
def web(database_url: str, conn: Conn, tmp_path: pathlib.Path) -> Iterator[WebServer]:
    seed_service(conn, now=T0)
    consent = ConsentEntry(basis="self", given_by="Mrs North", given_on=dt.date(2026, 10, 1))
    household = HouseholdEntry(id="h-north", timezone="Europe/London", consent=consent)
    store.import_registry(conn, RegistryFile(households=(household,)))
    conn.commit()
    with running_web(database_url, settings=Settings(data_dir=tmp_path)) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Page, web: WebServer, username: str) -> None:
    page.goto(f"{web.url}/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_carer_on_a_phone_sees_their_household_and_pauses_alerts_while_away(
    web: WebServer, browser: Browser, conn: Conn
) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.set_default_timeout(15_000)
    _sign_in(page, web, "cara")
    expect(page).to_have_url(f"{web.url}/carer/households/h-north")
    expect(page.locator("h1")).to_have_text("Mrs North")
    expect(page.locator("#today")).not_to_be_empty()
    assert "Mr South" not in page.content()
    # Made for the phone: nothing wider than the screen, buttons big enough for a thumb.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    pause_button = page.get_by_role("button", name="Pause routine alerts")
    box = pause_button.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    assert box["width"] >= 300
    _shot(page, "carer-household")

    page.get_by_label("They are away from home").check()
    page.fill("#until", "2026-11-29T17:30")
    pause_button.click()
    expect(page.locator(".notice")).to_have_text("Routine alerts are paused.")
    expect(page.locator("#paused-until")).to_have_text("17:30 on Sun 29 Nov")
    expect(page.locator("#pause")).to_contain_text("Away: routine alerts")
    _shot(page, "carer-paused")
    row = conn.execute("SELECT monitoring_state, away_until FROM households WHERE id = 'h-north'").fetchone()
    conn.commit()
    assert row == ("away", dt.datetime(2026, 11, 29, 17, 30, tzinfo=dt.UTC))

    page.get_by_role("button", name="Back to normal now").click()
    expect(page.locator(".notice")).to_have_text("Alerts are back to normal.")
    # Someone else's household, typed into the address bar: as if it did not exist.
    response = page.goto(f"{web.url}/carer/households/h-south")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    _shot(page, "carer-other-household")


def test_an_admin_creates_a_household_and_sees_its_hub_credentials_once(
    web: WebServer, browser: Browser, conn: Conn, tmp_path: pathlib.Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    _sign_in(page, web, "admin")
    page.goto(f"{web.url}/admin")
    _shot(page, "admin-households")
    form = page.locator("#new-household")
    form.get_by_label("Id (pseudonymous, e.g. h-0042)").fill("h-0042")
    form.get_by_label("Name shown to carers").fill("Mrs B")
    form.get_by_label("Area (postcode district or ward)").fill("LS6")
    form.get_by_role("button", name="Create household").click()
    expect(page).to_have_url(f"{web.url}/admin/households/h-0042")
    expect(page.locator("h1")).to_contain_text("Household h-0042")
    expect(page.locator("#hub")).to_have_text("No broker account yet.")
    _shot(page, "admin-household")

    page.get_by_role("button", name="Provision the hub").click()
    expect(page.locator("h1")).to_have_text("Hub credentials for h-0042")
    expect(page.locator("#mqtt-username")).to_have_text("hub-h-0042")
    password = page.locator("#mqtt-password").inner_text()
    assert len(password) >= 32
    _shot(page, "admin-hub-credentials")

    page.get_by_role("link", name="Back to the household").click()
    expect(page.locator("#hub")).to_contain_text("Account hub-h-0042, password set")
    assert password not in page.content()
    # Nor does the browser's history: the page was not stored (no-store), so going back finds
    # nothing to show, and the form is not posted again.
    with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
        page.go_back()
    page.wait_for_url("chrome-error://chromewebdata/")
    stored = conn.execute("SELECT password_hash FROM mqtt_accounts WHERE username = 'hub-h-0042'").fetchone()
    provisioned = conn.execute(
        "SELECT count(*) FROM audit_events WHERE action = 'hub.provisioned'"
    ).fetchone()
    conn.commit()
    assert provisioned == (1,)
    assert stored is not None
    assert password not in stored[0]
    assert (tmp_path / "mosquitto" / "passwd").read_text().startswith("hub-h-0042:$7$")
    page.goto(f"{web.url}/admin/people")
    _shot(page, "admin-people")
    page.goto(f"{web.url}/admin/import")
    _shot(page, "admin-import")
    page.goto(f"{web.url}/devices/health")
    _shot(page, "devices-health")
