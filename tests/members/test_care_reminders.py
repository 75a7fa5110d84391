"""Care reminders: birthdays, unvisited cases, the weekly radar, and their schedules."""

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from members import services
from members.models import Member, Notification, StaffRole, Unit, User
from members.reminders.care import care_birthdays, care_cases_unvisited
from members.services.notifications import reminder_run
from members.tasks import reminder_due
from tests.members.factories import (
    make_care_case,
    make_member,
    make_relative,
    make_staff,
    make_unit,
    reloaded,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CARE = StaffRole.Role.CARE_OFFICER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("task_queue")]


@dataclass(frozen=True)
class Tree:
    """VNPT with two grassroots unions (Hà Nội, with a union group, and HCM)."""

    hanoi: Unit
    hanoi_group: Unit
    hcm: Unit
    hanoi_care: User
    group_care: User
    hcm_care: User
    upper_care: User
    hanoi_viewer: User
    hanoi_officer: User


@pytest.fixture
def tree() -> Tree:
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT", level=Unit.Level.SECTOR)
    vnpt = make_unit(
        code="VNPT",
        name="Công đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    hanoi = make_unit(
        code="VNPT-HN",
        name="CĐCS VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=vnpt,
    )
    group = make_unit(
        code="VNPT-HN-KT",
        name="Tổ Kỹ thuật",
        level=Unit.Level.GROUP,
        parent=hanoi,
    )
    hcm = make_unit(
        code="VNPT-HCM",
        name="CĐCS VNPT TP. HCM",
        level=Unit.Level.GRASSROOTS,
        parent=vnpt,
    )
    vnpt, hanoi, group, hcm = (reloaded(u) for u in (vnpt, hanoi, group, hcm))

    def staff(slug: str, unit: Unit, role: str = CARE) -> User:
        return make_staff(
            email=f"{slug}@example.vn", name=f"Cán bộ {slug}", unit=unit, role=role
        )

    return Tree(
        hanoi=hanoi,
        hanoi_group=group,
        hcm=hcm,
        hanoi_care=staff("chamlo.hn", hanoi),
        group_care=staff("chamlo.to", group),
        hcm_care=staff("chamlo.hcm", hcm),
        upper_care=staff("chamlo.vnpt", vnpt),
        hanoi_viewer=staff("xem.hn", hanoi, StaffRole.Role.VIEWER),
        hanoi_officer=staff("canbo.hn", hanoi, StaffRole.Role.OFFICER),
    )


def received(kind: str) -> set[tuple[str, str]]:
    """(recipient e-mail, dedupe key) of every notification of the kind."""
    return set(
        Notification.objects.filter(kind=kind).values_list(
            "recipient__email", "dedupe_key"
        )
    )


# Birthdays -----------------------------------------------------------------


def birthday_key(person: str, pk: int, on: date, officer: User) -> str:
    return f"care-birthday:{person}:{pk}:{on}:{officer.pk}"


def test_birthday_tomorrow_goes_to_the_care_officers_of_the_grassroots_union(
    tree, task_queue, time_machine
):
    member = make_member(
        unit=tree.hanoi, full_name="Nguyễn Văn An", date_of_birth=date(1985, 6, 15)
    )
    spouse = make_relative(
        member=member, full_name="Trần Thị Hoa", date_of_birth=date(1990, 6, 15)
    )
    in_group = make_member(
        unit=tree.hanoi_group,
        full_name="Lê Thị Bích",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1979, 6, 15),
    )
    in_hcm = make_member(
        unit=tree.hcm, full_name="Võ Văn Nam", date_of_birth=date(1988, 6, 15)
    )
    make_member(
        unit=tree.hanoi, full_name="Đỗ Văn Mai", date_of_birth=date(1988, 6, 16)
    )
    left = make_member(
        unit=tree.hanoi, full_name="Phí Văn Nghỉ", date_of_birth=date(1970, 6, 15)
    )
    left.status = Member.Status.LEFT
    services.member_save(member=left)
    # 00:30 in Hà Nội is still the 13th in UTC: the task must use Vietnam's date.
    time_machine.move_to(datetime(2025, 6, 14, 0, 30, tzinfo=HCM), tick=False)

    reminder_due.delay(kind="care.birthday")
    reminder_due.delay(kind="care.birthday")
    task_queue.work()

    on = date(2025, 6, 15)
    assert received("care.birthday") == {
        (tree.hanoi_care.email, birthday_key("member", member.pk, on, tree.hanoi_care)),
        (
            tree.hanoi_care.email,
            birthday_key("relative", spouse.pk, on, tree.hanoi_care),
        ),
        (
            tree.hanoi_care.email,
            birthday_key("member", in_group.pk, on, tree.hanoi_care),
        ),
        (
            tree.group_care.email,
            birthday_key("member", in_group.pk, on, tree.group_care),
        ),
        (tree.hcm_care.email, birthday_key("member", in_hcm.pk, on, tree.hcm_care)),
    }
    about_spouse = Notification.objects.get(
        dedupe_key=birthday_key("relative", spouse.pk, on, tree.hanoi_care)
    )
    assert "Trần Thị Hoa" in about_spouse.title
    assert "Nguyễn Văn An" in about_spouse.title
    assert "15/06/2025" in about_spouse.body
    assert about_spouse.link == f"/admin/members/member/{member.pk}/change/"


@pytest.mark.parametrize("today", [date(2025, 6, 13), date(2025, 6, 15)])
def test_birthday_is_told_the_day_before_only(tree, today):
    make_member(
        unit=tree.hanoi, full_name="Nguyễn Văn An", date_of_birth=date(1985, 6, 15)
    )

    reminder_run(kind="care.birthday", today=today)

    assert received("care.birthday") == set()


def test_born_on_29_february_is_told_on_28_february_of_a_common_year(tree):
    leapling = make_member(
        unit=tree.hanoi, full_name="Hoàng Văn Nhuận", date_of_birth=date(1992, 2, 29)
    )
    leapling_child = make_relative(
        member=leapling, full_name="Hoàng Thị Bé", date_of_birth=date(2000, 2, 29)
    )
    march = make_member(
        unit=tree.hanoi, full_name="Lý Thị Xuân", date_of_birth=date(1990, 3, 1)
    )
    officer = tree.hanoi_care

    reminder_run(kind="care.birthday", today=date(2025, 2, 28))

    first_march = date(2025, 3, 1)
    assert received("care.birthday") == {
        (officer.email, birthday_key("member", leapling.pk, first_march, officer)),
        (
            officer.email,
            birthday_key("relative", leapling_child.pk, first_march, officer),
        ),
        (officer.email, birthday_key("member", march.pk, first_march, officer)),
    }
    assert all(
        "01/03/2025" in body
        for body in Notification.objects.values_list("body", flat=True)
    )
    reminder_run(kind="care.birthday", today=first_march)
    assert Notification.objects.count() == 3

    # In a leap year each is told once, on their own day.
    reminder_run(kind="care.birthday", today=date(2028, 2, 28))
    reminder_run(kind="care.birthday", today=date(2028, 2, 29))
    leap_year = {key for _email, key in received("care.birthday") if ":2028-" in key}
    assert leap_year == {
        birthday_key("member", leapling.pk, date(2028, 2, 29), officer),
        birthday_key("relative", leapling_child.pk, date(2028, 2, 29), officer),
        birthday_key("member", march.pk, date(2028, 3, 1), officer),
    }


# Care cases with no visit --------------------------------------------------

OPENED = date(2025, 5, 1)


@pytest.fixture
def case_clock(settings, time_machine):
    """Fourteen days without a visit, and a clock late enough to log visits."""
    settings.CARE_UNVISITED_DAYS = 14
    time_machine.move_to(datetime(2025, 6, 30, 9, tzinfo=HCM), tick=False)


def unvisited_key(case, last: date, officer: User) -> str:
    return f"care-unvisited:{case.pk}:{last}:{officer.pk}"


@pytest.mark.usefixtures("case_clock")
def test_open_case_with_no_visit_is_told_after_the_configured_days(tree):
    member = make_member(unit=tree.hanoi, full_name="Nguyễn Văn Ốm")
    case = make_care_case(member=member, summary="Nằm viện", opened_on=OPENED)

    reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=14))
    assert received("care.case_unvisited") == set()

    reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=15))

    assert received("care.case_unvisited") == {
        (tree.hanoi_care.email, unvisited_key(case, OPENED, tree.hanoi_care))
    }
    notification = Notification.objects.get()
    assert "Nguyễn Văn Ốm" in notification.title
    assert "15" in notification.title
    assert notification.link == f"/admin/members/carecase/{case.pk}/change/"


@pytest.mark.usefixtures("case_clock")
def test_visit_silences_the_case_until_it_lapses_again(tree):
    member = make_member(unit=tree.hanoi_group, full_name="Lê Văn Gãy Chân")
    case = make_care_case(member=member, summary="Tai nạn", opened_on=OPENED)
    officers = (tree.hanoi_care, tree.group_care)

    for day in (15, 16, 17):
        reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=day))
    assert received("care.case_unvisited") == {
        (o.email, unvisited_key(case, OPENED, o)) for o in officers
    }

    visited = OPENED + timedelta(days=20)
    services.care_visit_log(case=case, visited_on=visited, visited_by="Ban chăm lo")
    for day in (21, 30, 34):
        reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=day))
    assert Notification.objects.count() == 2

    reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=35))
    reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=36))

    assert received("care.case_unvisited") == {
        (o.email, unvisited_key(case, last, o))
        for o in officers
        for last in (OPENED, visited)
    }


@pytest.mark.usefixtures("case_clock")
def test_closed_case_is_never_told(tree):
    member = make_member(unit=tree.hanoi, full_name="Nguyễn Thị Khỏi")
    case = make_care_case(member=member, summary="Đã khỏi", opened_on=OPENED)
    services.care_case_close(case=case, closed_on=OPENED + timedelta(days=3))

    for day in (15, 60):
        reminder_run(kind="care.case_unvisited", today=OPENED + timedelta(days=day))

    assert received("care.case_unvisited") == set()


def more_officers_and_cases(tree, *, count: int) -> None:
    """Add care officers and open cases, stale and visited, across the units."""
    for n in range(count):
        unit = (tree.hanoi, tree.hanoi_group, tree.hcm)[n % 3]
        make_staff(
            email=f"chamlo.them{n}@example.vn",
            name=f"Cán bộ thêm {n}",
            unit=unit,
            role=CARE,
        )
        member = make_member(unit=unit, full_name=f"Đoàn Viên Ốm {n}")
        make_care_case(member=member, summary=f"Nằm viện {n}", opened_on=OPENED)
        make_care_case(
            member=member,
            summary=f"Đã thăm {n}",
            opened_on=OPENED,
            visits=(OPENED + timedelta(days=10),),
        )


@pytest.mark.usefixtures("case_clock")
def test_unvisited_cases_are_found_in_two_queries_however_many_officers_and_cases(
    tree, django_assert_num_queries
):
    today = OPENED + timedelta(days=20)
    stale = make_care_case(
        member=make_member(unit=tree.hanoi_group, full_name="Lê Văn Gãy Chân"),
        summary="Tai nạn",
        opened_on=OPENED,
    )
    make_care_case(
        member=make_member(unit=tree.hcm, full_name="Võ Văn Mới"),
        summary="Mới nhập viện",
        opened_on=today - timedelta(days=2),
    )

    # The officers with their units, then the open cases with no recent visit.
    with django_assert_num_queries(2):
        targets = list(care_cases_unvisited(today=today))
    assert {(t.recipient_id, t.dedupe_key) for t in targets} == {
        (o.pk, unvisited_key(stale, OPENED, o))
        for o in (tree.hanoi_care, tree.group_care)
    }

    more_officers_and_cases(tree, count=6)
    with django_assert_num_queries(2):
        targets = list(care_cases_unvisited(today=today))
    # Six officers see the group (three there, three in Hà Nội above it), three
    # see Hà Nội, three HCM: three stale cases in the group, two in each other.
    assert len(targets) == 3 * 6 + 2 * 3 + 2 * 3
    assert not any("Đã thăm" in t.body or "Mới nhập" in t.body for t in targets)


def test_birthdays_are_found_in_three_queries_however_many_officers(
    tree, django_assert_num_queries
):
    in_group = make_member(
        unit=tree.hanoi_group,
        full_name="Lê Thị Bích",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1979, 6, 15),
    )
    spouse = make_relative(
        member=in_group, full_name="Trần Văn Hoà", date_of_birth=date(1978, 6, 15)
    )
    today = date(2025, 6, 14)

    # The officers, the members, the relatives.
    with django_assert_num_queries(3):
        targets = list(care_birthdays(today=today))
    on = date(2025, 6, 15)
    assert {(t.recipient_id, t.dedupe_key) for t in targets} == {
        (o.pk, birthday_key(person, pk, on, o))
        for o in (tree.hanoi_care, tree.group_care)
        for person, pk in (("member", in_group.pk), ("relative", spouse.pk))
    }

    for n in range(6):
        make_staff(
            email=f"chamlo.them{n}@example.vn",
            name=f"Cán bộ thêm {n}",
            unit=(tree.hanoi, tree.hanoi_group, tree.hcm)[n % 3],
            role=CARE,
        )
    with django_assert_num_queries(3):
        targets = list(care_birthdays(today=today))
    assert len(targets) == 2 * (2 + 4)


# Weekly digest -------------------------------------------------------------


def test_weekly_digest_goes_once_an_iso_week_to_each_officer_with_news(tree):
    member = make_member(unit=tree.hanoi, full_name="Nguyễn Văn Lâu")
    make_care_case(member=member, summary="Ốm dài ngày", opened_on=date(2024, 11, 1))
    officer = tree.hanoi_care
    prefix = f"care-digest:{officer.pk}:{tree.hanoi.pk}"

    # Monday 30 December 2024 opens ISO week 1 of 2025.
    for today in (date(2024, 12, 30), date(2025, 1, 2), date(2025, 1, 5)):
        reminder_run(kind="care.weekly_digest", today=today)
    assert received("care.weekly_digest") == {(officer.email, f"{prefix}:2025-W01")}

    reminder_run(kind="care.weekly_digest", today=date(2025, 1, 6))

    assert received("care.weekly_digest") == {
        (officer.email, f"{prefix}:2025-W01"),
        (officer.email, f"{prefix}:2025-W02"),
    }
    digest = Notification.objects.filter(kind="care.weekly_digest").first()
    assert tree.hanoi.name in digest.title


# Schedules -----------------------------------------------------------------


def test_setup_schedules_installs_the_care_reminders_in_vietnam_time():
    PeriodicTask.objects.filter(name__startswith="reminder:").delete()
    for _ in range(2):
        call_command("setup_schedules", stdout=StringIO())

    expected = {
        "care.birthday": ("0", "8", "*"),
        "care.case_unvisited": ("30", "8", "*"),
        "care.weekly_digest": ("0", "7", "1"),
    }
    for kind, (minute, hour, day_of_week) in expected.items():
        (task,) = PeriodicTask.objects.filter(name=f"reminder:{kind}")
        assert task.task == "members.tasks.reminder_due"
        assert json.loads(task.kwargs) == {"kind": kind}
        assert json.loads(task.args) == []
        assert task.enabled
        crontab = task.crontab
        assert (crontab.minute, crontab.hour, crontab.day_of_week) == (
            minute,
            hour,
            day_of_week,
        )
        assert (crontab.day_of_month, crontab.month_of_year) == ("*", "*")
        assert str(crontab.timezone) == "Asia/Ho_Chi_Minh"
    release = PeriodicTask.objects.get(name="notifications:release-held")
    assert release.task == "members.tasks.deliveries_release"
    assert release.interval.every == 60
