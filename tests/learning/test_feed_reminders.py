"""The reminder of a mandatory message: only to its audience who have not confirmed."""

from datetime import date, timedelta

import pytest

from learning import services
from learning.models import FeedPost
from members.models import Member, Notification
from members.services.notifications import reminder_run
from tests.learning.factories import make_learner
from tests.learning.factories_feed import make_post

pytestmark = pytest.mark.django_db

KIND = "learning.feed_confirm"
TODAY = date(2025, 3, 10)


@pytest.fixture
def message(union, time_machine):
    """A mandatory VNPT message for union A, to confirm by 13/03/2025."""
    time_machine.move_to("2025-03-10 07:00 +0700", tick=False)
    return make_post(
        owner_unit=union.vnpt,
        audience=(union.unit_a,),
        category=FeedPost.Category.MESSAGING,
        title="Nghị quyết Đại hội",
        confirm_by=TODAY + timedelta(days=3),
        actor=union.officer_vnpt,
    )


def recipients() -> list[int]:
    return list(
        Notification.objects.filter(kind=KIND)
        .order_by("pk")
        .values_list("recipient_id", flat=True)
    )


def test_only_unconfirmed_members_of_the_audience_are_reminded(union, message):
    confirmed = union.member_a
    waiting = make_learner(unit=union.group_a, full_name="Phạm Văn Chưa Đọc")
    gone = make_learner(unit=union.unit_a, full_name="Hồ Thị Đã Nghỉ")
    Member.objects.filter(pk=gone.pk).update(status=Member.Status.LEFT)
    services.feed_confirm(member=confirmed, post=message)

    reminder_run(kind=KIND, today=TODAY)

    # Not the confirmed one, not union B's member (not in the audience), not
    # a member who left.
    assert recipients() == [waiting.user_id]
    notification = Notification.objects.get(kind=KIND)
    assert "Nghị quyết Đại hội" in notification.title
    assert "13/03/2025" in notification.body
    assert notification.link == f"/bang-tin/{message.pk}/"


def test_each_stage_is_sent_once_however_often_the_task_runs(union, message):
    reminder_run(kind=KIND, today=TODAY)
    reminder_run(kind=KIND, today=TODAY)
    reminder_run(kind=KIND, today=TODAY + timedelta(days=1))
    reminder_run(kind=KIND, today=TODAY + timedelta(days=2))

    assert recipients() == [union.member_a.user_id, union.member_a.user_id]


def test_a_member_who_confirmed_after_the_first_reminder_gets_no_second(union, message):
    reminder_run(kind=KIND, today=TODAY)
    services.feed_confirm(member=union.member_a, post=message)

    reminder_run(kind=KIND, today=TODAY + timedelta(days=2))

    assert recipients() == [union.member_a.user_id]


def test_a_withdrawn_message_is_not_reminded(union, message):
    services.feed_post_withdraw(post=message, actor=union.officer_vnpt)

    reminder_run(kind=KIND, today=TODAY)

    assert recipients() == []
