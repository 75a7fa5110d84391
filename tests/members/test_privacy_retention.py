"""Retention: members who left are de-identified after MEMBER_RETENTION_DAYS."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from members import services
from members.models import AuditEvent, ImportChange, ImportRun, Member
from members.selectors.privacy import retention_report
from members.tasks import retention_run
from tests.members.factories import make_member, make_union_tree

pytestmark = pytest.mark.django_db

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2025, 6, 15)
DAYS = 365


@pytest.fixture
def tree(time_machine, settings):
    settings.MEMBER_RETENTION_DAYS = DAYS
    time_machine.move_to(datetime(2025, 6, 15, 9, 0, tzinfo=VN), tick=False)
    return make_union_tree()


def leave(member: Member, on: date) -> Member:
    """Mark a member as left on a given day (the admin's edit, backdated)."""
    member = Member.objects.get(pk=member.pk)
    member.status = Member.Status.LEFT
    services.member_save(member=member)
    Member.objects.filter(pk=member.pk).update(left_on=on)
    return Member.objects.get(pk=member.pk)


@pytest.fixture
def leavers(tree):
    """Long gone, gone a day too few, gone but back, and gone long ago elsewhere."""
    long_gone = leave(tree.own_member, TODAY - timedelta(days=DAYS + 30))
    recent = leave(tree.group_member, TODAY - timedelta(days=DAYS - 1))
    sibling = leave(tree.sibling.member, TODAY - timedelta(days=DAYS))
    return long_gone, recent, sibling


def test_leaving_dates_the_member_and_returning_clears_the_date(tree):
    member = Member.objects.get(pk=tree.own_member.pk)
    member.status = Member.Status.LEFT
    services.member_save(member=member)
    assert Member.objects.get(pk=member.pk).left_on == TODAY

    member.status = Member.Status.ACTIVE
    services.member_save(member=member)

    assert Member.objects.get(pk=member.pk).left_on is None


def test_the_dry_run_lists_who_would_go_and_changes_nothing(leavers):
    long_gone, recent, sibling = leavers
    out = io.StringIO()

    call_command("retention_report", stdout=out)

    report = out.getvalue()
    assert f"#{long_gone.pk}\t" in report
    assert f"#{sibling.pk}\t" in report
    assert f"#{recent.pk}\t" not in report
    assert long_gone.employee_code in report
    # Who, by number and code: no name, no national ID in a console.
    assert long_gone.full_name not in report
    assert long_gone.national_id not in report
    assert "--apply" in report
    assert not Member.objects.filter(erased_at__isnull=False).exists()
    assert Member.objects.get(pk=long_gone.pk).full_name == long_gone.full_name


def test_apply_de_identifies_exactly_those_listed(leavers):
    long_gone, recent, sibling = leavers

    call_command("retention_report", "--apply", stdout=io.StringIO())

    erased = set(Member.objects.filter(erased_at__isnull=False).values_list("pk"))
    assert erased == {(long_gone.pk,), (sibling.pk,)}
    member = Member.objects.get(pk=long_gone.pk)
    assert member.national_id is None
    assert member.full_name != long_gone.full_name
    assert member.status == Member.Status.LEFT
    assert not member.relatives.exists()
    assert Member.objects.get(pk=recent.pk).full_name == recent.full_name
    events = AuditEvent.objects.filter(action=AuditEvent.Action.ERASED)
    assert {event.detail["reason"] for event in events} == {"retention"}
    assert {event.actor for event in events} == {None}


def test_the_nightly_task_applies_and_is_scheduled(leavers):
    long_gone, _recent, sibling = leavers

    assert sorted(retention_run()) == sorted([long_gone.pk, sibling.pk])
    assert retention_run() == []
    schedules = apps.get_app_config("members").celery_schedules
    (entry,) = [s for s in schedules if s["task"] == "members.tasks.retention_run"]
    assert entry["crontab"]


def test_a_zero_period_turns_retention_off(leavers, settings):
    settings.MEMBER_RETENTION_DAYS = 0
    out = io.StringIO()

    call_command("retention_report", "--apply", stdout=out)

    assert "MEMBER_RETENTION_DAYS=0" in out.getvalue()
    assert not Member.objects.filter(erased_at__isnull=False).exists()


def test_members_left_by_an_import_are_dated_by_that_import(tree):
    # The HRM import marks members as left in bulk, without a date.
    member = make_member(unit=tree.vnpt_hn, full_name="Lò Văn Nhập")
    old = make_member(unit=tree.vnpt_hn, full_name="Mã Thị Cũ")
    Member.objects.filter(pk__in=[member.pk, old.pk]).update(status=Member.Status.LEFT)
    run = ImportRun.objects.create(
        employer=tree.vnpt,
        source=ImportRun.Source.SCHEDULE,
        file_name="vnpt.csv",
        file_sha256="0" * 64,
        status=ImportRun.Status.DONE,
    )
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=datetime(2024, 1, 10, 9, 0, tzinfo=VN)
    )
    ImportChange.objects.create(
        run=run,
        action=ImportChange.Action.UPDATED,
        member=old,
        employee_code=old.employee_code,
        changes={"status": ["active", "left"]},
    )

    rows = {row.member.pk: row for row in retention_report(today=TODAY)}
    assert set(rows) == {old.pk}
    assert rows[old.pk].left_on == date(2024, 1, 10)
    assert not rows[old.pk].recorded
    assert Member.objects.get(pk=old.pk).left_on is None  # a dry run

    retention_run()

    assert Member.objects.get(pk=old.pk).erased_at is not None
    # The other starts its period today: the date it was first seen as left.
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.left_on, fresh.erased_at) == (TODAY, None)


def test_the_member_list_filters_who_is_due_within_the_staffs_scope(
    client, tree, leavers
):
    long_gone, recent, sibling = leavers
    client.force_login(tree.grassroots_officer)
    url = reverse("admin:members_member_changelist")

    due = client.get(url, {"retention": "due"}).context["cl"].result_list
    soon = client.get(url, {"retention": "soon"}).context["cl"].result_list

    assert [member.pk for member in due] == [long_gone.pk]
    assert sorted(member.pk for member in soon) == sorted([long_gone.pk, recent.pk])
    assert sibling.pk not in [member.pk for member in soon]
