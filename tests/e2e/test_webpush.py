"""Browser tests of Web Push: the settings page's switch and the service worker.

What headless Chromium can show honestly: the switch is there and usable at
360 px; the service worker registers under the CSP; a push message handed to
the service worker (through the DevTools protocol, as a push service would
hand it over) is shown as a notification with its title, body and link.

What it cannot: a real subscription. Headless Chromium refuses
``pushManager.subscribe`` ("AbortError: Registration failed - permission
denied") even with the notifications permission granted, and the browser
vendor's push service is out of reach here anyway. One test therefore puts a
stand-in in place of the browser's PushManager, which hands the page a
subscription with keys the test made: it drives the page's script and the
portal's endpoints, and says so. Sending to a subscription (encryption,
VAPID, the push service's answers) is tested in
tests/members/test_notifications_webpush.py, against a push service on
127.0.0.1 that decrypts what it receives.
"""

import json

import pytest
from playwright.sync_api import Page, expect

from members.models import PushSubscription
from tests.e2e.conftest import PHONE
from tests.e2e.test_content_security_policy import record_violations
from tests.members.push_service import Browser, VapidPair, b64url_decode

SETTINGS_PAGE = "/thong-bao/cai-dat/"
SWITCH = "Bật thông báo trên thiết bị này"
WORKER_JS = """() => Promise.race([
  navigator.serviceWorker.ready.then((registration) => ({
    scope: registration.scope,
    script: registration.active && registration.active.scriptURL,
  })),
  new Promise((resolve) => setTimeout(() => resolve(null), 10000)),
])"""
NOTIFICATIONS_JS = """async () => {
  const registration = await navigator.serviceWorker.ready;
  for (let tries = 0; tries < 50; tries += 1) {
    const shown = await registration.getNotifications();
    if (shown.length) {
      return shown.map((n) => ({
        title: n.title, body: n.body, tag: n.tag, data: n.data,
      }));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}"""


@pytest.fixture
def vapid(settings) -> VapidPair:
    pair = VapidPair.new()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = pair.public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = pair.private
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:thongbao@congdoan.example.vn"
    settings.NOTIFICATION_CHANNELS = ["email", "webpush"]
    return pair


def push_to_worker(page: Page, scope: str, data: str) -> None:
    """Hand a push message to the page's service worker, as a push service would."""
    session = page.context.new_cdp_session(page)
    found: dict[str, str] = {}

    def updated(event: dict) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"] == scope and not registration["isDeleted"]:
                found["id"] = registration["registrationId"]

    session.on("ServiceWorker.workerRegistrationUpdated", updated)
    session.send("ServiceWorker.enable")
    page.wait_for_timeout(200)
    assert "id" in found, "the service worker registration was not reported"
    origin = scope.rstrip("/")
    session.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": found["id"], "data": data},
    )


def test_the_switch_is_offered_and_the_worker_shows_a_push(
    page_at, signed_in, member_user, vapid, live_server, screenshot
):
    page = signed_in(page_at(PHONE), member_user)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    violations = record_violations(page)

    page.goto(SETTINGS_PAGE)
    switch = page.get_by_role("switch", name=SWITCH)
    expect(switch).to_be_visible()
    expect(switch).to_be_enabled()  # the script found push support and woke up
    expect(switch).not_to_be_checked()
    assert switch.get_attribute("data-public-key") == vapid.public
    worker = page.evaluate(WORKER_JS)
    assert worker is not None, "the service worker did not become ready"
    assert worker["script"] == f"{live_server.url}/sw.js"
    screenshot(page, "switch")

    # A push message as the push service would hand it to the browser.
    message = {
        "title": "Lịch tư vấn đã được xếp",
        "body": "Cán bộ tư vấn sẽ gọi cho bạn lúc 9:00.",
        "link": "/tu-van/",
        "tag": "a" * 32,
    }
    push_to_worker(page, worker["scope"], json.dumps(message, ensure_ascii=False))
    (shown,) = page.evaluate(NOTIFICATIONS_JS)
    assert shown == {
        "title": message["title"],
        "body": message["body"],
        "tag": message["tag"],
        "data": {"link": "/tu-van/"},
    }
    assert violations == []


def test_a_push_the_worker_cannot_read_still_shows_the_portals_name(
    page_at, signed_in, member_user, vapid, live_server, settings
):
    page = signed_in(page_at(PHONE), member_user)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.goto(SETTINGS_PAGE)
    worker = page.evaluate(WORKER_JS)

    push_to_worker(page, worker["scope"], "not json")

    (shown,) = page.evaluate(NOTIFICATIONS_JS)
    assert shown["title"] == settings.PORTAL_NAME
    assert shown["data"] == {"link": "/thong-bao/"}


def test_turning_the_switch_on_without_a_reachable_push_service_says_so(
    page_at, signed_in, member_user, vapid, live_server
):
    """Headless Chromium refuses to subscribe; the page says so in Vietnamese.

    Nothing is posted to the portal, and the switch goes back off.
    """
    page = signed_in(page_at(PHONE), member_user)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    violations = record_violations(page)
    page.goto(SETTINGS_PAGE)
    switch = page.get_by_role("switch", name=SWITCH)
    expect(switch).to_be_enabled()

    switch.click()

    expect(page.locator("#push-status")).to_have_text(
        "Chưa bật được thông báo trên thiết bị này. Vui lòng thử lại sau.",
        timeout=20_000,
    )
    expect(switch).not_to_be_checked()
    assert not PushSubscription.objects.exists()
    assert violations == []


# The browser's PushManager replaced by a stand-in: it hands the page a
# subscription with keys the test made, as a push service would through the
# browser, and records what the page asked for. This drives the page's script
# and the portal's endpoints; it says nothing of a real push service.
STAND_IN_PUSH_MANAGER = """
(() => {
  let current = null;
  window.__subscribeCalls = [];
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(current);
  };
  PushManager.prototype.subscribe = function (options) {
    window.__subscribeCalls.push({
      userVisibleOnly: options.userVisibleOnly,
      key: Array.from(new Uint8Array(options.applicationServerKey)),
    });
    const made = %s;
    current = {
      endpoint: made.endpoint,
      options: {applicationServerKey: options.applicationServerKey},
      toJSON: () => made,
      unsubscribe: () => { current = null; return Promise.resolve(true); },
    };
    return Promise.resolve(current);
  };
})();
"""


def test_the_switch_posts_the_subscription_and_takes_it_back(
    page_at, signed_in, member_user, vapid, live_server
):
    device = Browser(name="phone", endpoint="https://fcm.googleapis.com/fcm/send/e2e")
    page = signed_in(page_at(PHONE), member_user)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(STAND_IN_PUSH_MANAGER % json.dumps(device.subscription_json()))
    violations = record_violations(page)
    page.goto(SETTINGS_PAGE)
    switch = page.get_by_role("switch", name=SWITCH)
    status = page.locator("#push-status")

    switch.click()

    expect(status).to_have_text("Đã bật thông báo trên thiết bị này.")
    expect(switch).to_be_checked()
    (call,) = page.evaluate("window.__subscribeCalls")
    assert call["userVisibleOnly"] is True
    assert bytes(call["key"]) == b64url_decode(vapid.public)
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint) == (member_user, device.endpoint)
    assert (stored.p256dh, stored.auth) == (device.keys["p256dh"], device.keys["auth"])

    switch.click()

    expect(status).to_have_text("Đã tắt thông báo trên thiết bị này.")
    expect(switch).not_to_be_checked()
    assert not PushSubscription.objects.exists()
    assert violations == []


def test_without_vapid_keys_there_is_no_switch(
    page_at, signed_in, member_user, settings
):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    page = signed_in(page_at(PHONE), member_user)

    page.goto(SETTINGS_PAGE)

    expect(page.get_by_role("heading", name="Cài đặt thông báo")).to_be_visible()
    expect(page.get_by_role("switch", name=SWITCH)).to_have_count(0)
