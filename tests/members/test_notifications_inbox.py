"""The portal inbox, its menu badge, the notification settings and admin."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from members.models import (
    Notification,
    NotificationDelivery,
    NotificationPreference,
    StaffRole,
    User,
)
from members.services.notifications import notify, reminder_run
from tests.conftest import vi
from tests.members.factories import (
    birthday_near,
    make_member,
    make_permissions_group,
    make_staff,
    make_union_tree,
)
from tests.members.test_scope import crawl_as
from unionportal.navigation import nav_items

pytestmark = pytest.mark.django_db

INBOX = "/thong-bao/"
SETTINGS = "/thong-bao/cai-dat/"
READ_ALL = "/thong-bao/doc-het/"
# The user (the session is in the cache), the paginator's count, the page's
# rows, the menu badge's unread count, and the member behind the account for
# the menu's greeting (User.get_short_name).
INBOX_QUERIES = 5
# The menu badge: one COUNT of the person's unread notifications.
BADGE_QUERIES = 1
Status = NotificationDelivery.Status


def opened(pk: int) -> str:
    return f"/thong-bao/{pk}/doc/"


def note(user: User, key: str, *, title: str = "", link: str = "", **fields):
    """Store a notification for ``user`` through the engine."""
    return notify(
        recipient=user,
        kind=fields.pop("kind", "test.message"),
        dedupe_key=f"test:{user.pk}:{key}",
        title=title or f"Thông báo {key}",
        link=link,
        **fields,
    )


@pytest.fixture
def person(make_user) -> User:
    return make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa")


@pytest.fixture
def stranger(make_user) -> User:
    return make_user("nam.tran@example.vn", "Trần Văn Nam")


@pytest.fixture
def person_client(client, person) -> Client:
    client.force_login(person)
    return client


def inbox_item(user: User):
    return next(i for i in nav_items(user=user) if i.url_name == "members:inbox")


# Inbox ---------------------------------------------------------------------


def test_inbox_lists_the_persons_own_notifications_newest_first(
    person_client, person, stranger
):
    older = note(person, "1", title="Lịch khám sức khoẻ định kỳ")
    newer = note(person, "2", title="Khảo sát nhu cầu sắp đóng", body="Còn 2 ngày.")
    Notification.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=1), read_at=timezone.now()
    )
    note(stranger, "1", title="Thông báo của người khác")

    page = person_client.get(INBOX).content.decode()

    assert page.index("Khảo sát nhu cầu sắp đóng") < page.index(
        "Lịch khám sức khoẻ định kỳ"
    )
    assert "Còn 2 ngày." in page
    assert "Thông báo của người khác" not in page
    assert f'id="notification-{newer.pk}" class="notification unread"' in page
    assert f'id="notification-{older.pk}" class="notification"' in page
    assert page.count(f"<mark>{vi('New')}</mark>") == 1
    assert vi("Mark all as read") in page


@pytest.mark.parametrize("count", [1, 20])
def test_inbox_query_count_is_pinned(
    person_client, person, django_assert_num_queries, count
):
    for n in range(count):
        note(person, str(n))

    with django_assert_num_queries(INBOX_QUERIES):
        page = person_client.get(INBOX).content.decode()

    assert page.count('class="notification unread"') == count


def test_inbox_shows_twenty_a_page(person_client, person):
    for n in range(25):
        note(person, f"{n:02d}", title=f"Tin số {n:02d}")

    first = person_client.get(INBOX).content.decode()
    second = person_client.get(INBOX, {"page": 2}).content.decode()

    assert first.count('class="notification unread"') == 20
    assert "Tin số 24" in first
    assert "Tin số 04" not in first
    assert second.count('class="notification unread"') == 5
    assert "Tin số 04" in second
    assert "Tin số 00" in second


def test_opening_marks_read_and_goes_to_the_local_link(person_client, person):
    notification = note(person, "1", link="/than-nhan/")

    response = person_client.post(opened(notification.pk))

    assert response.status_code == 302
    assert response.url == "/than-nhan/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "ho-so/", ""],
)
def test_a_link_that_is_not_a_local_path_is_not_followed(person_client, person, link):
    notification = note(person, "1", link=link)

    response = person_client.post(opened(notification.pk))

    assert response.status_code == 302
    assert response.url == INBOX
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_persons_notification_is_not_found_and_stays_unread(
    person_client, stranger
):
    theirs = note(stranger, "1", title="Thông báo của người khác", link="/ho-so/")

    response = person_client.post(opened(theirs.pk))

    assert response.status_code == 404
    assert "Thông báo của người khác" not in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_needs_a_post_with_the_csrf_token(person):
    notification = note(person, "1", link="/ho-so/")
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    assert client.get(opened(notification.pk)).status_code == 405
    assert client.post(opened(notification.pk)).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_persons_own(person_client, person, stranger):
    mine = [note(person, str(n)) for n in range(3)]
    theirs = note(stranger, "1")

    response = person_client.post(READ_ALL, follow=True)

    page = response.content.decode()
    assert response.redirect_chain == [(INBOX, 302)]
    assert not Notification.objects.filter(
        pk__in=[n.pk for n in mine], read_at__isnull=True
    ).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    with translation.override("vi"):
        told = translation.ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            3,
        ) % {"count": 3}
    assert escape(told) in page
    assert 'class="notification unread"' not in page
    assert vi("Mark all as read") not in page


def test_anonymous_visitor_is_sent_to_login(client):
    for path in (INBOX, SETTINGS):
        response = client.get(path)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    assert client.post(READ_ALL).url.startswith(reverse("account_login"))


# The badge in the menu -------------------------------------------------------


def test_menu_shows_the_unread_count_next_to_notifications(
    person_client, person, stranger
):
    first, _second = note(person, "1"), note(person, "2")
    note(stranger, "1")

    page = person_client.get("/").content.decode()
    assert (
        f'href="{INBOX}">{vi("Notifications")} <mark class="portal-badge">2</mark>'
        in (page)
    )
    assert '<mark class="portal-badge" id="account-unread">2</mark>' in page

    person_client.post(opened(first.pk))
    page = person_client.get("/").content.decode()
    assert f'{vi("Notifications")} <mark class="portal-badge">1</mark>' in page

    person_client.post(READ_ALL)
    page = person_client.get("/").content.decode()
    assert f'href="{INBOX}">{vi("Notifications")}</a>' in page
    assert "portal-badge" not in page


def test_badge_is_one_count_query_read_once(
    person, stranger, django_assert_num_queries
):
    note(person, "1")
    note(person, "2")
    note(stranger, "1")
    item = inbox_item(person)

    with django_assert_num_queries(BADGE_QUERIES) as captured:
        assert item.badge == 2
        assert item.badge == 2
    assert "COUNT(" in captured.captured_queries[0]["sql"].upper()


def test_pages_that_do_not_show_the_menu_do_not_count(client, superuser):
    note(superuser, "1")
    client.force_login(superuser)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("admin:index")).status_code == 200

    notification_table = Notification._meta.db_table
    assert not [q for q in captured if notification_table in q["sql"]]


# Notification settings -------------------------------------------------------


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def care_officer(tree) -> User:
    return make_staff(
        email="chamlo.hanoi@example.vn",
        name="Phan Thị Chăm Lo",
        unit=tree.vnpt_hn,
        role=StaffRole.Role.CARE_OFFICER,
    )


def test_settings_list_every_kind_with_who_receives_it(client, care_officer):
    client.force_login(care_officer)

    page = client.get(SETTINGS).content.decode()

    with translation.override("vi"):
        for text in (
            "Birthdays of members and relatives tomorrow",
            "Care cases with no visit for too long",
            "Weekly care radar",
        ):
            assert escape(gettext(text)) in page, text
        recipients = gettext("Care officers of the grassroots union")
    assert escape(recipients) in page
    assert 'name="receive" value="care.birthday" checked' in page
    assert 'name="receive" value="care.weekly_digest" checked' in page
    # The mandatory kind is shown on, and cannot be ticked off.
    assert 'value="care.case_unvisited"' not in page
    assert '<input type="checkbox" role="switch" checked disabled>' in page
    assert vi("Required: always on") in page


def test_opting_out_of_an_optional_kind_stops_it_for_that_person_only(
    client, tree, care_officer
):
    colleague = make_staff(
        email="chamlo2.hanoi@example.vn",
        name="Đặng Văn Hỏi Thăm",
        unit=tree.vnpt_hn,
        role=StaffRole.Role.CARE_OFFICER,
    )
    tomorrow = tree.today + timedelta(days=1)
    make_member(
        unit=tree.vnpt_hn,
        full_name="Vũ Thị Sinh Nhật",
        date_of_birth=birthday_near(tomorrow, year=1990),
    )
    client.force_login(care_officer)

    response = client.post(
        SETTINGS,
        {"kind": ["care.birthday", "care.weekly_digest"], "receive": []},
        follow=True,
    )

    assert vi("Your notification settings were saved.") in response.content.decode()
    assert dict(
        NotificationPreference.objects.filter(user=care_officer).values_list(
            "kind", "enabled"
        )
    ) == {"care.birthday": False, "care.weekly_digest": False}
    page = client.get(SETTINGS).content.decode()
    assert 'name="receive" value="care.birthday">' in page

    reminder_run(kind="care.birthday", today=tree.today)
    single = note(care_officer, "1", kind="care.birthday", mandatory=False)

    birthdays = Notification.objects.filter(kind="care.birthday")
    assert not birthdays.filter(recipient=care_officer).exists()
    assert single is None
    assert birthdays.filter(recipient=colleague, title__contains="Vũ Thị Sinh Nhật")

    client.post(
        SETTINGS,
        {"kind": ["care.birthday", "care.weekly_digest"], "receive": "care.birthday"},
    )
    assert note(care_officer, "2", kind="care.birthday", mandatory=False)
    assert (
        NotificationPreference.objects.get(
            user=care_officer, kind="care.weekly_digest"
        ).enabled
        is False
    )


def test_a_mandatory_kind_cannot_be_turned_off(client, care_officer):
    client.force_login(care_officer)

    response = client.post(
        SETTINGS,
        {"kind": ["care.case_unvisited", "care.birthday"], "receive": []},
        follow=True,
    )

    page = response.content.decode()
    assert vi("This notification cannot be turned off.") in page
    assert vi("Care cases with no visit for too long") in page
    assert vi("Your notification settings were saved.") not in page
    # Nothing stored, not even the optional kind posted alongside.
    assert not NotificationPreference.objects.filter(user=care_officer).exists()
    assert note(care_officer, "1", kind="care.case_unvisited", mandatory=True)


def test_unknown_kinds_posted_are_ignored(client, care_officer):
    client.force_login(care_officer)

    client.post(SETTINGS, {"kind": ["learning.nonexistent"], "receive": []})

    assert not NotificationPreference.objects.filter(user=care_officer).exists()


# Admin ---------------------------------------------------------------------


@pytest.fixture
def staff_client(client, tree) -> Client:
    officer = tree.grassroots_officer
    officer.groups.add(make_permissions_group("Mọi quyền"))
    client.force_login(officer)
    return client


def failed(notification: Notification) -> NotificationDelivery:
    delivery = notification.deliveries.get(channel="email")
    delivery.status, delivery.attempts = Status.FAILED, 6
    delivery.last_error = "SMTP 421 thử lại sau"
    delivery.save(update_fields=["status", "attempts", "last_error"])
    return delivery


def test_staff_see_only_their_own_notifications_and_deliveries_in_the_admin(
    staff_client, tree
):
    mine = note(tree.grassroots_officer, "1", title="Việc của tôi")
    theirs = note(tree.sibling_officer, "1", title="Canary Sibling Notification")
    failed(theirs)

    notifications = staff_client.get(
        reverse("admin:members_notification_changelist")
    ).content.decode()
    deliveries = staff_client.get(
        reverse("admin:members_notificationdelivery_changelist")
    )
    own_change = staff_client.get(
        reverse("admin:members_notification_change", args=[mine.pk])
    ).content.decode()
    other_change = staff_client.get(
        reverse("admin:members_notification_change", args=[theirs.pk]), follow=True
    )

    assert "Việc của tôi" in notifications
    assert "Canary Sibling Notification" not in notifications
    assert deliveries.context["cl"].result_count == 1
    assert "Canary Sibling Notification" not in deliveries.content.decode()
    assert "Việc của tôi" in own_change
    assert mine.dedupe_key in own_change
    assert other_change.redirect_chain[0][0] == reverse("admin:index")
    assert "Canary Sibling Notification" not in other_change.content.decode()


def test_superusers_see_everyones_notifications(client, tree, superuser):
    note(tree.grassroots_officer, "1", title="Việc của cán bộ Hà Nội")
    note(tree.sibling_officer, "1", title="Việc của cán bộ TP. HCM")
    client.force_login(superuser)

    response = client.get(reverse("admin:members_notification_changelist"))

    page = response.content.decode()
    assert response.context["cl"].result_count == 2
    assert "Việc của cán bộ Hà Nội" in page
    assert "Việc của cán bộ TP. HCM" in page
    assert tree.sibling_officer.name in page


def test_admin_filters_by_read_and_kind(client, superuser):
    read = note(superuser, "1", title="Đã đọc rồi", kind="care.birthday")
    note(superuser, "2", title="Vẫn còn mới", kind="care.weekly_digest")
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client.force_login(superuser)
    changelist = reverse("admin:members_notification_changelist")

    unread = client.get(changelist, {"read": "no"}).content.decode()
    birthdays = client.get(changelist, {"kind": "care.birthday"}).content.decode()

    assert "Vẫn còn mới" in unread
    assert "Đã đọc rồi" not in unread
    assert "Đã đọc rồi" in birthdays
    assert "Vẫn còn mới" not in birthdays
    assert vi("Birthdays of members and relatives tomorrow") in birthdays


def test_retry_requeues_the_selected_failed_deliveries(
    client, superuser, django_capture_on_commit_callbacks
):
    first = failed(note(superuser, "1"))
    second = failed(note(superuser, "2"))
    sent = note(superuser, "3").deliveries.get()
    sent.status = Status.SENT
    sent.save(update_fields=["status"])
    client.force_login(superuser)

    with (
        mock.patch("members.tasks.deliveries_send.apply_async") as publish,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("admin:members_notificationdelivery_changelist"),
            {
                "action": "retry_failed",
                helpers.ACTION_CHECKBOX_NAME: [first.pk, second.pk, sent.pk],
            },
            follow=True,
        )

    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    sent.refresh_from_db()
    assert (first.status, second.status, sent.status) == (
        Status.PENDING,
        Status.PENDING,
        Status.SENT,
    )
    publish.assert_called_once()
    assert sorted(publish.call_args.kwargs["kwargs"]["delivery_ids"]) == sorted(
        [first.pk, second.pk]
    )
    messages = [str(m) for m in response.context["messages"]]
    with translation.override("vi"):
        requeued = translation.ngettext(
            "%(count)d failed delivery will be sent again.",
            "%(count)d failed deliveries will be sent again.",
            2,
        ) % {"count": 2}
    assert requeued in messages
    assert len(messages) == 2


def test_staff_retry_only_their_own_failed_deliveries(staff_client, tree):
    mine = failed(note(tree.grassroots_officer, "1"))
    theirs = failed(note(tree.sibling_officer, "1"))

    with mock.patch("members.tasks.deliveries_send.apply_async"):
        staff_client.post(
            reverse("admin:members_notificationdelivery_changelist"),
            {
                "action": "retry_failed",
                helpers.ACTION_CHECKBOX_NAME: [mine.pk, theirs.pk],
            },
        )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Status.PENDING
    assert theirs.status == Status.FAILED


def test_the_scope_crawler_finds_no_sibling_notification(client, tree):
    officer = tree.grassroots_officer
    officer.groups.add(make_permissions_group("Mọi quyền"))
    failed(note(officer, "1", title="Own Notification Marker"))
    canaries = [
        note(tree.sibling_officer, "1", title="Canary Officer Notification"),
        note(tree.sibling.account, "1", title="Canary Member Notification"),
    ]
    failed(canaries[0])

    crawl = crawl_as(
        client,
        officer,
        out_of_scope=[*canaries, *(c.deliveries.get() for c in canaries)],
    )

    assert crawl.leaks({"canary": "Canary Officer Notification"}) == {}
    assert crawl.leaks({"canary": "Canary Member Notification"}) == {}
    assert crawl.opened == []
    assert crawl.row_counts["members.Notification"] == 1
    assert crawl.row_counts["members.NotificationDelivery"] == 1
    notifications = reverse("admin:members_notification_changelist")
    assert notifications in crawl.showing("Own Notification Marker")
