"""The load test's HRM workbooks: made from the register, they change nothing.

loadtest/hrm.py writes a workbook an employer with every one of its members
as the register has them; importing it must find every member unchanged
(no new member, no update, no held row, nobody missing, no transfer), and
``queue`` must start it the way scheduled imports start.
"""

import importlib.util
import json
from datetime import date
from pathlib import Path

import pytest

from members.hrm import read_hrm_file
from members.models import HrmDepartment, ImportRun, Member, Unit
from members.services.hrm_import import import_run_create, import_run_execute
from tests.members.factories import make_member, make_unit, reloaded
from unionportal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def _helper():
    spec = importlib.util.spec_from_file_location(
        "loadtest_hrm", ROOT / "loadtest" / "hrm.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hrm = _helper()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_DROP_DIR = tmp_path / "drop"


@pytest.fixture
def register(db):
    """Two employers; VNPT's members of every kind the file must carry back."""
    sector = make_unit(code="CDTT", name="Công đoàn TT&TT", level=Unit.Level.SECTOR)
    vnpt = make_unit(
        code="VNPT",
        name="Công đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    vtc = make_unit(
        code="VTC",
        name="Công đoàn VTC",
        level=Unit.Level.UPPER,
        parent=reloaded(sector),
        is_employer=True,
    )
    hanoi = make_unit(
        code="VNPT-HN",
        name="CĐCS VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=reloaded(vnpt),
    )
    tv = make_unit(
        code="VTC-TV",
        name="CĐCS VTC Truyền hình",
        level=Unit.Level.GRASSROOTS,
        parent=reloaded(vtc),
    )
    vnpt, hanoi = reloaded(vnpt), reloaded(hanoi)
    HrmDepartment.objects.create(
        employer=vnpt, code="DV01", name="Trung tâm Hà Nội", unit=hanoi
    )
    make_member(
        unit=hanoi,
        full_name="Nguyễn Thị Hồng",
        gender=Member.Gender.FEMALE,
        email="hong@example.vn",
        position="Kỹ sư",
        department_code="DV01",
        hired_on=date(2015, 2, 14),
        employment_status="maternity_leave",
    )
    make_member(
        unit=hanoi,
        full_name="Trần Văn Bình",
        national_id="",
        phone="",
        department_code="DV01",
        employment_status="working",
    )
    # No department, no status, no date of birth: blank cells.
    make_member(unit=hanoi, full_name="Lê Minh", date_of_birth=None, national_id="")
    make_member(unit=reloaded(tv), full_name="Phạm Văn Tùng")
    return vnpt


def test_the_workbooks_hold_every_member_and_import_unchanged(register, tmp_path):
    index = hrm.files(tmp_path / "hrm")

    by_code = {entry["code"]: entry for entry in index.values()}
    assert set(by_code) == {"VNPT", "VTC"}
    assert by_code["VNPT"]["rows"] == 3
    assert by_code["VTC"]["rows"] == 1
    stored = json.loads((tmp_path / "hrm" / "index.json").read_text())
    assert stored["employers"][str(register.pk)]["file"] == "VNPT.xlsx"
    path = tmp_path / "hrm" / "VNPT.xlsx"
    records = list(read_hrm_file(path).records())
    assert all(record.valid for record in records)
    assert {r.values["employee_code"] for r in records} == set(
        Member.objects.filter(employer=register).values_list("employee_code", flat=True)
    )

    run = import_run_create(
        employer=register,
        source=ImportRun.Source.COMMAND,
        file_name=path.name,
        content=path.read_bytes(),
        dry_run=True,
    )
    run = import_run_execute(run_id=run.pk)

    assert run.status == ImportRun.Status.PREVIEWED
    assert (run.total_rows, run.count_unchanged) == (3, 3)
    assert run.count_new == run.count_updated == run.count_held == 0
    assert run.count_absent == run.count_transfers == 0


def test_queue_starts_the_imports_through_the_drop_folders_scan(
    register, tmp_path, request, django_capture_on_commit_callbacks
):
    # The tasks run here, in order: the portal's Celery app reads its settings
    # once, so the app's own flag, not the setting, makes them eager.
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    request.addfinalizer(lambda: setattr(celery_app.conf, "task_always_eager", before))
    hrm.files(tmp_path / "hrm")
    files = sorted((tmp_path / "hrm").glob("*.xlsx"))

    with django_capture_on_commit_callbacks(execute=True):
        queued = hrm.queue(files)

    assert sorted(queued["files"]) == ["VNPT.xlsx", "VTC.xlsx"]
    runs = hrm.report(queued["since"], queued["files"])
    assert {(r["employer"], r["status"], r["total_rows"]) for r in runs} == {
        ("VNPT", "done", 3),
        ("VTC", "done", 1),
    }
    assert all(r["unchanged"] == r["total_rows"] for r in runs)
    assert all(r["new"] == r["updated"] == r["held"] == r["absent"] == 0 for r in runs)
    # The files left the drop folders for their archive: imported once.
    assert not list((tmp_path / "drop" / "VNPT").glob("*.xlsx"))


def test_a_file_elsewhere_belongs_to_the_employer_of_its_members(register, tmp_path):
    hrm.files(tmp_path / "hrm")
    moved = tmp_path / "export.xlsx"
    moved.write_bytes((tmp_path / "hrm" / "VNPT.xlsx").read_bytes())

    assert hrm._employer_of(moved).pk == register.pk
