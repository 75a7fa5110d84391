"""Bulk writes of an import: COPY on PostgreSQL, Django's bulk methods elsewhere."""

from datetime import date

import pytest
from django.db import transaction

from members.bulk import rows_insert, rows_update
from members.models import ImportChange, ImportRun, Member, Unit
from tests.members.factories import make_member, make_unit, reloaded

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    employer = make_unit(
        code="VNPT", name="Công đoàn VNPT", level=Unit.Level.UPPER, is_employer=True
    )
    return reloaded(
        make_unit(
            code="VNPT-HN",
            name="CĐCS VNPT Hà Nội",
            level=Unit.Level.GRASSROOTS,
            parent=employer,
        )
    )


def test_inserted_rows_read_back_as_written_with_their_keys(unit):
    employer = Unit.objects.get(code="VNPT")
    members = [
        Member(
            employer_id=employer.pk,
            unit=unit,
            employee_code=f"NV{i:03d}",
            full_name="Nguyễn Thị Hoà",
            full_name_folded="nguyen thi hoa",
            date_of_birth=date(1990, 1, 1 + i),
            national_id=None,
        )
        for i in range(3)
    ]
    with transaction.atomic():
        rows_insert(Member, members)
    assert all(member.pk for member in members)
    stored = Member.objects.get(pk=members[1].pk)
    assert (stored.employee_code, stored.full_name, stored.date_of_birth) == (
        "NV001",
        "Nguyễn Thị Hoà",
        date(1990, 1, 2),
    )
    assert stored.national_id is None
    assert stored.created_at is not None
    assert stored.updated_at is not None
    assert stored.status == Member.Status.ACTIVE  # the field's default

    run = ImportRun.objects.create(employer=employer, file_name="a.xlsx")
    rows_insert(
        ImportChange,
        [
            {
                "run_id": run.pk,
                "action": ImportChange.Action.NEW,
                "row_number": 5,
                "member_id": members[0].pk,
                "employee_code": "NV000",
                "full_name": "Nguyễn Thị Hoà",
                "changes": {"full_name": "Nguyễn Thị Hoà", "date": "1990-01-01"},
            }
        ],
    )
    change = ImportChange.objects.get(run=run)
    assert change.changes == {"full_name": "Nguyễn Thị Hoà", "date": "1990-01-01"}
    assert change.member_id == members[0].pk


def test_updates_write_only_the_named_fields_and_can_run_twice_in_one_transaction(
    unit,
):
    first = make_member(unit=unit, full_name="Trần Văn Bình")
    second = make_member(unit=unit, full_name="Lê Thị Cúc")
    before = Member.objects.get(pk=second.pk).updated_at
    first.position, second.position = "Kỹ sư", "Chuyên viên"
    second.full_name = "changed in memory only"
    with transaction.atomic():
        rows_update(Member, [first, second], ["position", "updated_at"])
        first.hrm_hash = "abc"
        rows_update(Member, [first], ["hrm_hash"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.position, first.hrm_hash) == ("Kỹ sư", "abc")
    assert (second.position, second.full_name) == ("Chuyên viên", "Lê Thị Cúc")
    assert second.updated_at > before
