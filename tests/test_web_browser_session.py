"""A console left open on a duty desk never goes quietly stale (Debian's Chromium through
Playwright, headless): when its session ends, or its stream is refused as signed out, the page
says "Signed out" in large type and offers to sign in again. Screenshots go to
test-output/screenshots/."""

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from telecare.settings import Settings
from tests.services import REPO
from tests.web_helpers import PASSWORD, T0, Conn, WebServer, running_web, seed_service

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / "test-output" / "screenshots"

pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} is not installed")


@pytest.fixture
def web(database_url: str, conn: Conn) -> Iterator[WebServer]:
    seed_service(conn, now=T0)
    # Keep-alives every 0.5 s (a quarter of the idle timeout), so a session's end shows at once.
    with running_web(database_url, settings=Settings(web_session_idle_seconds=2)) as server:
        yield server


@pytest.fixture
def page(web: WebServer) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(15_000)
        yield page
        browser.close()


def _sign_in(page: Page, web: WebServer) -> None:
    page.goto(f"{web.url}/login")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{web.url}/console")


def _sign_out_everywhere(conn: Conn) -> None:
    conn.execute("DELETE FROM web_sessions")
    conn.commit()


def test_a_console_whose_session_ends_says_signed_out(web: WebServer, page: Page, conn: Conn) -> None:
    _sign_in(page, web)
    expect(page.locator("#live")).to_have_text("live")
    expect(page.locator("#signed-out")).to_be_hidden()

    _sign_out_everywhere(conn)
    banner = page.locator("#signed-out")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Signed out: this queue is no longer updating.")
    expect(page.locator("#live")).to_have_text("signed out")
    sign_in_again = banner.get_by_role("link", name="Sign in again")
    expect(sign_in_again).to_have_attribute("href", "/login?next=%2Fconsole")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-signed-out.png"), full_page=True)


def test_a_console_whose_stream_is_refused_after_a_break_says_signed_out(
    web: WebServer, page: Page, conn: Conn
) -> None:
    """The stream breaks (a network blip), the session ends meanwhile, and the reconnect is
    answered 401 by the server: the page says so rather than "reconnecting" for ever."""
    calls: list[str] = []

    def first_breaks(route: Route) -> None:
        calls.append(route.request.url)
        if len(calls) == 1:
            _sign_out_everywhere(conn)
            route.abort()
        else:
            route.continue_()

    page.route("**/console/events", first_breaks)
    _sign_in(page, web)
    expect(page.locator("#signed-out")).to_be_visible()
    expect(page.locator("#live")).to_have_text("signed out")
    assert len(calls) >= 2, "the page tried the stream again and was refused"
