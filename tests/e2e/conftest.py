"""Playwright fixtures: one Chromium per session, a fresh context per page."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from members.models import User
from tests.conftest import require_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = 360
DESKTOP = 1280
VIEWPORTS = {
    PHONE: {
        "viewport": {"width": PHONE, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
    DESKTOP: {"viewport": {"width": DESKTOP, "height": 800}},
}
# The portal must speak Vietnamese whatever language the phone asks for.
BROWSER_LOCALE = "en-US"
TIMEOUT_MS = 10_000
E2E_DIR = Path(__file__).resolve().parent
SCREENSHOTS = E2E_DIR.parents[1] / "test-artifacts" / "screenshots"

phase_reports = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(phase_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_service(CHROMIUM.exists(), f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def screenshot_path(request: pytest.FixtureRequest, page: Page, label: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else "default"
    return SCREENSHOTS / f"{request.node.originalname}-{width}-{label}.png"


@pytest.fixture
def page_at(
    browser: Browser, live_server, request: pytest.FixtureRequest
) -> Iterator[Callable[[int], Page]]:
    """Open a page in a new context that is a phone (360) or a desktop (1280)."""
    contexts: list[BrowserContext] = []

    def open_page(width: int) -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=BROWSER_LOCALE, **VIEWPORTS[width]
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    call = request.node.stash.get(phase_reports, {}).get("call")
    failed = call is not None and call.failed
    for context in contexts:
        for page in context.pages:
            path = screenshot_path(request, page, "failure")
            if failed:
                page.screenshot(path=path, full_page=True)
            else:
                path.unlink(missing_ok=True)
        context.close()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot named after the test, the width and a label."""

    def take(page: Page, label: str) -> Path:
        path = screenshot_path(request, page, label)
        page.screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def signed_in(live_server) -> Callable[[Page, User], Page]:
    """Give a page the session cookie of a user, without the login form."""

    def sign(page: Page, user: User) -> Page:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        cookie = {"name": name, "value": client.cookies[name].value}
        page.context.add_cookies([{**cookie, "url": live_server.url}])
        return page

    return sign
