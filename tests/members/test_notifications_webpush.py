"""Web Push end to end: a push service on 127.0.0.1 receives what devices decrypt."""

import threading
from collections import Counter
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from http_ece import ECEException

from members.channels import PUSH_PAYLOAD_MAX_BYTES, webpush_offered
from members.checks import WEBPUSH_ERROR, webpush_settings_check
from members.models import Notification, NotificationDelivery, PushSubscription
from members.reminders import ReminderTarget
from members.services import notifications
from members.services.webpush import push_subscription_save
from members.tasks import RETRY_DELAYS, deliveries_release, reminder_due
from tests.conftest import require_service
from tests.members.conftest import broadcast_key
from tests.members.push_service import (
    TIMEOUT,
    Browser,
    VapidPair,
    b64url,
    b64url_decode,
    public_point,
    push_service_running,
    vapid_claims,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2025, 3, 10)  # a Monday
SUBJECT = "mailto:thongbao@congdoan.example.vn"
DELIVERIES_SEND = "members.tasks.deliveries_send"
Status = NotificationDelivery.Status


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=HCM)


@pytest.fixture(autouse=True)
def _morning(time_machine):
    """Run on a fixed Monday morning in Vietnam, outside the quiet hours."""
    time_machine.move_to(local(DAY, 9), tick=False)


@pytest.fixture
def vapid(settings) -> VapidPair:
    """Web Push on, with a key pair of its own and the local push service allowed."""
    pair = VapidPair.new()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = pair.public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = pair.private
    settings.WEBPUSH_VAPID_SUBJECT = SUBJECT
    settings.WEBPUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    settings.NOTIFICATION_CHANNELS = ["email", "webpush"]
    settings.WEBPUSH_TIMEOUT = 0.5
    return pair


@pytest.fixture
def push():
    with push_service_running() as service:
        yield service


def subscribe(user, browser: Browser) -> PushSubscription:
    """Turn Web Push on for ``user`` in ``browser``, as the settings page does."""
    return push_subscription_save(
        user=user,
        endpoint=browser.endpoint,
        p256dh=browser.keys["p256dh"],
        auth=browser.keys["auth"],
        user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36",
    )


def tell(task_queue, user, key: str, **fields) -> None:
    """Store one notification for ``user`` and run what it queues."""
    with task_queue.committing():
        notifications.notify(
            recipient=user,
            kind="consultation.scheduled",
            dedupe_key=key,
            title=fields.pop("title", "Lịch tư vấn đã được xếp"),
            body=fields.pop(
                "body", "Cán bộ tư vấn sẽ gọi cho bạn lúc 9:00 ngày 12/03."
            ),
            link=fields.pop("link", "/tu-van/"),
            **fields,
        )
    task_queue.work()


def push_deliveries():
    return NotificationDelivery.objects.filter(channel="webpush")


def sends(task_queue) -> list:
    return [m for m in task_queue.published if m.task == DELIVERIES_SEND]


# Delivered, encrypted, signed ------------------------------------------------


@pytest.mark.django_db
def test_a_notification_reaches_each_device_encrypted_to_it_and_signed(
    task_queue, recipients, smtp, vapid, push
):
    member, other = recipients(2)
    phone, laptop = push.browser("phone"), push.browser("laptop")
    subscribe(member, phone)
    subscribe(member, laptop)
    subscribe(other, push.browser("other"))

    tell(task_queue, member, "consultation:7:scheduled")

    assert sorted(r.device for r in push.received) == ["laptop", "phone"]
    expected = {
        "title": "Lịch tư vấn đã được xếp",
        "body": "Cán bộ tư vấn sẽ gọi cho bạn lúc 9:00 ngày 12/03.",
        "link": "/tu-van/",
    }
    now = int(datetime.now(tz=HCM).timestamp())
    for browser in (phone, laptop):
        (received,) = push.to(browser.name)
        payload = browser.decrypt(received)
        assert {k: payload[k] for k in expected} == expected
        headers = {k.lower(): v for k, v in received.headers.items()}
        assert headers["content-encoding"] == "aes128gcm"
        assert headers["ttl"] == "86400"
        assert headers["urgency"] == "normal"
        # The device shows a message sent twice once: same tag, same topic.
        assert payload["tag"] == headers["topic"]
        assert len(headers["topic"]) == 32
        claims = vapid_claims(headers["authorization"], public_key=vapid.public)
        assert claims["aud"] == push.url
        assert claims["sub"] == SUBJECT
        assert now < claims["exp"] <= now + 24 * 3600
        assert "Cán bộ".encode() not in received.body  # the service sees ciphertext
    # Each message is encrypted to its own device: the other cannot read it.
    with pytest.raises((ECEException, InvalidTag, ValueError)):
        laptop.decrypt(push.to("phone")[0])

    assert smtp.sent == ["consultation:7:scheduled"]
    assert Counter(push_deliveries().values_list("status", flat=True)) == {
        Status.SENT: 2
    }
    for subscription in PushSubscription.objects.filter(user=member):
        assert subscription.last_success_at == datetime.now(tz=HCM)
        assert subscription.failures == 0


@pytest.mark.django_db
def test_a_reminder_run_twice_pushes_once_a_device(
    task_queue, broadcast, recipients, smtp, vapid, push
):
    users = recipients(3)
    browsers = [push.browser(f"device{index}") for index in range(3)]
    for user, browser in zip(users, browsers, strict=True):
        subscribe(user, browser)
    kind = broadcast(users)

    reminder_due.delay(kind=kind)
    reminder_due.delay(kind=kind)
    task_queue.work()
    reminder_due.delay(kind=kind)
    task_queue.work()

    assert Counter(r.device for r in push.received) == {
        "device0": 1,
        "device1": 1,
        "device2": 1,
    }
    for browser in browsers:
        (received,) = push.to(browser.name)
        assert browser.decrypt(received)["title"] == "Nhắc việc thử"
    assert push_deliveries().filter(status=Status.SENT).count() == 3
    assert sorted(smtp.sent) == sorted(broadcast_key(user.pk) for user in users)


def test_a_long_message_is_shortened_to_fit_one_push(
    db, task_queue, recipients, smtp, vapid, push
):
    (member,) = recipients(1)
    phone = push.browser("phone")
    subscribe(member, phone)

    tell(task_queue, member, "long:1", body="Nội dung rất dài của thông báo. " * 300)

    (received,) = push.to("phone")
    payload = phone.decrypt(received)
    assert payload["body"].endswith("…")
    assert payload["body"].startswith("Nội dung rất dài")
    plain_size = len(received.body) - 103  # the aes128gcm header, tag and pad
    assert plain_size <= PUSH_PAYLOAD_MAX_BYTES
    assert len(received.body) <= 4096


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_one_chunk_at_once_push_once_a_device(
    task_queue, recipients, smtp, vapid, push
):
    """The broker hands one chunk to two workers at the same moment.

    Each thread has its own database connection; both are held until both are
    ready, then claim the chunk together: PostgreSQL's row locks give it to one,
    and every device receives its message once. SQLite takes one writer at a
    time, so the race cannot happen there.
    """
    require_service(
        connection.vendor == "postgresql", "two claims at once need PostgreSQL"
    )
    users = recipients(4)
    for index, user in enumerate(users):
        subscribe(user, push.browser(f"device{index}"))
    with task_queue.committing():
        notifications.notifications_store(
            kind="hrm.import",
            targets=[
                ReminderTarget(recipient_id=u.pk, dedupe_key=f"race:{u.pk}", title="T")
                for u in users
            ],
            mandatory=True,
        )
    (message,) = task_queue.drop()
    ids = message.kwargs["delivery_ids"]
    start = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def send(claim: str) -> None:
        try:
            start.wait()
            results.append(notifications.deliveries_send(delivery_ids=ids, claim=claim))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(claim,)) for claim in ("first", "second")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(r["sent"] for r in results) == [0, 8]  # 4 e-mails and 4 pushes
    assert Counter(r.device for r in push.received) == {
        f"device{index}": 1 for index in range(4)
    }
    assert set(push_deliveries().values_list("status", flat=True)) == {Status.SENT}
    assert sorted(smtp.sent) == sorted(f"race:{u.pk}" for u in users)


# Gone, refused, failing --------------------------------------------------------


@pytest.mark.parametrize("gone", [404, 410])
@pytest.mark.django_db
def test_a_subscription_the_push_service_calls_gone_is_dropped(
    gone, task_queue, recipients, smtp, vapid, push
):
    (member,) = recipients(1)
    phone, laptop = push.browser("phone"), push.browser("laptop")
    subscribe(member, phone)
    subscribe(member, laptop)
    push.answers["phone"] = [gone]

    # Two notifications in one chunk: the second is not tried on the dead phone.
    with task_queue.committing():
        notifications.notifications_store(
            kind="hrm.import",
            targets=[
                ReminderTarget(recipient_id=member.pk, dedupe_key=key, title=key)
                for key in ("gone:1", "gone:2")
            ],
            mandatory=True,
        )
    task_queue.work()

    assert [r.status for r in push.to("phone")] == [gone]
    assert sorted(laptop.decrypt(r)["title"] for r in push.to("laptop")) == [
        "gone:1",
        "gone:2",
    ]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        laptop.endpoint
    ]
    # The phone's deliveries went with it; nothing is retried; the inbox keeps all.
    assert push_deliveries().count() == 2
    assert set(push_deliveries().values_list("status", flat=True)) == {Status.SENT}
    assert [m.retries for m in sends(task_queue)] == [0]
    assert Notification.objects.filter(recipient=member).count() == 2
    assert sorted(smtp.sent) == ["gone:1", "gone:2"]

    tell(task_queue, member, "gone:3", title="gone:3")
    assert len(push.to("phone")) == 1
    assert [laptop.decrypt(r)["title"] for r in push.to("laptop")][-1] == "gone:3"


@pytest.mark.parametrize("answer", [503, 500, 429, TIMEOUT])
@pytest.mark.django_db
def test_a_push_service_failure_is_retried_and_each_device_gets_it_once(
    answer, task_queue, recipients, smtp, vapid, push
):
    (member,) = recipients(1)
    phone, laptop = push.browser("phone"), push.browser("laptop")
    subscribe(member, phone)
    subscribe(member, laptop)
    push.answers["phone"] = [answer]

    with task_queue.committing():
        notifications.notify(
            recipient=member, kind="hrm.import", dedupe_key="retry:1", title="Nhập xong"
        )
    (first,) = task_queue.ready
    task_queue.work(1)  # the first attempt: the laptop takes it, the phone fails

    delivery = push_deliveries().get(subscription__endpoint=phone.endpoint)
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 1)
    assert delivery.last_error
    assert PushSubscription.objects.get(endpoint=phone.endpoint).failures == 1
    (retry,) = task_queue.ready
    assert retry.retries == 1
    assert retry.options["countdown"] == RETRY_DELAYS[0]
    assert retry.kwargs == {"delivery_ids": [delivery.pk]}

    # The broker hands the first message over again as well: nothing is sent twice.
    task_queue.redeliver([first])
    task_queue.work()

    assert len(push.taken("phone")) == 1
    assert len(push.taken("laptop")) == 1
    assert phone.decrypt(push.taken("phone")[0])["title"] == "Nhập xong"
    assert set(push_deliveries().values_list("status", flat=True)) == {Status.SENT}
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_error) == (2, "")
    assert PushSubscription.objects.get(endpoint=phone.endpoint).failures == 0
    assert smtp.sent == ["retry:1"]


@pytest.mark.django_db
def test_a_push_service_down_for_every_try_fails_the_delivery_and_keeps_the_device(
    task_queue, recipients, smtp, vapid, push
):
    (member,) = recipients(1)
    phone = push.browser("phone")
    subscribe(member, phone)
    push.answers["phone"] = [502] * (1 + len(RETRY_DELAYS))

    tell(task_queue, member, "down:1")

    delivery = push_deliveries().get()
    assert (delivery.status, delivery.attempts) == (
        Status.FAILED,
        1 + len(RETRY_DELAYS),
    )
    assert "502" in delivery.last_error
    assert [m.retries for m in sends(task_queue)] == list(range(1 + len(RETRY_DELAYS)))
    assert PushSubscription.objects.get().failures == 1 + len(RETRY_DELAYS)


@pytest.mark.parametrize("refusal", [400, 403, 413])
@pytest.mark.django_db
def test_a_push_refused_for_good_fails_at_once_and_the_device_stays(
    refusal, task_queue, recipients, smtp, vapid, push
):
    (member,) = recipients(1)
    phone = push.browser("phone")
    subscribe(member, phone)
    push.answers["phone"] = [refusal]

    tell(task_queue, member, "refused:1")

    delivery = push_deliveries().get()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    assert str(refusal) in delivery.last_error
    assert [m.retries for m in sends(task_queue)] == [0]
    assert PushSubscription.objects.get().failures == 1

    tell(task_queue, member, "refused:2", title="Lần sau")
    assert phone.decrypt(push.taken("phone")[0])["title"] == "Lần sau"
    assert PushSubscription.objects.get().failures == 0


# Quiet hours and choices ------------------------------------------------------


@pytest.mark.django_db
def test_quiet_hours_hold_the_push_until_seven(
    task_queue, recipients, smtp, vapid, push, time_machine
):
    (member,) = recipients(1)
    phone = push.browser("phone")
    subscribe(member, phone)
    time_machine.move_to(local(DAY, 22, 30), tick=False)

    tell(task_queue, member, "night:1", title="Nhập xong lúc khuya")

    assert push.received == []
    delivery = push_deliveries().get()
    wake = local(DAY + timedelta(days=1), 7)
    assert (delivery.status, delivery.not_before) == (Status.HELD, wake)

    time_machine.move_to(local(DAY + timedelta(days=1), 6, 59), tick=False)
    deliveries_release.delay()
    task_queue.work()
    assert push.received == []

    time_machine.move_to(wake, tick=False)
    deliveries_release.delay()
    task_queue.work()
    (received,) = push.received
    assert phone.decrypt(received)["title"] == "Nhập xong lúc khuya"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sent_at) == (Status.SENT, wake)
    assert smtp.sent == ["night:1"]


@pytest.mark.django_db
def test_opting_out_of_an_optional_kind_sends_no_push(
    task_queue, broadcast, recipients, smtp, vapid, push
):
    opted_out, other = recipients(2)
    subscribe(opted_out, push.browser("opted-out"))
    subscribe(other, push.browser("other"))
    kind = broadcast([opted_out, other], mandatory=False)
    notifications.notification_preference_set(user=opted_out, kind=kind, enabled=False)

    reminder_due.delay(kind=kind)
    task_queue.work()

    assert [r.device for r in push.received] == ["other"]
    assert smtp.sent == [broadcast_key(other.pk)]


@pytest.mark.django_db
def test_an_inactive_account_gets_no_push(task_queue, recipients, smtp, vapid, push):
    (member,) = recipients(1)
    subscribe(member, push.browser("phone"))
    member.is_active = False
    member.save(update_fields=["is_active"])

    tell(task_queue, member, "inactive:1")

    assert push.received == []
    assert not push_deliveries().exists()


# Without keys, and the keys themselves -------------------------------------------


@pytest.mark.django_db
def test_without_vapid_keys_web_push_is_off(
    task_queue, recipients, smtp, vapid, push, settings
):
    (member,) = recipients(1)
    subscribe(member, push.browser("phone"))
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""

    tell(task_queue, member, "nokeys:1")

    assert not webpush_offered()
    assert push.received == []
    assert not push_deliveries().exists()
    assert smtp.sent == ["nokeys:1"]
    assert webpush_settings_check() == []


@pytest.mark.django_db
def test_a_device_has_one_delivery_a_notification_and_e_mail_one_in_all(
    recipients, vapid, push
):
    (member,) = recipients(1)
    device = subscribe(member, push.browser("phone"))
    notification = Notification.objects.create(
        recipient=member, kind="test", title="T", dedupe_key="unique:1"
    )
    NotificationDelivery.objects.create(notification=notification, channel="email")
    NotificationDelivery.objects.create(
        notification=notification, channel="webpush", subscription=device
    )
    for fields in (
        {"channel": "email"},
        {"channel": "webpush", "subscription": device},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            NotificationDelivery.objects.create(notification=notification, **fields)


def other_public_key() -> str:
    return b64url(public_point(ec.generate_private_key(ec.SECP256R1())))


@pytest.mark.parametrize(
    "change",
    [
        {"WEBPUSH_VAPID_PRIVATE_KEY": ""},
        {"WEBPUSH_VAPID_PUBLIC_KEY": ""},
        {"WEBPUSH_VAPID_PUBLIC_KEY": "other"},
        {"WEBPUSH_VAPID_PRIVATE_KEY": "bm90IGEga2V5"},
        {"WEBPUSH_VAPID_SUBJECT": "thongbao@congdoan.example.vn"},
        {"WEBPUSH_VAPID_SUBJECT": "http://congdoan.example.vn"},
    ],
    ids=["no-private", "no-public", "not-a-pair", "not-a-key", "bare-address", "http"],
)
def test_a_broken_vapid_setting_fails_the_system_check(change, vapid, settings):
    assert webpush_settings_check() == []
    for name, value in change.items():
        setattr(settings, name, other_public_key() if value == "other" else value)

    (error,) = webpush_settings_check()

    assert error.id == WEBPUSH_ERROR
    assert error.is_serious()


def test_the_subject_defaults_to_the_senders_address(vapid, settings):
    settings.WEBPUSH_VAPID_SUBJECT = ""
    settings.DEFAULT_FROM_EMAIL = "Công đoàn <no-reply@congdoan.example.vn>"
    assert webpush_settings_check() == []


def test_webpush_keys_makes_a_pair_and_writes_the_env_file_once(tmp_path, settings):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = settings.WEBPUSH_VAPID_PRIVATE_KEY = ""
    env_file = tmp_path / ".env"
    env_file.write_text("DJANGO_DEBUG=true")

    call_command("webpush_keys", "--env-file", str(env_file), stdout=StringIO())
    written = env_file.read_text()
    call_command("webpush_keys", "--env-file", str(env_file), stdout=StringIO())

    assert env_file.read_text() == written
    lines = dict(
        line.split("=", 1)
        for line in written.splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert lines["DJANGO_DEBUG"] == "true"
    private = int.from_bytes(b64url_decode(lines["WEBPUSH_VAPID_PRIVATE_KEY"]))
    key = ec.derive_private_key(private, ec.SECP256R1())
    assert lines["WEBPUSH_VAPID_PUBLIC_KEY"] == b64url(public_point(key))

    settings.WEBPUSH_VAPID_PUBLIC_KEY = lines["WEBPUSH_VAPID_PUBLIC_KEY"]
    settings.WEBPUSH_VAPID_PRIVATE_KEY = lines["WEBPUSH_VAPID_PRIVATE_KEY"]
    assert webpush_settings_check() == []
    printed = StringIO()
    call_command("webpush_keys", stdout=printed)
    assert [line.split("=")[0] for line in printed.getvalue().splitlines()] == [
        "WEBPUSH_VAPID_PUBLIC_KEY",
        "WEBPUSH_VAPID_PRIVATE_KEY",
    ]
