"""The demo's HRM import: VNPT's staff list as its HRM system would export it.

The file is made from the register, with what a first import of a real
export brings: a department code on every row, hire dates, a move between
two of the employer's units, a person who retired, two people missing, new
hires, a member of another employer arriving, and three rows the importer
must hold (a CCCD of 11 digits, a row without a name, a department nobody
mapped). It goes through the importer itself (import_run_create, then
import_run_execute), as `manage.py import_hrm` does.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q

from members.eligibility import years_before
from members.models import HrmDepartment, ImportRun, Member, Unit, User
from members.retirement import retirement_date
from members.services.hrm_import import import_run_create, import_run_execute

EMPLOYER = "VNPT"
HEADERS = [
    "STT",
    "Mã NV",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Điện thoại",
    "Email",
    "Mã đơn vị",
    "Tên đơn vị",
    "Chức danh",
    "Ngày vào công ty",
    "Trạng thái",
]
GENDERS = {Member.Gender.MALE: "Nam", Member.Gender.FEMALE: "Nữ"}
WORKING, RETIRED = "Đang làm việc", "Nghỉ hưu"
UNMAPPED = ("CNTT", "Trung tâm Công nghệ thông tin VNPT")


@dataclass(frozen=True)
class NewHire:
    """A person the register does not know yet: (family, middle, given), age, unit."""

    code: str
    name: str
    gender: str
    age: int
    unit_index: int
    national_id: str = ""  # made from the rest when empty
    department: tuple[str, str] | None = None  # a department of its own


NEW_HIRES = [
    NewHire("VNPT00601", "Phạm Minh Khoa", Member.Gender.MALE, 26, 0),
    NewHire("VNPT00602", "Đỗ Thị Lan Anh", Member.Gender.FEMALE, 24, 1),
    NewHire("VNPT00603", "Vũ Quang Huy", Member.Gender.MALE, 31, 2),
    # Held: a CCCD of 11 digits, a row without a name, an unmapped department.
    NewHire(
        "VNPT00605",
        "Ngô Thị Hồng",
        Member.Gender.FEMALE,
        29,
        3,
        national_id="00119712345",
    ),
    NewHire("VNPT00606", "", Member.Gender.MALE, 35, 4),
    NewHire("VNPT00607", "Lý Văn Tùng", Member.Gender.MALE, 33, 0, department=UNMAPPED),
]
# The code VNPT gives the member of another employer who joins it.
ARRIVING_CODE = "VNPT00604"


def department_of(unit: Unit) -> tuple[str, str]:
    """Return the HRM department code and name behind a unit of VNPT.

    A grassroots union VNPT-03 is department DV03; a group of the full-size
    register, VNPT-001-T02, is DV001-T02.
    """
    name = unit.name.removeprefix("Công đoàn cơ sở ").removeprefix("Tổ công đoàn ")
    return f"DV{unit.code.split('-', 1)[-1]}", name


def department_units(employer: Unit) -> list[Unit]:
    """Return the employer's units an HRM department maps to, in code order.

    Its grassroots unions, and the groups under them that hold members (the
    full-size register puts members in groups; the small demo does not).
    """
    return list(
        Unit.objects.filter(path__startswith=employer.path)
        .filter(
            Q(level=Unit.Level.GRASSROOTS)
            | Q(level=Unit.Level.GROUP, members__isnull=False)
        )
        .distinct()
        .order_by("code")
    )


def _cells(member: Member, department: tuple[str, str], status: str) -> list[str]:
    return [
        member.employee_code,
        member.full_name,
        f"{member.date_of_birth:%d/%m/%Y}",
        GENDERS[member.gender],
        member.national_id,
        member.phone,
        member.email,
        *department,
        member.position,
        f"{member.union_joined_on:%d/%m/%Y}",
        status,
    ]


def _new_hire_cells(hire: NewHire, unit: Unit, today: date, serial: int) -> list[str]:
    born = years_before(today, hire.age) - timedelta(days=40 * serial % 300)
    century_gender = (hire.gender == Member.Gender.FEMALE) + 2 * (born.year >= 2000)
    national_id = hire.national_id or (
        f"001{century_gender}{born.year % 100:02d}{600000 + serial:06d}"
    )
    return [
        hire.code,
        hire.name,
        f"{born:%d/%m/%Y}",
        GENDERS[hire.gender],
        national_id,
        f"0912 000 {serial:03d}",
        f"{hire.code.lower()}@example.vn",
        *(hire.department or department_of(unit)),
        "Nhân viên kỹ thuật",
        f"{today - timedelta(days=20):%d/%m/%Y}",
        WORKING,
    ]


@dataclass(frozen=True)
class DemoFile:
    """The file's bytes and who in it does what, for the command's summary."""

    content: bytes
    missing: list[Member]
    moved: Member
    retired: Member
    arriving: Member


def demo_hrm_file(*, employer: Unit, keep: set[int], today: date) -> DemoFile:
    """Write VNPT's HRM export as a CSV (UTF-8 with a byte order mark, as Excel does).

    ``keep`` are members whose own rows must stay as the register has them
    (the demo accounts' member).
    """
    mapped = department_units(employer)
    units = [unit for unit in mapped if unit.level == Unit.Level.GRASSROOTS]
    departments = {unit.pk: department_of(unit) for unit in mapped}
    members = list(
        Member.objects.filter(employer=employer, status=Member.Status.ACTIVE)
        .select_related("unit")
        .order_by("pk")
    )
    others = [m for m in members if m.pk not in keep]
    missing = others[-2:]
    moved = next(m for m in others if m.unit.path.startswith(units[3].path))
    retired = min(
        (m for m in others[:-2] if m.pk != moved.pk),
        key=lambda m: retirement_date(gender=m.gender, birth_date=m.date_of_birth),
    )
    arriving = (
        Member.objects.filter(
            status=Member.Status.ACTIVE, unit__code__startswith="MOBIFONE"
        )
        .order_by("pk")
        .first()
    )
    missing_pks = {m.pk for m in missing}
    rows = []
    for member in members:
        if member.pk in missing_pks:
            continue
        department = departments[member.unit_id]
        if member.pk == moved.pk:
            department = departments[units[4].pk]
        status = RETIRED if member.pk == retired.pk else WORKING
        rows.append(_cells(member, department, status))
    newcomer = _cells(arriving, departments[units[1].pk], WORKING)
    newcomer[0] = ARRIVING_CODE
    newcomer[6] = f"{ARRIVING_CODE.lower()}@example.vn"
    rows.append(newcomer)
    for serial, hire in enumerate(NEW_HIRES, start=1):
        unit = units[hire.unit_index]
        rows.append(_new_hire_cells(hire, unit, today, serial))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for number, row in enumerate(rows, start=1):
        writer.writerow([str(number), *row])
    return DemoFile(
        content=out.getvalue().encode("utf-8-sig"),
        missing=missing,
        moved=moved,
        retired=retired,
        arriving=arriving,
    )


def demo_hrm_import(*, admin: User, keep: set[int], today: date) -> ImportRun | None:
    """Map VNPT's departments and import its file once; None if imported before."""
    employer = Unit.objects.get(code=EMPLOYER)
    if ImportRun.objects.filter(employer=employer).exists():
        return None
    with transaction.atomic():
        # The admin's HRM departments page does the same: map each department.
        for unit in department_units(employer):
            code, name = department_of(unit)
            if not HrmDepartment.objects.filter(employer=employer, code=code).exists():
                department = HrmDepartment(
                    employer=employer, code=code, name=name, unit=unit
                )
                department.full_clean()
                department.save()
    demo = demo_hrm_file(employer=employer, keep=keep, today=today)
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=f"VNPT_danh_sach_nhan_su_{today:%Y_%m}.csv",
        content=demo.content,
        started_by=admin,
    )
    run = import_run_execute(run_id=run.pk)
    if run.status != ImportRun.Status.DONE:
        raise CommandError(f"The demo's HRM import ended {run.status}: {run.message}")
    return run
