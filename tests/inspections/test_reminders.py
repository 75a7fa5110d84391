"""Reminders: the team 7 and 1 days before; owners weekly; the chair after 14 days."""

from datetime import date, timedelta

import pytest

from inspections import services
from members.models import Notification, StaffRole
from members.services.notifications import reminder_run
from members.services.staff import staff_role_grant
from tests.inspections.factories import make_activity
from tests.members.factories import make_account, make_member, make_staff

pytestmark = pytest.mark.django_db

UPCOMING = "inspections.activity_upcoming"
OVERDUE = "inspections.recommendation_overdue"
START = date(2026, 4, 20)
DUE = date(2026, 4, 30)


def notified(kind):
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("pk")
        .values_list("recipient_id", "dedupe_key")
    )


def run_days(kind, first: date, last: date):
    day = first
    while day <= last:
        reminder_run(kind=kind, today=day)
        day += timedelta(days=1)


def test_the_team_is_reminded_seven_days_and_one_day_before(
    tree, plan, inspector, time_machine
):
    time_machine.move_to("2026-04-01 07:00 +0700", tick=False)
    activity = make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        team=[tree.sibling_officer],
        start=START,
    )
    run_days(UPCOMING, date(2026, 4, 1), START)
    run_days(UPCOMING, date(2026, 4, 10), date(2026, 4, 19))  # run again: nothing new

    sent = Notification.objects.filter(kind=UPCOMING).order_by("pk")
    people = sorted((n.recipient_id, n.dedupe_key.split(":")[3]) for n in sent)
    assert people == sorted(
        [
            (inspector.pk, "T-7"),
            (tree.sibling_officer.pk, "T-7"),
            (inspector.pk, "T-1"),
            (tree.sibling_officer.pk, "T-1"),
        ]
    )
    assert sent.filter(dedupe_key__contains="T-1").first().title.startswith("Ngày mai")
    # Moved a week on: reminded again for the new date.
    services.activity_update(
        actor=None,
        activity=activity,
        planned_start=START + timedelta(days=7),
        planned_end=START + timedelta(days=8),
    )
    reminder_run(kind=UPCOMING, today=START)
    assert Notification.objects.filter(kind=UPCOMING).count() == 6


def test_cancelled_activities_are_not_reminded(tree, plan, inspector, time_machine):
    time_machine.move_to("2026-04-01 07:00 +0700", tick=False)
    make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        start=START,
        status="cancelled",
    )
    reminder_run(kind=UPCOMING, today=START - timedelta(days=7))
    assert notified(UPCOMING) == []


@pytest.fixture
def overdue(tree, plan, inspector, time_machine):
    """A recommendation to VNPT Hà Nội, its owner a member there, due 30/04/2026."""
    time_machine.move_to("2026-04-01 09:00 +0700", tick=False)
    owner = make_account(
        make_member(unit=tree.vnpt_hn, full_name="Vũ Thị Chủ", email="chu@vnpt.vn")
    )
    activity = make_activity(
        plan=plan, inspected=tree.vnpt_hn, lead=inspector, status="concluded"
    )
    finding = services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Nộp chậm"
    )
    return services.recommendation_create(
        actor=inspector,
        finding=finding,
        text="Nộp đủ đoàn phí",
        owner=owner,
        due_date=DUE,
    )


def test_the_owner_is_reminded_weekly_from_the_due_date_then_the_chair(
    tree, overdue, time_machine
):
    owner, chair = overdue.owner_id, tree.grassroots_officer.pk
    # A viewer of the unit is no chair.
    viewer = make_staff(email="xem@vnpt.vn", name="Người Xem", unit=None)
    staff_role_grant(user=viewer, unit=tree.vnpt_hn, role=StaffRole.Role.VIEWER)
    time_machine.move_to("2026-04-29 07:30 +0700", tick=False)
    run_days(OVERDUE, date(2026, 4, 20), DUE - timedelta(days=1))
    assert notified(OVERDUE) == []

    time_machine.move_to("2026-05-21 07:30 +0700", tick=False)
    run_days(OVERDUE, DUE, DUE + timedelta(days=21))
    sent = notified(OVERDUE)
    to_owner = [key for user, key in sent if user == owner]
    assert [key.split(":")[3] for key in to_owner] == ["W0", "W1", "W2", "W3"]
    # The chair (the unit's officer) hears once, on the fourteenth day.
    to_chair = [key for user, key in sent if user == chair]
    assert len(to_chair) == 1
    escalated = Notification.objects.get(recipient_id=chair, kind=OVERDUE)
    assert "14" in escalated.title
    assert viewer.pk not in {user for user, _key in sent}


def test_a_response_stops_the_reminders(tree, overdue, time_machine):
    time_machine.move_to("2026-05-02 07:30 +0700", tick=False)
    reminder_run(kind=OVERDUE, today=DUE)
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.recommendation_respond(
        user=overdue.owner,
        recommendation=overdue,
        response="Đã nộp đủ",
        evidence=SimpleUploadedFile("bien-lai.pdf", b"%PDF-1.4"),
    )
    run_days(OVERDUE, DUE + timedelta(days=1), DUE + timedelta(days=30))
    assert len(notified(OVERDUE)) == 1


def test_the_chair_is_the_nearest_unit_with_an_officer(tree):
    # VNPT Hà Nội's union group has no officer: its chair is VNPT Hà Nội's.
    assert services.unit_chairs(tree.vnpt_hn_group) == [tree.grassroots_officer.pk]
    assert services.unit_chairs(tree.vnpt_hn) == [tree.grassroots_officer.pk]
