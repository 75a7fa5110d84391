"""Browser tests of the portal shell: login, admin, phone layout, offline, manifest."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from tests.conftest import PASSWORD, totp_code
from tests.e2e.conftest import DESKTOP, PHONE

WIDTHS = pytest.mark.parametrize("width", [PHONE, DESKTOP])
LOGIN_PATH = "/accounts/login/"
OFFLINE_PATH = "/offline/"
STATIC_PREFIX = "/static/"
PORTAL_BLUE = "rgb(11, 79, 156)"
WRONG_CREDENTIALS = "Địa chỉ email và/hoặc mật khẩu bạn nhập không đúng."

CACHED_URLS_JS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      urls.push(request.url);
    }
  }
  return urls;
}"""
SERVICE_WORKER_READY_JS = """() => Promise.race([
  navigator.serviceWorker.ready.then((registration) => registration.scope),
  new Promise((resolve) => setTimeout(() => resolve(null), 10000)),
])"""


def path_of(url: str) -> str:
    return urlsplit(url).path


def expect_login_page(page: Page) -> None:
    expect(page).to_have_url(re.compile(rf"{re.escape(LOGIN_PATH)}(\?.*)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    expect(page).to_have_title(re.compile(r"^Đăng nhập · "))
    expect(page.locator("body")).not_to_contain_text("Sign In", use_inner_text=True)


def submit_login(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def record_static_statuses(page: Page) -> dict[str, int]:
    statuses: dict[str, int] = {}

    def record(response: Response) -> None:
        path = path_of(response.url)
        if path.startswith(STATIC_PREFIX):
            statuses[path] = response.status

    page.on("response", record)
    return statuses


def wait_for_service_worker(page: Page) -> None:
    scope = page.evaluate(SERVICE_WORKER_READY_JS)
    assert scope is not None, "the service worker never became ready"
    assert path_of(scope) == "/"


def assert_cache_holds_no_pages(page: Page) -> None:
    paths = [path_of(url) for url in page.evaluate(CACHED_URLS_JS)]
    assert OFFLINE_PATH in paths
    pages = [p for p in paths if p != OFFLINE_PATH and not p.startswith(STATIC_PREFIX)]
    assert pages == [], f"the service worker cached pages: {pages}"


def expect_offline_page(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Không có kết nối")
    expect(page.get_by_role("button", name="Thử lại")).to_have_attribute("href", "/")


@WIDTHS
def test_member_signs_in_by_email_and_out_through_account_menu(
    page_at, screenshot, member_user, width
):
    page = page_at(width)
    static_statuses = record_static_statuses(page)

    page.goto("/")

    assert page.evaluate("navigator.language") == "en-US"
    expect_login_page(page)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=(/|%2F)$"))
    submit = page.get_by_role("button", name="Đăng nhập", exact=True)
    expect(submit).to_have_css("background-color", PORTAL_BLUE)
    assert static_statuses.get("/static/vendor/pico/pico.min.css") == 200
    assert static_statuses.get("/static/unionportal/css/portal.css") == 200
    screenshot(page, "login")

    submit_login(page, member_user.email)

    expect(page).to_have_url(re.compile(r"^http://[^/]+/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Trần Thị Bình")
    screenshot(page, "home")

    # The account menu is named by the visible name, after a word for readers.
    account = page.locator(".portal-header summary")
    expect(account).to_have_text(re.compile(r"^\s*Tài khoản: Trần Thị Bình"))
    account.click()
    page.get_by_role("button", name="Đăng xuất").click()

    expect_login_page(page)
    assert path_of(page.url) == LOGIN_PATH
    page.goto("/")
    expect_login_page(page)


@WIDTHS
def test_superuser_signs_in_to_admin_through_portal_login(
    page_at, screenshot, live_server, superuser, width
):
    page = page_at(width)

    page.goto("/admin/")

    expect_login_page(page)
    login_url = urlsplit(page.url)
    assert f"{login_url.scheme}://{login_url.netloc}" == live_server.url
    assert login_url.path == LOGIN_PATH
    assert parse_qs(login_url.query) == {"next": ["/admin/"]}
    submit_login(page, superuser.email)

    # A superuser's account has an authenticator app: its code comes next.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực hai yếu tố")
    screenshot(page, "two-step")
    page.get_by_role("textbox", name="Mã").fill(totp_code())
    page.get_by_role("button", name="Đăng nhập", exact=True).click()

    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#site-name")).to_have_text("Quản trị Cổng Công đoàn")
    expect(page.get_by_role("heading", level=1)).to_have_text("Công tác công đoàn")
    expect(page.locator("#user-tools")).to_contain_text("Chào mừng bạn,")
    screenshot(page, "admin-index")


def test_phone_pages_do_not_scroll_sideways(page_at, screenshot, superuser, signed_in):
    page = page_at(PHONE)
    widths = {}

    page.goto(LOGIN_PATH)
    expect_login_page(page)
    widths["login"] = document_width(page)

    signed_in(page, superuser)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Lê Quản Trị")
    widths["home"] = document_width(page)

    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    widths["admin index"] = document_width(page)
    screenshot(page, "admin-index")

    too_wide = {name: px for name, px in widths.items() if px > PHONE + 1}
    assert too_wide == {}, f"pages wider than {PHONE} px: {too_wide}"


@WIDTHS
def test_wrong_password_shows_vietnamese_error_and_stays_on_login(
    page_at, screenshot, member_user, width
):
    page = page_at(width)
    page.goto(LOGIN_PATH)

    submit_login(page, member_user.email, "sai-mat-khau-hoan-toan")

    expect_login_page(page)
    assert path_of(page.url) == LOGIN_PATH
    expect(page.get_by_text(WRONG_CREDENTIALS)).to_be_visible()
    expect(page.get_by_role("textbox", name="Email")).to_have_value(member_user.email)
    screenshot(page, "wrong-password")


def test_service_worker_serves_offline_page_and_caches_no_pages(page_at, screenshot):
    page = page_at(PHONE)
    page.goto("/")
    expect_login_page(page)
    wait_for_service_worker(page)
    assert_cache_holds_no_pages(page)

    page.context.set_offline(True)
    response = page.goto("/")

    assert response is not None
    assert response.from_service_worker
    expect_offline_page(page)
    expect(page.get_by_role("button", name="Thử lại")).to_have_css(
        "background-color", PORTAL_BLUE
    )
    assert_cache_holds_no_pages(page)
    screenshot(page, "offline")


def test_home_of_signed_in_member_is_never_served_offline(
    page_at, screenshot, member_user
):
    page = page_at(PHONE)
    page.goto(LOGIN_PATH)
    submit_login(page, member_user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Trần Thị Bình")
    wait_for_service_worker(page)

    home = page.goto("/")

    assert home is not None
    assert "no-store" in home.headers.get("cache-control", "")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Trần Thị Bình")

    page.context.set_offline(True)
    offline = page.goto("/")

    assert offline is not None
    assert offline.from_service_worker
    expect_offline_page(page)
    expect(page.locator("body")).not_to_contain_text("Bình")
    expect(page.locator("body")).not_to_contain_text(member_user.email)
    assert_cache_holds_no_pages(page)
    screenshot(page, "offline-home")


def test_manifest_is_linked_and_describes_an_installable_app(page_at):
    page = page_at(PHONE)
    page.goto(LOGIN_PATH)

    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    response = page.request.get(href)

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"]
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "vi"
    icons = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= icons.keys()
    for size in ("192x192", "512x512"):
        icon = page.request.get(icons[size]["src"])
        assert icon.status == 200, icons[size]["src"]
        assert icon.headers["content-type"] == "image/png"

    seen_by_chromium = page.context.new_cdp_session(page).send("Page.getAppManifest")
    assert seen_by_chromium["errors"] == []
    assert seen_by_chromium["manifest"]["display"] == "kStandalone"
