"""Publishing posts, working out a feed in fixed queries, views and confirmations."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import close_old_connections
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone

from learning import services
from learning.models import FeedConfirmation, FeedCursor, FeedEntry, FeedPost
from members.models import AuditEvent
from tests.learning.factories_feed import make_post

pytestmark = pytest.mark.django_db


def feedback_urls():
    """A stand-in for the feedback app's pages, which learning may only link to."""
    pages = [path("khao-sat/<int:pk>/", lambda request, pk: None, name="survey")]
    return [path("", include((pages, "feedback")))]


def test_staff_cannot_publish_to_units_outside_their_scope(union):
    post = make_post(owner_unit=union.unit_a, audience=(union.unit_b,), publish=False)

    with pytest.raises(PermissionDenied):
        services.feed_post_publish(post=post, actor=union.officer_a)

    post.refresh_from_db()
    assert post.status == FeedPost.Status.DRAFT
    assert post.released_at is None


def test_a_refused_post_says_why_and_is_recorded(union):
    post = make_post(
        owner_unit=union.unit_a,
        category=FeedPost.Category.MESSAGING,
        body="",
        publish=False,
        link_kind=FeedPost.LinkKind.SURVEY,
        link_path="https://evil.example/khao-sat/1/",
    )

    with pytest.raises(ValidationError) as refused:
        services.feed_post_publish(post=post, actor=union.officer_a)

    assert "link_path" in refused.value.message_dict
    post.refresh_from_db()
    assert post.status == FeedPost.Status.DRAFT
    event = AuditEvent.objects.get(
        object_id=str(post.pk), detail__action="feed_post_publish_refused"
    )
    assert event.detail["reasons"]


@override_settings(ROOT_URLCONF="tests.learning.test_feed_services")
def test_a_survey_link_must_be_a_feedback_page_of_this_portal():
    kind = FeedPost.LinkKind.SURVEY
    services.feed_link_check(link_kind=kind, course=None, link_path="/khao-sat/12/")
    for bad in (
        "//evil.example/khao-sat/12/",
        "/khao-sat/12/?next=//evil",
        "javascript:alert(1)",
        "/admin/",
        "/khao-sat/abc/",
        "",
    ):
        with pytest.raises(ValidationError):
            services.feed_link_check(link_kind=kind, course=None, link_path=bad)


urlpatterns = feedback_urls()


def test_a_scheduled_post_reaches_no_feed_before_its_time(union):
    now = timezone.now()
    make_post(
        owner_unit=union.unit_a,
        title="Sắp đăng",
        publish_at=now + timedelta(hours=2),
        actor=union.officer_a,
        now=now,
    )

    services.feed_sync(member=union.member_a, now=now + timedelta(hours=1))
    assert not FeedEntry.objects.filter(member=union.member_a).exists()

    services.feed_sync(member=union.member_a, now=now + timedelta(hours=3))
    entry = FeedEntry.objects.get(member=union.member_a)
    assert entry.delivered_at == now + timedelta(hours=2)


def test_a_post_reaches_the_units_subtree_and_no_other(union, django_user_model):
    from tests.learning.factories import make_learner

    in_group = make_learner(unit=union.group_a, full_name="Lê Văn Tổ")
    now = timezone.now()
    make_post(owner_unit=union.unit_a, actor=union.officer_a, now=now)

    for member in (union.member_a, in_group, union.member_b):
        services.feed_sync(member=member, now=now + timedelta(minutes=1))

    reached = set(FeedEntry.objects.values_list("member_id", flat=True))
    assert reached == {union.member_a.pk, in_group.pk}


def test_working_out_a_feed_takes_fixed_queries_whatever_the_history(
    union, django_assert_num_queries
):
    member = union.member_a
    start = timezone.now() - timedelta(days=25)
    services.feed_sync(member=member, now=start - timedelta(hours=1))
    for day in range(25):
        for hour in range(4):
            make_post(
                owner_unit=union.unit_a,
                category=(
                    FeedPost.Category.MESSAGING
                    if hour == 0
                    else FeedPost.Category.LEARNING
                ),
                now=start + timedelta(days=day, hours=hour),
            )
        services.feed_sync(member=member, now=start + timedelta(days=day, hours=5))
    make_post(owner_unit=union.unit_a, now=start + timedelta(days=25))

    # Something new: the cursor, the new posts, the lock, the last 7 days and
    # waiting messages, the inserts, the deliveries, the cursor saved.
    with django_assert_num_queries(9):
        services.feed_sync(member=member, now=start + timedelta(days=25, hours=1))
    # Nothing new and nothing waiting: two reads.
    FeedEntry.objects.filter(member=member, delivered_at__isnull=True).delete()
    FeedCursor.objects.filter(member=member).update(waiting=0)
    with django_assert_num_queries(2):
        services.feed_sync(member=member, now=start + timedelta(days=25, hours=2))


def test_a_view_is_recorded_once_and_only_for_the_members_delivered_posts(union):
    now = timezone.now()
    mine = make_post(owner_unit=union.unit_a, now=now)
    theirs = make_post(owner_unit=union.unit_b, now=now)
    services.feed_sync(member=union.member_a, now=now + timedelta(minutes=1))

    later = now + timedelta(minutes=2)
    assert (
        services.feed_views_record(
            member=union.member_a, post_ids=[mine.pk, theirs.pk, "x", -1], now=later
        )
        == 1
    )
    assert (
        services.feed_views_record(
            member=union.member_a, post_ids=[mine.pk], now=later + timedelta(minutes=1)
        )
        == 0
    )
    entry = FeedEntry.objects.get(member=union.member_a, post=mine)
    assert entry.viewed_at == later
    assert not FeedEntry.objects.filter(post=theirs).exists()


def mandatory(union, **kw):
    return make_post(
        owner_unit=union.vnpt,
        category=FeedPost.Category.MESSAGING,
        title="Thông báo bắt buộc",
        confirm_by=timezone.localdate() + timedelta(days=5),
        **kw,
    )


def test_confirming_twice_records_one_confirmation(union):
    post = mandatory(union)

    assert services.feed_confirm(member=union.member_a, post=post) is True
    assert services.feed_confirm(member=union.member_a, post=post) is False

    assert FeedConfirmation.objects.filter(post=post).count() == 1


def test_no_confirmation_of_a_post_not_meant_for_the_member_or_not_mandatory(union):
    other = make_post(
        owner_unit=union.unit_b,
        category=FeedPost.Category.MESSAGING,
        confirm_by=timezone.localdate() + timedelta(days=5),
    )
    plain = make_post(owner_unit=union.unit_a, category=FeedPost.Category.MESSAGING)
    scheduled = mandatory(union, publish_at=timezone.now() + timedelta(days=1))

    for post in (other, plain, scheduled):
        with pytest.raises(ValidationError):
            services.feed_confirm(member=union.member_a, post=post)
    assert not FeedConfirmation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_on_postgresql_confirms_once(postgresql):
    from tests.learning.factories import make_small_union

    union = make_small_union()
    post = mandatory(union)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def confirm():
        try:
            barrier.wait(timeout=10)
            results.append(services.feed_confirm(member=union.member_a, post=post))
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(results) == [False, True]
    assert FeedConfirmation.objects.filter(post=post).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_pages_opened_at_once_on_postgresql_deliver_each_post_once(postgresql):
    from tests.learning.factories import make_small_union

    union = make_small_union()
    now = timezone.now()
    for number in range(8):
        make_post(
            owner_unit=union.unit_a,
            title=f"Tin {number}",
            category=(
                FeedPost.Category.MESSAGING
                if number % 2
                else FeedPost.Category.ENTERTAINMENT
            ),
            now=now,
        )
    barrier = threading.Barrier(2)
    errors = []

    def open_feed():
        try:
            barrier.wait(timeout=10)
            services.feed_sync(member=union.member_a, now=now + timedelta(minutes=1))
        except Exception as error:
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=open_feed) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    entries = FeedEntry.objects.filter(member=union.member_a)
    assert entries.count() == 8
    # Four engaging posts make room for one message; three wait.
    assert entries.filter(messaging=True, delivered_at__isnull=False).count() == 1
    assert entries.filter(delivered_at__isnull=True).count() == 3


def test_a_waiting_message_costs_two_reads_until_room_can_open(
    union, django_assert_num_queries
):
    member = union.member_a
    start = timezone.now() - timedelta(days=10)
    services.feed_sync(member=member, now=start - timedelta(hours=1))
    for number in range(4):
        make_post(owner_unit=union.unit_a, now=start + timedelta(minutes=number))
    first, second = (
        make_post(
            owner_unit=union.unit_a,
            title=f"Tuyên truyền {number}",
            category=FeedPost.Category.MESSAGING,
            now=start + timedelta(hours=1),
        )
        for number in range(2)
    )
    services.feed_sync(member=member, now=start + timedelta(hours=2))
    entries = FeedEntry.objects.filter(member=member, messaging=True)
    assert entries.filter(delivered_at__isnull=False).count() == 1
    cursor = FeedCursor.objects.get(member=member)
    assert cursor.waiting == 1
    assert cursor.recheck_at == start + timedelta(hours=1, days=7)

    # Nothing new and the first message still in the window: no room, two reads.
    with django_assert_num_queries(2):
        services.feed_sync(member=member, now=start + timedelta(days=3))
    # A week on, the first message ages out, and the four engaging posts with
    # it: still no room, and nothing is delivered.
    services.feed_sync(member=member, now=start + timedelta(days=7, hours=2))
    assert entries.filter(delivered_at__isnull=True).count() == 1
    assert FeedCursor.objects.get(member=member).recheck_at is None
    # Four new engaging posts make room for the waiting one.
    for number in range(4):
        make_post(
            owner_unit=union.unit_a,
            now=start + timedelta(days=8, minutes=number),
        )
    services.feed_sync(member=member, now=start + timedelta(days=8, hours=1))
    assert entries.filter(delivered_at__isnull=True).count() == 0
    assert {first.pk, second.pk} == set(entries.values_list("post_id", flat=True))
