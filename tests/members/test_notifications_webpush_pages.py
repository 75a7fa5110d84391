"""Turning Web Push on and off: the JSON endpoints and the settings page's devices."""

import json
from datetime import date

import pytest
from django.test import Client

from members.models import (
    Member,
    Notification,
    NotificationDelivery,
    PushSubscription,
    Unit,
)
from members.selectors.privacy import member_data
from members.services import member_erase
from members.services.notifications import notify
from members.services.webpush import MAX_DEVICES, device_label
from tests.conftest import vi, vi_text
from tests.members.factories import make_account, make_member, make_unit
from tests.members.push_service import Browser, VapidPair, b64url

pytestmark = pytest.mark.django_db

SETTINGS_PAGE = "/thong-bao/cai-dat/"
SUBSCRIBE = "/thong-bao/thiet-bi/dang-ky/"
UNSUBSCRIBE = "/thong-bao/thiet-bi/huy/"
PUSH_SERVICE = "https://fcm.googleapis.com/fcm/send"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)
SWITCH = "Turn on notifications on this device"


def remove_url(pk: int) -> str:
    return f"/thong-bao/thiet-bi/{pk}/xoa/"


@pytest.fixture
def vapid(settings) -> VapidPair:
    pair = VapidPair.new()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = pair.public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = pair.private
    settings.WEBPUSH_VAPID_SUBJECT = "mailto:thongbao@congdoan.example.vn"
    settings.NOTIFICATION_CHANNELS = ["email", "webpush"]
    return pair


@pytest.fixture
def person(make_user):
    return make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa")


@pytest.fixture
def stranger(make_user):
    return make_user("nam.tran@example.vn", "Trần Văn Nam")


def browser(name: str) -> Browser:
    return Browser(name=name, endpoint=f"{PUSH_SERVICE}/{name}-token")


def post_json(client: Client, url: str, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **headers)


def subscribe(client: Client, device: Browser, **headers):
    return post_json(client, SUBSCRIBE, device.subscription_json(), **headers)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# Subscribing -------------------------------------------------------------------


def test_subscribing_records_this_browser_for_the_person(vapid, person):
    phone = browser("phone")

    response = subscribe(signed_in(person), phone, HTTP_USER_AGENT=ANDROID_CHROME)

    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert response.json() == {"id": subscription.pk, "device": "Chrome · Android"}
    assert (subscription.user, subscription.endpoint) == (person, phone.endpoint)
    assert (subscription.p256dh, subscription.auth) == (
        phone.keys["p256dh"],
        phone.keys["auth"],
    )
    assert subscription.device_label == "Chrome · Android"
    assert subscription.failures == 0
    assert subscription.last_success_at is None


def test_subscribing_needs_the_csrf_token(vapid, person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    client.get(SETTINGS_PAGE)
    token = client.cookies["csrftoken"].value

    refused = subscribe(client, browser("phone"))
    accepted = subscribe(client, browser("laptop"), HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 201
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        browser("laptop").endpoint
    ]


def test_an_anonymous_visitor_cannot_subscribe(vapid, client):
    response = subscribe(client, browser("phone"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not PushSubscription.objects.exists()


def test_subscribing_again_updates_the_keys_of_the_one_device(vapid, person):
    client = signed_in(person)
    first = browser("phone")
    again = Browser(name="phone", endpoint=first.endpoint)

    subscribe(client, first)
    response = subscribe(client, again)

    assert response.status_code == 201
    subscription = PushSubscription.objects.get()
    assert subscription.p256dh == again.keys["p256dh"]
    assert subscription.auth == again.keys["auth"]


def bad_point() -> str:
    return b64url(b"\x04" + b"\x01" * 64)


BAD_ADDRESS = "This browser gave an address that is not valid."
NOT_A_PUSH_SERVICE = "The push service of this browser is not one the portal sends to."
BAD_KEYS = "This browser gave encryption keys that are not valid."
UNREADABLE = "The browser's answer could not be read."
GOOD = browser("phone").subscription_json()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", UNREADABLE),
        ([GOOD], UNREADABLE),
        ({"endpoint": GOOD["endpoint"]}, UNREADABLE),
        ({**GOOD, "endpoint": "javascript:alert(1)"}, BAD_ADDRESS),
        ({**GOOD, "endpoint": None}, BAD_ADDRESS),
        ({**GOOD, "endpoint": PUSH_SERVICE + "/" + "x" * 2000}, BAD_ADDRESS),
        ({**GOOD, "endpoint": "https://push.example.com/abc"}, NOT_A_PUSH_SERVICE),
        (
            {**GOOD, "endpoint": "http://fcm.googleapis.com/fcm/send/x"},
            NOT_A_PUSH_SERVICE,
        ),
        (
            {**GOOD, "endpoint": "https://fcm.googleapis.com.evil.vn/x"},
            NOT_A_PUSH_SERVICE,
        ),
        ({**GOOD, "endpoint": "http://10.0.0.5/admin"}, NOT_A_PUSH_SERVICE),
        ({**GOOD, "endpoint": "http://127.0.0.1:6379/"}, NOT_A_PUSH_SERVICE),
        ({**GOOD, "keys": {**GOOD["keys"], "p256dh": bad_point()}}, BAD_KEYS),
        ({**GOOD, "keys": {**GOOD["keys"], "p256dh": "***"}}, BAD_KEYS),
        ({**GOOD, "keys": {**GOOD["keys"], "auth": b64url(b"short")}}, BAD_KEYS),
        ({**GOOD, "keys": {**GOOD["keys"], "auth": 12345}}, BAD_KEYS),
    ],
    ids=[
        "not-json",
        "a-list",
        "no-keys",
        "javascript",
        "no-endpoint",
        "too-long",
        "not-a-push-service",
        "not-https",
        "look-alike-host",
        "internal-address",
        "loopback-not-listed",
        "key-not-on-the-curve",
        "key-not-base64",
        "short-secret",
        "secret-not-text",
    ],
)
def test_a_bad_subscription_is_refused_in_vietnamese_and_nothing_is_stored(
    body, message, vapid, person
):
    response = post_json(signed_in(person), SUBSCRIBE, body)

    assert response.status_code == 400
    assert response.json() == {"error": vi_text(message)}
    assert not PushSubscription.objects.exists()


def test_without_vapid_keys_nothing_can_be_subscribed(person, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""

    response = subscribe(signed_in(person), browser("phone"))

    assert response.status_code == 404
    assert response.json() == {
        "error": vi_text("Notifications on devices are not turned on for this portal.")
    }
    assert not PushSubscription.objects.exists()


def test_a_browser_moves_to_the_account_that_turns_it_on_last(vapid, person, stranger):
    shared = browser("shared")
    subscribe(signed_in(person), shared)
    notification = notify(
        recipient=person, kind="hrm.import", dedupe_key="shared:1", title="Riêng tư"
    )
    assert NotificationDelivery.objects.filter(
        notification=notification, channel="webpush"
    ).exists()

    subscribe(signed_in(stranger), shared)

    assert PushSubscription.objects.get().user == stranger
    # What waited for the first account is not sent to the second one's device.
    assert not NotificationDelivery.objects.filter(channel="webpush").exists()


def test_more_devices_than_the_limit_keep_the_newest(vapid, person):
    client = signed_in(person)
    for index in range(MAX_DEVICES + 2):
        assert subscribe(client, browser(f"device{index}")).status_code == 201

    kept = set(PushSubscription.objects.values_list("endpoint", flat=True))
    assert kept == {browser(f"device{i}").endpoint for i in range(2, MAX_DEVICES + 2)}


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (ANDROID_CHROME, "Chrome · Android"),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)"
            " AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148"
            " Safari/604.1",
            "Safari · iOS",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like"
            " Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like"
            " Gecko) coc_coc_browser/131.0.0 Chrome/125.0 Safari/537.36",
            "Cốc Cốc · Windows",
        ),
        (
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101"
            " Firefox/133.0",
            "Firefox · Linux",
        ),
        ("", ""),
    ],
)
def test_a_device_is_named_by_its_browser_and_system(user_agent, label):
    assert device_label(user_agent) == label


# Unsubscribing and removing ------------------------------------------------------


def test_unsubscribing_forgets_only_the_persons_own_browser(vapid, person, stranger):
    subscribe(signed_in(person), browser("mine"))
    subscribe(signed_in(stranger), browser("theirs"))
    client = signed_in(person)

    other = post_json(client, UNSUBSCRIBE, {"endpoint": browser("theirs").endpoint})
    own = post_json(client, UNSUBSCRIBE, {"endpoint": browser("mine").endpoint})
    unreadable = post_json(client, UNSUBSCRIBE, {"endpoint": 7})

    assert other.json() == {"deleted": 0}
    assert own.json() == {"deleted": 1}
    assert unreadable.status_code == 400
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [
        stranger.pk
    ]


def test_the_settings_page_offers_the_switch_and_lists_only_own_devices(
    vapid, person, stranger
):
    subscribe(signed_in(person), browser("mine"), HTTP_USER_AGENT=ANDROID_CHROME)
    subscribe(
        signed_in(stranger),
        browser("theirs"),
        HTTP_USER_AGENT="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Firefox/133.0",
    )

    page = signed_in(person).get(SETTINGS_PAGE).content.decode()

    assert vi(SWITCH) in page
    assert vi_text(SWITCH) == "Bật thông báo trên thiết bị này"
    assert f'data-public-key="{vapid.public}"' in page
    assert 'src="/static/members/js/webpush.js"' in page
    assert "Chrome · Android" in page
    assert "Firefox · macOS" not in page
    own = PushSubscription.objects.get(user=person)
    assert f'action="{remove_url(own.pk)}"' in page
    assert "<script>" not in page  # the switch's script is a static file (CSP)


def test_without_vapid_keys_the_settings_page_offers_no_switch(person, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""

    page = signed_in(person).get(SETTINGS_PAGE).content.decode()

    assert vi(SWITCH) not in page
    assert "webpush.js" not in page


def test_removing_a_device_from_the_list_removes_only_own_ones(vapid, person, stranger):
    subscribe(signed_in(person), browser("mine"), HTTP_USER_AGENT=ANDROID_CHROME)
    subscribe(signed_in(stranger), browser("theirs"))
    own = PushSubscription.objects.get(user=person)
    theirs = PushSubscription.objects.get(user=stranger)
    client = signed_in(person)

    refused = client.post(remove_url(theirs.pk))
    removed = client.post(remove_url(own.pk), follow=True)

    assert refused.status_code == 404
    assert list(PushSubscription.objects.all()) == [theirs]
    page = removed.content.decode()
    assert (
        vi("%(device)s will no longer receive notifications.")
        % {"device": "Chrome · Android"}
        in page
    )
    assert client.get(remove_url(theirs.pk)).status_code == 405


# Privacy -----------------------------------------------------------------------


@pytest.fixture
def member_person(db) -> Member:
    unit = make_unit(
        code="VNPT-HN",
        name="CĐCS VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        is_employer=True,
    )
    member = make_member(
        unit=unit,
        full_name="Lê Thị Thu",
        date_of_birth=date(1990, 5, 17),
        email="thu.le@example.vn",
    )
    make_account(member)
    return member


def test_a_members_own_data_lists_their_devices_without_the_keys(vapid, member_person):
    subscribe(
        signed_in(member_person.user), browser("phone"), HTTP_USER_AGENT=ANDROID_CHROME
    )

    data = member_data(user=member_person.user)

    (section,) = [s for s in data.sections if s.key == "push_devices"]
    assert [row["device_label"] for row in section.rows] == ["Chrome · Android"]
    assert {name for name, _label in section.columns} == {
        "device_label",
        "created_at",
        "last_success_at",
    }


def test_erasing_a_member_removes_their_devices(vapid, member_person, superuser):
    subscribe(signed_in(member_person.user), browser("phone"))
    Notification.objects.all().delete()

    member_erase(member=member_person, actor=superuser, reason="request")

    assert not PushSubscription.objects.exists()
