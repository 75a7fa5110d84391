"""HRM import runs through the command, the service and the task: data, not codes."""

import json
import os
import time
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext

from members import services, tasks
from members.models import (
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
    Member,
    Notification,
    Transfer,
    Unit,
)
from members.services.hrm_import import (
    import_drop_dir_scan,
    import_run_create,
    import_run_execute,
)
from tests.conftest import require_service
from tests.members.factories import (
    make_member,
    make_staff,
    make_unit,
    national_id_for,
    phone_for,
    reloaded,
)
from tests.members.hrm import conftest as hrm_files
from tests.members.hrm.builders import SHARED_HRM, VN_HEADERS

# The file builders of the HRM reading tests, shared with these.
make_csv = hrm_files.make_csv
make_xlsx = hrm_files.make_xlsx

DOB = date(1990, 1, 6)
HIRED = date(2015, 2, 14)
# Compared between runs: everything an HRM file sets, and where the member is.
COMPARED = [
    "employer__code", "employee_code", "unit__code", "national_id", "full_name",
    "full_name_folded", "date_of_birth", "gender", "phone", "email", "position",
    "employment_status", "hired_on", "department_code", "hrm_hash",
    "hrm_absent_since", "status",
]  # fmt: skip


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def org(db):
    """A sector union with two employers, each with a grassroots union and staff."""
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT", level=Unit.Level.SECTOR)
    upper = Unit.Level.UPPER
    vnpt = make_unit(
        code="VNPT", name="Công đoàn VNPT", level=upper, parent=sector, is_employer=True
    )
    vtc = make_unit(
        code="VTC", name="Công đoàn VTC", level=upper, parent=sector, is_employer=True
    )
    grassroots = Unit.Level.GRASSROOTS
    vnpt_hn = make_unit(
        code="VNPT-HN", name="CĐCS VNPT Hà Nội", level=grassroots, parent=vnpt
    )
    vnpt_hcm = make_unit(
        code="VNPT-HCM", name="CĐCS VNPT TP.HCM", level=grassroots, parent=vnpt
    )
    vtc_dt = make_unit(
        code="VTC-DT", name="CĐCS VTC Truyền hình số", level=grassroots, parent=vtc
    )
    vnpt, vtc, vnpt_hn, vnpt_hcm, vtc_dt = (
        reloaded(u) for u in (vnpt, vtc, vnpt_hn, vnpt_hcm, vtc_dt)
    )
    HrmDepartment.objects.create(employer=vnpt, code="DV01", unit=vnpt_hn)
    HrmDepartment.objects.create(employer=vnpt, code="DV02", unit=vnpt_hcm)
    HrmDepartment.objects.create(employer=vtc, code="TH01", unit=vtc_dt)

    class Org:
        pass

    o = Org()
    o.vnpt, o.vtc, o.vnpt_hn, o.vnpt_hcm, o.vtc_dt = (
        vnpt,
        vtc,
        vnpt_hn,
        vnpt_hcm,
        vtc_dt,
    )
    o.vnpt_officer = make_staff(email="cb.vnpt@example.vn", name="Bùi Văn A", unit=vnpt)
    o.vtc_officer = make_staff(email="cb.vtc@example.vn", name="Hồ Thị B", unit=vtc)
    return o


def hrm_row(i: int, **overrides) -> list:
    """Return a valid row under VN_HEADERS for employee ``i`` (1-based)."""
    gender = overrides.pop("gender_value", "male" if i % 2 else "female")
    dob = overrides.pop("dob_value", date(1970 + i % 30, 1 + i % 12, 1 + i % 28))
    values = {
        "STT": str(i),
        "Mã NV": f"NV{i:05d}",
        "Họ và tên": f"Nguyễn Văn Số {i}",
        "Ngày sinh": f"{dob:%d/%m/%Y}",
        "Giới tính": "Nam" if gender == "male" else "Nữ",
        "Số CCCD": national_id_for(
            date_of_birth=dob, gender=gender, serial=i, province="001"
        ),
        "Điện thoại": phone_for(500_000 + i),
        "Email": f"nv{i}@example.vn",
        "Mã đơn vị": "DV01" if i % 3 else "DV02",
        "Tên đơn vị": "Trung tâm",
        "Chức danh": "Kỹ sư",
        "Ngày vào công ty": f"{HIRED:%d/%m/%Y}",
        "Trạng thái": "Đang làm việc",
    }
    values.update(overrides)
    return [values[h] for h in VN_HEADERS]


def rows_for(n: int, per_row: dict | None = None) -> list[list]:
    """Return the header and ``n`` valid rows; ``per_row[i]`` overrides row i."""
    per_row = per_row or {}
    return [VN_HEADERS] + [hrm_row(i, **per_row.get(i, {})) for i in range(1, n + 1)]


def run_command(path, *, employer="VNPT", **options) -> ImportRun:
    call_command("import_hrm", str(path), employer=employer, **options)
    return ImportRun.objects.order_by("-pk").first()


def register(employer: Unit) -> list[tuple]:
    """Return the employer's members, every compared field, ordered by code."""
    return list(
        Member.objects.filter(employer=employer)
        .order_by("employee_code")
        .values_list(*COMPARED)
    )


def counts(run: ImportRun) -> tuple:
    return (
        run.status, run.total_rows, run.count_new, run.count_updated,
        run.count_unchanged, run.count_held, run.count_absent, run.count_transfers,
    )  # fmt: skip


def translated(msgid: str, **params) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid) % params


# Headers and values --------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        ["Ma NV", "Ho va ten", "Ngay sinh", "Gioi tinh", "So CCCD", "Ma don vi"],
        ["mã  nhân viên", "HỌ TÊN", "Ngày sinh", "Giới tính", "CMND/CCCD", "MÃ ĐƠN VỊ"],
        [
            "Employee ID",
            "Full name",
            "Date of birth",
            "Gender",
            "National ID",
            "Department code",
        ],
    ],
    ids=["no-diacritics", "vietnamese-any-case", "english"],
)
def test_header_aliases_with_and_without_diacritics_import(org, make_csv, headers):
    cccd = national_id_for(date_of_birth=DOB, gender="male", serial=1)
    path = make_csv(
        [headers, ["NV01", "Trần Văn Bình", "06/01/1990", "Nam", cccd, "DV01"]]
    )

    run = run_command(path)

    assert run.status == ImportRun.Status.DONE
    member = Member.objects.get(employer=org.vnpt, employee_code="NV01")
    assert member.full_name == "Trần Văn Bình"
    assert member.date_of_birth == DOB
    assert member.gender == Member.Gender.MALE
    assert member.national_id == cccd
    assert member.unit == org.vnpt_hn


def test_nfd_name_is_stored_composed(org, make_csv):
    name = "Nguyễn Thị Hường"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    path = make_csv(rows_for(1, {1: {"Họ và tên": decomposed}}))

    run_command(path)

    member = Member.objects.get(employee_code="NV00001")
    assert member.full_name == name
    assert unicodedata.is_normalized("NFC", member.full_name)


def test_date_formats_and_excel_serials_read_as_the_same_day(org, make_xlsx):
    serial = (DOB - date(1899, 12, 30)).days
    forms = ["06/01/1990", "6/1/1990", "1990-01-06", serial, DOB, "06-01-1990"]
    rows = [VN_HEADERS]
    for i, form in enumerate(forms, start=1):
        row = hrm_row(i, dob_value=DOB, gender_value="male")
        row[VN_HEADERS.index("Ngày sinh")] = form
        row[VN_HEADERS.index("Ngày vào công ty")] = (
            "14/2/2015" if i % 2 else "2015-02-14"
        )
        rows.append(row)
    path = make_xlsx(rows)

    run = run_command(path)

    assert run.count_new == len(forms), run.message
    births = Member.objects.filter(employer=org.vnpt).values_list(
        "date_of_birth", "hired_on"
    )
    assert set(births) == {(DOB, HIRED)}


def test_leading_zeros_of_cccd_and_codes_are_kept(org, make_xlsx):
    dob = date(1990, 9, 9)
    cccd = national_id_for(
        date_of_birth=dob, gender="male", serial=952965, province="009"
    )
    assert cccd.startswith("009")
    row = hrm_row(1, dob_value=dob, gender_value="male")
    row[VN_HEADERS.index("Mã NV")] = "000123"
    row[VN_HEADERS.index("Số CCCD")] = cccd  # a text cell, as HRM systems export it
    path = make_xlsx([VN_HEADERS, row])

    run_command(path)

    member = Member.objects.get(employer=org.vnpt)
    assert member.employee_code == "000123"
    assert member.national_id == cccd


def test_shared_sample_lands_its_good_rows_and_holds_its_faults(org):
    path = SHARED_HRM / "sample_vnpt.xlsx"
    require_service(path.exists(), f"the shared HRM sample {path}")
    HrmProfile.objects.create(employer=org.vnpt, default_unit=org.vnpt_hn)

    run = run_command(path, confirm=True)

    held = dict(ImportHeldRow.objects.filter(run=run).values_list("row_number", "code"))
    assert "duplicate_code" in held.values()
    assert run.count_held == len(held)
    assert run.count_new == Member.objects.filter(employer=org.vnpt).count()
    assert run.count_new + run.count_held == 40
    for name in Member.objects.values_list("full_name", flat=True):
        assert unicodedata.is_normalized("NFC", name)


# Rules ---------------------------------------------------------------------


def test_duplicate_codes_hold_both_rows_while_the_rest_land(org, make_csv):
    rows = rows_for(60, {7: {"Mã NV": "NV00042"}})  # row 7 repeats row 42's code
    path = make_csv(rows)

    run = run_command(path)

    assert run.status == ImportRun.Status.DONE
    assert Member.objects.filter(employer=org.vnpt).count() == 58
    assert not Member.objects.filter(employee_code="NV00042").exists()
    held = ImportHeldRow.objects.filter(run=run)
    # Row numbers are the spreadsheet's: the header is row 1.
    assert sorted(held.values_list("row_number", "code")) == [
        (8, "duplicate_code"),
        (43, "duplicate_code"),
    ]
    assert {h.values["Mã NV"] for h in held} == {"NV00042"}
    assert "8" in held.first().reason
    assert "43" in held.first().reason
    assert (run.count_new, run.count_held) == (58, 2)


def test_members_absent_from_a_full_file_are_flagged_never_deleted_and_lifted(
    org, make_csv
):
    run_command(make_csv(rows_for(20), name="all.csv"))
    today = timezone.localdate()

    without = rows_for(20)
    del without[20]  # employee 20, the last row
    second = run_command(make_csv(without, name="without.csv"))

    assert second.status == ImportRun.Status.DONE
    assert second.count_absent == 1
    assert Member.objects.filter(employer=org.vnpt).count() == 20
    missing = Member.objects.get(employee_code="NV00020")
    assert missing.hrm_absent_since == today
    assert missing.status == Member.Status.ACTIVE
    assert Member.objects.filter(hrm_absent_since__isnull=False).count() == 1
    assert ImportChange.objects.filter(
        run=second, action=ImportChange.Action.ABSENT, member=missing
    ).exists()

    third = run_command(make_csv(rows_for(20), name="back.csv"))

    missing.refresh_from_db()
    assert missing.hrm_absent_since is None
    assert (third.count_new, third.count_updated, third.count_absent) == (0, 0, 0)
    assert not Member.objects.filter(hrm_absent_since__isnull=False).exists()


def test_breaker_stops_a_file_with_too_many_invalid_rows_until_confirmed(org, make_csv):
    bad = {"Số CCCD": "12345678901"}  # 11 digits
    rows = rows_for(20, {3: bad, 9: bad})  # 10% invalid
    path = make_csv(rows)

    stopped = run_command(path)

    assert stopped.status == ImportRun.Status.NEEDS_CONFIRMATION
    assert "5%" in stopped.message
    assert Member.objects.count() == 0
    assert not ImportChange.objects.filter(member__isnull=False).exists()
    assert stopped.count_held == 2

    confirmed = run_command(path, confirm=True)

    assert confirmed.status == ImportRun.Status.DONE
    assert Member.objects.filter(employer=org.vnpt).count() == 18
    assert (
        ImportChange.objects.filter(
            run=confirmed, action=ImportChange.Action.NEW, member__isnull=False
        ).count()
        == 18
    )
    held = ImportHeldRow.objects.filter(run=confirmed)
    assert sorted(held.values_list("row_number", "column")) == [
        (4, "Số CCCD"),
        (10, "Số CCCD"),
    ]


def test_breaker_stops_a_file_missing_too_many_members_until_confirmed(org, make_csv):
    run_command(make_csv(rows_for(20), name="all.csv"))
    before = register(org.vnpt)
    short = make_csv(rows_for(17), name="short.csv")  # 3 of 20 missing: 15%

    stopped = run_command(short)

    assert stopped.status == ImportRun.Status.NEEDS_CONFIRMATION
    assert "10%" in stopped.message
    assert register(org.vnpt) == before
    assert not Member.objects.filter(hrm_absent_since__isnull=False).exists()

    confirmed = run_command(short, confirm=True)

    assert confirmed.status == ImportRun.Status.DONE
    assert confirmed.count_absent == 3
    assert Member.objects.filter(employer=org.vnpt).count() == 20
    flagged = Member.objects.filter(hrm_absent_since__isnull=False)
    assert sorted(flagged.values_list("employee_code", flat=True)) == [
        "NV00018",
        "NV00019",
        "NV00020",
    ]


def test_the_same_file_twice_changes_nothing_the_second_time_and_says_so(
    org, make_xlsx
):
    path = make_xlsx(rows_for(30))
    first = run_command(path)
    before = register(org.vnpt)
    changes_before = ImportChange.objects.count()
    stamps = dict(Member.objects.values_list("pk", "updated_at"))

    second = run_command(path)

    assert first.count_new == 30
    assert second.status == ImportRun.Status.DONE
    assert (second.count_new, second.count_updated, second.count_absent) == (0, 0, 0)
    assert second.count_unchanged == 30
    assert second.message == translated(
        "Nothing changed: the register already matches this file "
        "(%(held)s rows held for review).",
        held=0,
    )
    assert register(org.vnpt) == before
    assert dict(Member.objects.values_list("pk", "updated_at")) == stamps
    assert ImportChange.objects.count() == changes_before


def test_changed_rows_update_only_those_members_with_a_field_level_diff(org, make_csv):
    run_command(make_csv(rows_for(40), name="v1.csv"))
    before = {row[1]: row for row in register(org.vnpt)}
    changed = {
        5: {"Chức danh": "Trưởng phòng"},
        17: {"Điện thoại": "0988 777 666", "Email": "moi17@example.vn"},
    }  # 2 of 40 rows: 5%

    run = run_command(make_csv(rows_for(40, changed), name="v2.csv"))

    assert (run.count_new, run.count_updated, run.count_unchanged) == (0, 2, 38)
    diffs = {
        c.employee_code: c.changes
        for c in ImportChange.objects.filter(
            run=run, action=ImportChange.Action.UPDATED
        )
    }
    assert diffs == {
        "NV00005": {"position": ["Kỹ sư", "Trưởng phòng"]},
        "NV00017": {
            "phone": [phone_for(500_017), "0988777666"],
            "email": ["nv17@example.vn", "moi17@example.vn"],
        },
    }
    updated_rows = ImportChange.objects.filter(
        run=run, action=ImportChange.Action.UPDATED
    ).values_list("row_number", flat=True)
    assert sorted(updated_rows) == [6, 18]  # the spreadsheet's rows
    after = {row[1]: row for row in register(org.vnpt)}
    assert {code for code in after if after[code] != before[code]} == {
        "NV00005",
        "NV00017",
    }
    assert Member.objects.get(employee_code="NV00005").position == "Trưởng phòng"
    assert Member.objects.get(employee_code="NV00017").phone == "0988777666"


def test_a_cccd_under_another_employer_proposes_a_transfer_not_a_member(org, make_csv):
    dob = date(1988, 3, 4)
    cccd = national_id_for(date_of_birth=dob, gender="female", serial=777)
    moving = make_member(
        unit=org.vtc_dt,
        full_name="Lê Thị Chuyển",
        gender=Member.Gender.FEMALE,
        date_of_birth=dob,
        national_id=cccd,
        employee_code="VTC0777",
    )
    row = hrm_row(1, dob_value=dob, gender_value="female")
    row[VN_HEADERS.index("Mã NV")] = "NV09999"
    row[VN_HEADERS.index("Số CCCD")] = cccd
    row[VN_HEADERS.index("Mã đơn vị")] = "DV01"
    members_before = Member.objects.count()

    run = run_command(make_csv([VN_HEADERS, row]))

    assert (run.count_new, run.count_transfers) == (0, 1)
    assert Member.objects.count() == members_before
    transfer = Transfer.objects.get(member=moving)
    assert transfer.state == Transfer.State.PENDING
    assert transfer.to_employer == org.vnpt
    assert transfer.to_employee_code == "NV09999"
    assert transfer.to_unit == org.vnpt_hn

    services.transfer_confirm(transfer=transfer, actor=None)

    moving.refresh_from_db()
    assert Member.objects.count() == members_before
    assert Member.objects.filter(national_id=cccd).count() == 1
    assert (moving.employer, moving.employee_code, moving.unit) == (
        org.vnpt,
        "NV09999",
        org.vnpt_hn,
    )


def test_a_new_member_of_an_unmapped_department_is_held_unless_a_default_unit(
    org, make_csv
):
    path = make_csv(rows_for(1, {1: {"Mã đơn vị": "DV99"}}))

    # Its one row held is past the safety limit: confirmed to land the rest.
    held_run = run_command(path, confirm=True)

    assert not Member.objects.exists()
    assert ImportHeldRow.objects.get(run=held_run).code == "department_unmapped"
    department = HrmDepartment.objects.get(employer=org.vnpt, code="DV99")
    assert department.unit is None  # listed for staff to map

    HrmProfile.objects.create(employer=org.vnpt, default_unit=org.vnpt_hcm)
    run = run_command(path)

    assert run.count_new == 1
    member = Member.objects.get(employee_code="NV00001")
    assert (member.unit, member.department_code) == (org.vnpt_hcm, "DV99")


def test_staff_cannot_import_into_an_employer_outside_their_scope(org, make_csv):
    path = make_csv(rows_for(3))

    with pytest.raises(PermissionDenied):
        import_run_create(
            employer=org.vnpt,
            source=ImportRun.Source.UPLOAD,
            file_name=path.name,
            content=path.read_bytes(),
            started_by=org.vtc_officer,
        )

    assert not ImportRun.objects.exists()
    assert not Member.objects.exists()


# Doors and refusals --------------------------------------------------------


def _through_command(org, path) -> ImportRun:
    return run_command(path)


def _through_task(org, path) -> ImportRun:
    run = import_run_create(
        employer=org.vnpt,
        source=ImportRun.Source.UPLOAD,
        file_name=path.name,
        content=path.read_bytes(),
    )
    result = tasks.import_run_execute.apply(kwargs={"run_id": run.pk})
    assert result.get()["run_id"] == run.pk
    return ImportRun.objects.get(pk=run.pk)


def _through_drop_dir(
    org, path, monkeypatch, settings, tmp_path, on_commit
) -> ImportRun:
    drop = tmp_path / "drop"
    settings.IMPORT_DROP_DIR = drop
    (drop / "VNPT").mkdir(parents=True)
    dropped = drop / "VNPT" / path.name
    dropped.write_bytes(path.read_bytes())
    old = time.time() - 120
    os.utime(dropped, (old, old))

    def run_now(**kwargs):
        return tasks.import_run_execute.apply(kwargs=kwargs).get()

    monkeypatch.setattr(tasks.import_run_execute, "delay_on_commit", run_now)
    with on_commit(execute=True):  # the file is archived once the run is committed
        run_ids = import_drop_dir_scan()

    assert len(run_ids) == 1
    assert not dropped.exists()
    archive = drop / "VNPT" / "archive" / f"{timezone.localdate():%Y-%m-%d}"
    assert [p.name for p in archive.iterdir()] == [f"{run_ids[0]}-{path.name}"]
    run = ImportRun.objects.get(pk=run_ids[0])
    assert run.source == ImportRun.Source.SCHEDULE
    return run


def test_the_three_doors_give_identical_results_for_the_same_file(
    org, make_xlsx, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    # 3 rows of 60 held: at the 5% limit, not past it.
    rows = rows_for(60, {11: {"Mã NV": "NV00030"}, 12: {"Mã đơn vị": "DV99"}})
    path = make_xlsx(rows)
    outcomes = []
    for door in (_through_command, _through_task, _through_drop_dir):
        if door is _through_drop_dir:
            run = door(
                org,
                path,
                monkeypatch,
                settings,
                tmp_path,
                django_capture_on_commit_callbacks,
            )
        else:
            run = door(org, path)
        held = sorted(
            ImportHeldRow.objects.filter(run=run).values_list("row_number", "code")
        )
        outcomes.append((counts(run), register(org.vnpt), held))
        # The next door meets the same empty register.
        Member.objects.filter(employer=org.vnpt).delete()

    first, second, third = outcomes
    assert first[0][0] == ImportRun.Status.DONE
    assert first[0][2] == 57  # 60 rows, 2 duplicates and an unmapped department
    assert len(first[1]) == 57
    assert first[2] == [
        (12, "duplicate_code"),
        (13, "department_unmapped"),
        (31, "duplicate_code"),
    ]
    assert first == second == third


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("hrm.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
        ("hrm.csv", "Cột A,Cột B\r\n1,2\r\n".encode("utf-8-sig")),
    ],
    ids=["renamed-binary", "unknown-layout"],
)
def test_a_refused_file_writes_nothing_and_tells_the_starter(
    org, django_capture_on_commit_callbacks, name, content
):
    run = import_run_create(
        employer=org.vnpt,
        source=ImportRun.Source.UPLOAD,
        file_name=name,
        content=content,
        started_by=org.vnpt_officer,
    )

    with django_capture_on_commit_callbacks(execute=True):
        run = import_run_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.REFUSED
    assert run.message
    assert not Member.objects.exists()
    assert not ImportChange.objects.exists()
    assert not ImportHeldRow.objects.exists()
    notification = Notification.objects.get(recipient=org.vnpt_officer)
    assert notification.kind == "hrm.import_result"
    assert notification.body == run.message


def test_the_command_fails_on_a_refused_file(org, tmp_path):
    path = tmp_path / "hrm.xlsx"
    path.write_bytes(b"not a workbook at all" * 10)

    with pytest.raises(CommandError):
        call_command("import_hrm", str(path), employer="VNPT")

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.REFUSED
    assert run.message
    assert not Member.objects.exists()


def test_the_json_summary_holds_counts_run_id_and_duration(org, make_csv, capsys):
    path = make_csv(rows_for(5))

    call_command("import_hrm", str(path), employer="VNPT", json=True)

    summary = json.loads(capsys.readouterr().out)
    run = ImportRun.objects.get()
    assert summary["run_id"] == run.pk
    assert (summary["new"], summary["held"], summary["absent"]) == (5, 0, 0)
    assert summary["duration_ms"] is not None
    assert summary["duration_ms"] >= 0
    assert timedelta(milliseconds=summary["duration_ms"]) < timedelta(minutes=1)


# Retention of the stored files ----------------------------------------------


def test_stored_files_and_resolved_held_cells_go_after_their_retention(
    org, make_csv, settings, time_machine
):
    from members.services.hrm_import import import_files_purge

    settings.IMPORT_FILE_RETENTION_DAYS = 90
    time_machine.move_to(timezone.now() - timedelta(days=120), tick=False)
    old = run_command(make_csv(rows_for(50, {3: {"Mã NV": "NV00005"}})))
    shared = run_command(make_csv(rows_for(50)))  # its file is used again below
    old_file = Path(settings.MEDIA_ROOT) / old.stored_file
    shared_file = Path(settings.MEDIA_ROOT) / shared.stored_file
    dismissed, still_open = ImportHeldRow.objects.filter(run=old).order_by("pk")
    services.held_rows_dismiss_with_note(
        rows=ImportHeldRow.objects.filter(pk=dismissed.pk),
        user=org.vnpt_officer,
        note="Trùng mã, đã sửa trong HRM",
    )
    time_machine.move_to(timezone.now() + timedelta(days=100), tick=False)
    again = run_command(shared_file)  # a recent run of the same content

    assert import_files_purge() == {"files": 1, "held_rows": 1}

    assert not old_file.exists()
    assert shared_file.exists()
    assert again.stored_file == shared.stored_file
    dismissed.refresh_from_db()
    still_open.refresh_from_db()
    assert (dismissed.values, dismissed.employee_code, dismissed.full_name) == (
        {},
        "",
        "",
    )
    assert dismissed.reason  # the row, column and reason stay
    assert still_open.values["Mã NV"] == "NV00005"  # still to review
    assert {old.status, shared.status, again.status} == {ImportRun.Status.DONE}
    assert Member.objects.filter(employer=org.vnpt).count() == 50
    assert import_files_purge() == {"files": 0, "held_rows": 0}


def test_no_retention_keeps_every_stored_file(org, make_csv, settings, time_machine):
    from members.services.hrm_import import import_files_purge

    settings.IMPORT_FILE_RETENTION_DAYS = 0
    time_machine.move_to(timezone.now() - timedelta(days=4000), tick=False)
    run = run_command(make_csv(rows_for(5)))
    time_machine.move_to(timezone.now() + timedelta(days=4000), tick=False)

    assert import_files_purge() == {"files": 0, "held_rows": 0}
    assert (Path(settings.MEDIA_ROOT) / run.stored_file).exists()


# What the employer's status means for the membership -----------------------

LEFT_ROWS = {
    2: {"Trạng thái": "Đã nghỉ việc"},
    3: {"Trạng thái": "Terminated"},
    4: {"Trạng thái": "Nghỉ hưu"},
    5: {"Trạng thái": "Nghỉ thai sản"},
}


def statuses(employer) -> dict[str, tuple]:
    return {
        code: (status, left_on)
        for code, status, left_on in Member.objects.filter(employer=employer)
        .order_by("employee_code")
        .values_list("employee_code", "status", "left_on")
    }


def test_new_members_who_left_or_retired_are_imported_with_that_status(org, make_xlsx):
    today = timezone.localdate()

    run = run_command(make_xlsx(rows_for(5, LEFT_ROWS)))

    assert run.count_new == 5
    assert statuses(org.vnpt) == {
        "NV00001": (Member.Status.ACTIVE, None),
        "NV00002": (Member.Status.LEFT, today),
        "NV00003": (Member.Status.LEFT, today),
        "NV00004": (Member.Status.RETIRED, None),
        "NV00005": (Member.Status.ACTIVE, None),  # on maternity leave: still a member
    }


def test_a_member_who_left_since_the_last_file_is_updated_with_the_day_they_left(
    org, make_csv
):
    run_command(make_csv(rows_for(40), name="v1.csv"))
    today = timezone.localdate()

    run = run_command(
        make_csv(rows_for(40, {7: {"Trạng thái": "Đã nghỉ việc"}}), name="v2.csv")
    )

    assert (run.count_updated, run.count_unchanged) == (1, 39)
    assert statuses(org.vnpt)["NV00007"] == (Member.Status.LEFT, today)
    change = ImportChange.objects.get(run=run, action=ImportChange.Action.UPDATED)
    assert change.changes["status"] == [Member.Status.ACTIVE, Member.Status.LEFT]


def test_reimporting_a_file_corrects_members_it_left_active_though_they_had_left(
    org, make_xlsx
):
    path = make_xlsx(rows_for(5, LEFT_ROWS))
    run_command(path)
    # As the import used to leave them: every field as the file says, hash
    # included, but still active.
    Member.objects.filter(employer=org.vnpt).update(
        status=Member.Status.ACTIVE, left_on=None
    )
    today = timezone.localdate()

    again = run_command(path)

    assert (again.count_new, again.count_updated, again.count_unchanged) == (0, 3, 2)
    assert statuses(org.vnpt) == {
        "NV00001": (Member.Status.ACTIVE, None),
        "NV00002": (Member.Status.LEFT, today),
        "NV00003": (Member.Status.LEFT, today),
        "NV00004": (Member.Status.RETIRED, None),
        "NV00005": (Member.Status.ACTIVE, None),
    }
    # And a third run of the same file has nothing left to correct.
    third = run_command(path)
    assert (third.count_updated, third.count_unchanged) == (0, 5)


# The safety limits -----------------------------------------------------------


def test_rows_held_for_a_colleagues_cccd_count_toward_the_safety_limit(org, make_csv):
    HrmProfile.objects.create(employer=org.vnpt, full_file=False)
    run_command(make_csv(rows_for(20), name="v1.csv"))
    before = register(org.vnpt)
    # A file of changes: 16 known rows, and four new employees (20%) whose
    # CCCDs belong to colleagues in the register (not in this file).
    rows = [VN_HEADERS] + [hrm_row(i) for i in range(5, 21)]
    for colleague in (1, 2, 3, 4):
        row = hrm_row(colleague)
        row[VN_HEADERS.index("Mã NV")] = f"NV{20 + colleague:05d}"
        rows.append(row)

    stopped = run_command(make_csv(rows, name="v2.csv"))

    assert stopped.status == ImportRun.Status.NEEDS_CONFIRMATION, stopped.message
    assert stopped.count_held == 4
    assert "5%" in stopped.message
    assert register(org.vnpt) == before
    held = ImportHeldRow.objects.filter(run=stopped)
    assert set(held.values_list("code", flat=True)) == {"national_id_taken"}


def test_a_file_of_headers_alone_is_refused_and_flags_nobody_missing(org, make_csv):
    run_command(make_csv(rows_for(5), name="v1.csv"))

    with pytest.raises(CommandError):
        run_command(make_csv(rows_for(0), name="rong.csv"))

    run = ImportRun.objects.order_by("-pk").first()
    assert (run.status, run.total_rows) == (ImportRun.Status.REFUSED, 0)
    assert run.message == translated(
        "%(name)s has its headers in row %(row)s but no employee in the rows "
        "below: export the file again from the HRM system, with the employees' "
        "rows.",
        name="rong.csv",
        row=1,
    )
    assert not Member.objects.filter(hrm_absent_since__isnull=False).exists()


def test_a_preview_says_what_the_file_would_do_not_what_it_did(org, make_csv):
    path = make_csv(rows_for(20, {4: {"Số CCCD": "123"}}))
    run = import_run_create(
        employer=org.vnpt,
        source=ImportRun.Source.UPLOAD,
        file_name=path.name,
        content=path.read_bytes(),
        dry_run=True,
    )

    run = import_run_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.PREVIEWED
    assert run.message == translated(
        "Preview, nothing written: the file would add %(new)s members, update "
        "%(updated)s and leave %(unchanged)s unchanged; %(held)s rows would be "
        "held for review, %(absent)s members are missing from it and "
        "%(transfers)s transfers would be proposed. Confirm to import it.",
        new=19,
        updated=0,
        unchanged=0,
        held=1,
        absent=0,
        transfers=0,
    )
    assert not Member.objects.exists()
