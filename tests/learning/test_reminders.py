"""Deadline reminders of assigned courses: three days and one day before, once each."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from learning import services
from learning.models import Enrolment
from members.models import Member, Notification
from members.reminders import reminder_get
from members.services.notifications import reminder_run
from tests.learning.factories import make_course, make_learner
from tests.members.factories import make_member
from unionportal.schedules import schedules_install

pytestmark = pytest.mark.django_db

KIND = "learning.assignment_deadline"
TODAY = date(2025, 3, 10)


@pytest.fixture
def assigned(union, time_machine):
    """A VNPT course assigned to union A, due on 13/03/2025 (three days on)."""
    time_machine.move_to("2025-03-10 07:00 +0700", tick=False)
    course = make_course(owner_unit=union.vnpt, title="Chuyển đổi số")
    services.course_assign(
        course=course,
        units=[union.unit_a],
        deadline=TODAY + timedelta(days=3),
        actor=union.officer_vnpt,
    )
    return course


def notified(kind: str = KIND) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("pk")
        .values_list("recipient_id", "title")
    )


def test_members_not_finished_are_reminded_three_days_and_one_day_before(
    union, assigned
):
    user = union.member_a.user
    # The reminders are written in the site's language, Vietnamese.
    reminder_run(kind=KIND, today=TODAY)
    reminder_run(kind=KIND, today=TODAY + timedelta(days=1))
    reminder_run(kind=KIND, today=TODAY + timedelta(days=2))

    assert notified() == [
        (user.pk, "Chuyển đổi số: còn 3 ngày nữa là hết hạn"),
        (user.pk, "Chuyển đổi số: ngày mai là hết hạn"),
    ]
    body = Notification.objects.filter(kind=KIND).first().body
    assert "13/03/2025" in body


def test_a_reminder_is_stored_once_however_often_it_runs(union, assigned):
    for _ in range(3):
        reminder_run(kind=KIND, today=TODAY)

    assert len(notified()) == 1
    key = Notification.objects.get(kind=KIND).dedupe_key
    enrolment = Enrolment.objects.get(member=union.member_a)
    user_id = union.member_a.user_id
    assert key == f"course-deadline:{enrolment.pk}:2025-03-13:T-3:{user_id}"


def test_members_finished_self_enrolled_without_account_or_gone_are_not_reminded(
    union, assigned
):
    finished = make_learner(unit=union.unit_a, full_name="Đã Học Xong")
    gone = make_learner(unit=union.unit_a, full_name="Đã Nghỉ Hưu")
    no_account = make_member(unit=union.unit_a, full_name="Chưa Có Tài Khoản")
    services.assignments_sync()
    Enrolment.objects.filter(member=finished).update(completed_at=timezone.now())
    Member.objects.filter(pk=gone.pk).update(status=Member.Status.RETIRED)
    own = make_course(owner_unit=union.vnpt, deadline=TODAY + timedelta(days=3))
    services.course_enrol(course=own, member=union.member_b)
    assert Enrolment.objects.filter(member=no_account).exists()

    reminder_run(kind=KIND, today=TODAY)

    assert [recipient for recipient, _title in notified()] == [union.member_a.user_id]


def test_a_moved_deadline_is_reminded_again(union, assigned):
    reminder_run(kind=KIND, today=TODAY)
    services.course_assign(
        course=assigned,
        units=[union.unit_a],
        deadline=TODAY + timedelta(days=4),
        actor=union.officer_vnpt,
    )

    reminder_run(kind=KIND, today=TODAY + timedelta(days=1))

    assert len(notified()) == 2


def test_the_reminder_and_the_nightly_sync_have_their_schedules(db):
    kind = reminder_get(KIND)
    assert kind.crontab == {"minute": "0", "hour": "8"}
    assert not kind.mandatory

    schedules_install()
    assert PeriodicTask.objects.filter(
        name=f"reminder:{KIND}", task="members.tasks.reminder_due"
    ).exists()
    assert PeriodicTask.objects.filter(
        name="learning:assignments-sync", task="learning.tasks.assignments_sync"
    ).exists()
