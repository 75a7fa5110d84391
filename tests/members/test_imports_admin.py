"""The HRM import admin: upload and preview, confirm, progress, held rows, scope."""

import html
import io
from datetime import date
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from openpyxl import load_workbook

from members.models import HrmDepartment, HrmProfile, ImportHeldRow, ImportRun, Member
from members.services.hrm_import import import_run_execute
from tests.conftest import require_service
from tests.members.factories import make_union_tree, national_id_for
from tests.members.hrm.builders import SHARED_HRM

pytestmark = pytest.mark.django_db

SAMPLES = SHARED_HRM
HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"
Status = ImportRun.Status


class Queue:
    """Stands in for the Celery task: records what was enqueued, runs it on demand."""

    def __init__(self):
        self.run_ids: list[int] = []

    def delay_on_commit(self, *, run_id: int) -> None:
        self.run_ids.append(run_id)

    def work(self) -> None:
        """Execute everything enqueued, as the worker would."""
        while self.run_ids:
            import_run_execute(run_id=self.run_ids.pop(0))


@pytest.fixture
def queue(monkeypatch):
    queue = Queue()
    monkeypatch.setattr("members.tasks.import_run_execute", queue)
    return queue


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def profile(tree):
    return HrmProfile.objects.create(employer=tree.vnpt, default_unit=tree.vnpt_hn)


@pytest.fixture
def officer(client, tree):
    client.force_login(tree.upper_officer)
    return client


def row(code, name, born, gender="Nam", email="", department="DV01", serial=None):
    gender_value = "female" if gender == "Nữ" else "male"
    national_id = national_id_for(
        date_of_birth=born, gender=gender_value, serial=serial or int(code[-4:])
    )
    return (
        f"{code},{name},{born:%d/%m/%Y},{gender},{national_id},{email},{department}\n"
    )


def csv_file(tmp_path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8-sig")
    return path


def upload(client, tree, path: Path):
    with path.open("rb") as handle:
        return client.post(
            reverse("admin:members_importrun_upload"),
            {"employer": tree.vnpt.pk, "file": handle},
        )


def run_url(run: ImportRun, view: str = "change") -> str:
    return reverse(f"admin:members_importrun_{view}", args=[run.pk])


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_upload_queues_a_dry_run_and_the_page_previews_it(
    officer, tree, profile, queue
):
    sample = SAMPLES / "sample_vnpt.xlsx"
    require_service(sample.exists(), f"the shared HRM sample is missing: {sample}")
    members_before = Member.objects.count()

    response = upload(officer, tree, sample)

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert (run.dry_run, run.source, run.started_by) == (
        True,
        ImportRun.Source.UPLOAD,
        tree.upper_officer,
    )
    # Nothing ran in the request: the run waits for the worker, the page refreshes.
    assert queue.run_ids == [run.pk]
    assert run.status == Status.QUEUED
    assert '<meta http-equiv="refresh" content="3">' in page(officer, run_url(run))

    queue.work()

    run.refresh_from_db()
    body = page(officer, run_url(run))
    assert 'http-equiv="refresh"' not in body
    # Four faulty rows of 40 (duplicate code twice, bad CCCD, no name) pass 5%.
    assert run.status == Status.NEEDS_CONFIRMATION
    assert run.count_held >= 4
    assert "import-run-limit" in body
    assert html.escape(run.message) in body
    assert f'<td class="count-new">{run.count_new}</td>' in body
    assert f'<td class="count-held">{run.count_held}</td>' in body
    assert f'<td class="count-absent">{run.count_absent}</td>' in body
    assert run_url(run, "held_xlsx") in body
    assert run_url(run, "confirm") in body
    assert "NV000001" in body
    assert "Đặng Mai Hưng" in body
    # A new member's dates read dd/mm/yyyy.
    assert "06/01/1990" in body
    assert Member.objects.count() == members_before


def test_confirming_a_stopped_preview_imports_the_file(officer, tree, profile, queue):
    sample = SAMPLES / "sample_vnpt.xlsx"
    require_service(sample.exists(), f"the shared HRM sample is missing: {sample}")
    upload(officer, tree, sample)
    queue.work()
    preview = ImportRun.objects.get()

    assert officer.get(run_url(preview, "confirm")).status_code == 405
    response = officer.post(run_url(preview, "confirm"))

    run = ImportRun.objects.exclude(pk=preview.pk).get()
    assert response["Location"] == run_url(run)
    assert (run.dry_run, run.confirmed, run.file_sha256) == (
        False,
        True,
        preview.file_sha256,
    )
    assert run.started_by == tree.upper_officer
    assert queue.run_ids == [run.pk]
    queue.work()
    run.refresh_from_db()
    assert run.status == Status.DONE
    assert run.count_new == preview.count_new > 0
    member = Member.objects.get(employer=tree.vnpt, employee_code="NV000001")
    assert member.full_name == "Đặng Mai Hưng"
    assert member.unit == tree.vnpt_hn
    assert "100%" in page(officer, run_url(run))
    # A second confirmation of the same preview starts nothing new.
    officer.post(run_url(preview, "confirm"))
    assert ImportRun.objects.count() == 2


def test_preview_of_a_reimport_shows_field_changes_with_dates(
    officer, tree, profile, queue, tmp_path
):
    profile.full_file = False
    profile.save()
    first = csv_file(
        tmp_path,
        "dot1.csv",
        row("NV1001", "Trần Văn Bình", date(1980, 3, 4)),
        row("NV1002", "Lê Thị Cúc", date(1990, 5, 6), gender="Nữ"),
    )
    upload(officer, tree, first)
    queue.work()
    officer.post(run_url(ImportRun.objects.get(), "confirm"))
    queue.work()
    assert Member.objects.filter(employer=tree.vnpt, employee_code="NV1001").exists()

    second = csv_file(
        tmp_path,
        "dot2.csv",
        row("NV1001", "Trần Văn Bình", date(1980, 4, 3), serial=1001),
        row("NV1002", "Lê Thị Cúc", date(1990, 5, 6), gender="Nữ"),
    )
    upload(officer, tree, second)
    queue.work()

    preview = ImportRun.objects.filter(dry_run=True).latest("pk")
    assert preview.status == Status.PREVIEWED
    assert (preview.count_updated, preview.count_unchanged) == (1, 1)
    body = page(officer, run_url(preview))
    assert "04/03/1980 → 03/04/1980" in body
    assert "Xác nhận và nhập dữ liệu" in body


def test_progress_of_a_running_import_shows(officer, tree):
    run = ImportRun.objects.create(
        employer=tree.vnpt,
        source=ImportRun.Source.SCHEDULE,
        file_name="vnpt-dem.xlsx",
        file_sha256="0" * 64,
        stored_file="imports/none.xlsx",
        status=Status.RUNNING,
        total_rows=200,
        rows_done=50,
    )

    body = page(officer, run_url(run))
    assert "25% (50/200 dòng)" in body
    assert '<progress id="run-progress" max="100" value="25">' in body
    assert '<meta http-equiv="refresh" content="3">' in body
    assert "25%" in page(officer, reverse("admin:members_importrun_changelist"))


def test_a_finished_preview_says_it_checked_every_row_and_wrote_nothing(
    officer, tree, profile, queue, tmp_path
):
    profile.full_file = False  # a file of changes: nobody is missing from it
    profile.save()
    rows = [
        row(f"NV15{i:02d}", f"Người Xem {i}", date(1980, 1, 1 + i)) for i in range(3)
    ]
    upload(officer, tree, csv_file(tmp_path, "xem.csv", *rows))
    queue.work()
    run = ImportRun.objects.get()
    assert (run.status, run.total_rows, run.rows_done) == (Status.PREVIEWED, 3, 0)

    body = page(officer, run_url(run))

    assert "0%" not in body
    assert "0/3" not in body
    assert "<progress" not in body
    assert "Đã kiểm tra cả 3 dòng; chưa ghi gì." in body
    listing = page(officer, reverse("admin:members_importrun_changelist"))
    assert "đã kiểm tra, chưa ghi" in listing
    assert "0%" not in listing


def test_a_runs_title_shows_the_time_staff_read_on_the_page(
    officer, tree, time_machine
):
    time_machine.move_to("2025-03-10 20:30:00+00:00", tick=False)
    run = ImportRun.objects.create(
        employer=tree.vnpt,
        source=ImportRun.Source.SCHEDULE,
        file_name="vnpt-dem.xlsx",
        file_sha256="0" * 64,
        stored_file="imports/none.xlsx",
        status=Status.DONE,
    )

    body = page(officer, run_url(run))

    # 20:30 UTC is 03:30 the next morning in Vietnam.
    assert str(run) == "vnpt-dem.xlsx (11/03/2025 03:30)"
    assert "<title>vnpt-dem.xlsx (11/03/2025 03:30)" in body
    assert "11/03/2025 03:30" in body.split("</h1>", 1)[1]
    assert "10/03/2025 20:30" not in body


def test_held_rows_download_as_xlsx_with_reasons_and_escaped_formulas(
    officer, tree, profile, queue, tmp_path
):
    bad = csv_file(
        tmp_path,
        "loi.csv",
        row("NV2001", "Phan Văn Dũng", date(1985, 1, 2)),
        'NV2002,=HYPERLINK("http://x"),02/02/1986,Nam,123,=1+1,DV01\n',
    )
    upload(officer, tree, bad)
    queue.work()
    run = ImportRun.objects.get()

    response = officer.get(run_url(run, "held_xlsx"))

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'held-rows-{run.pk}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = rows[0]
    assert header[1:8] == [
        "Mã NV",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD",
        "Email",
        "Mã đơn vị",
    ]
    held = ImportHeldRow.objects.get(run=run)
    assert rows[1][0] == held.row_number
    assert rows[1][1] == "NV2002"
    assert rows[1][2] == '\'=HYPERLINK("http://x")'
    assert rows[1][6] == "'=1+1"
    assert rows[1][-1] == held.reason
    assert len(rows) == 2


def test_dismissing_held_rows_asks_why_and_records_who_and_when(
    officer, tree, profile, queue, tmp_path
):
    upload(
        officer, tree, csv_file(tmp_path, "x.csv", "NV3001,,01/01/1980,Nam,,,DV01\n")
    )
    queue.work()
    # A preview queues nothing: its row is to review once the import is confirmed.
    assert ImportHeldRow.objects.get().status == ImportHeldRow.Status.PREVIEW
    officer.post(run_url(ImportRun.objects.get(), "confirm"))
    queue.work()
    held = ImportHeldRow.objects.get(status=ImportHeldRow.Status.OPEN)
    changelist = reverse("admin:members_importheldrow_changelist")
    action = {"action": "dismiss", ACTION_CHECKBOX_NAME: [held.pk]}

    # The action first asks why; without a note nothing is dismissed.
    for data in (action, {**action, "_confirm_dismiss": "1", "note": "  "}):
        response = officer.post(changelist, data)
        assert response.status_code == 200
        assert 'name="note"' in response.content.decode()
        held.refresh_from_db()
        assert held.status == ImportHeldRow.Status.OPEN
    assert response.context["form"].errors["note"]

    response = officer.post(
        changelist, {**action, "_confirm_dismiss": "1", "note": "Nghỉ việc từ 2023"}
    )

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == ImportHeldRow.Status.DISMISSED
    assert held.resolved_by == tree.upper_officer
    assert held.resolved_at is not None
    assert held.resolution_note == "Nghỉ việc từ 2023"


def test_staff_of_another_upper_union_cannot_see_the_run_or_its_rows(
    client, tree, profile, queue, tmp_path
):
    client.force_login(tree.upper_officer)
    upload(client, tree, csv_file(tmp_path, "b.csv", "NV4001,Canary Held,,Nam,1,,DV\n"))
    queue.work()
    run = ImportRun.objects.get()
    held = ImportHeldRow.objects.get()

    client.force_login(tree.vtc_officer)
    for url in (
        run_url(run),
        run_url(run, "held_xlsx"),
        run_url(run, "history"),
        reverse("admin:members_importheldrow_change", args=[held.pk]),
    ):
        response = client.get(url, follow=True)
        assert response.status_code == 404 or response.redirect_chain, url
        assert "Canary Held" not in response.content.decode(), url
    assert client.post(run_url(run, "confirm")).status_code == 404
    assert ImportRun.objects.count() == 1
    for name in ("importrun", "importheldrow", "hrmprofile"):
        response = client.get(reverse(f"admin:members_{name}_changelist"))
        assert response.context["cl"].result_count == 0, name
    # Nor can they upload into VNPT.
    response = upload(
        client, tree, csv_file(tmp_path, "c.csv", row("NV4002", "A", date(1980, 1, 1)))
    )
    assert response.status_code == 200
    assert "employer" in response.context["form"].errors
    assert ImportRun.objects.count() == 1


def test_a_file_of_another_kind_is_refused_before_any_run(officer, tree, tmp_path):
    path = tmp_path / "danh-sach.txt"
    path.write_text("x", encoding="utf-8")

    response = upload(officer, tree, path)

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert not ImportRun.objects.exists()


def test_an_unmappable_layout_is_refused_by_the_worker_on_the_runs_page(
    officer, tree, queue, tmp_path
):
    path = tmp_path / "la.csv"
    path.write_text("Cột A,Cột B\n1,2\n", encoding="utf-8")
    response = upload(officer, tree, path)

    # The request only checks and stores the file: the page it leads to
    # waits for the worker, which finds no layout and refuses the file.
    run = ImportRun.objects.get()
    assert response["Location"] == run_url(run)
    assert (run.status, queue.run_ids) == (Status.QUEUED, [run.pk])
    queue.work()

    run.refresh_from_db()
    assert run.status == Status.REFUSED
    assert "không có dòng tiêu đề" in run.message
    body = page(officer, run_url(run))
    assert html.escape(run.message) in body
    assert 'http-equiv="refresh"' not in body
    assert run_url(run, "confirm") not in body


def test_the_upload_request_reads_no_sheet(officer, tree, profile, queue, monkeypatch):
    """Finding the layout and reading rows are the worker's: none in the request."""
    sample = SAMPLES / "sample_vnpt.xlsx"
    require_service(sample.exists(), f"the shared HRM sample is missing: {sample}")

    def no_reading(*args, **kwargs):
        raise AssertionError("the upload request read the workbook")

    with monkeypatch.context() as patched:
        patched.setattr("members.hrm.records.xlsx_workbook", no_reading)
        patched.setattr(
            "members.hrm.files.xlsx_content_check", no_reading, raising=False
        )
        response = upload(officer, tree, sample)

    run = ImportRun.objects.get()
    assert response["Location"] == run_url(run)
    assert (run.status, queue.run_ids) == (Status.QUEUED, [run.pk])
    queue.work()
    run.refresh_from_db()
    assert run.status == Status.NEEDS_CONFIRMATION


def test_department_units_are_limited_to_the_employers_subtree(officer, tree):
    department = HrmDepartment.objects.create(employer=tree.vnpt, code="DV09")
    changelist = reverse("admin:members_hrmdepartment_changelist")

    response = officer.get(changelist, {"unmapped": "yes"})

    assert response.context["cl"].result_count == 1
    choices = response.context["cl"].formset.forms[0].fields["unit"].queryset
    assert set(choices) == {tree.vnpt_hn, tree.vnpt_hn_group, tree.vnpt_hcm}
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(department.pk),
        "form-0-unit": str(tree.vtc_dt.pk),
        "_save": "Save",
    }
    officer.post(changelist + "?unmapped=yes", data)
    department.refresh_from_db()
    assert department.unit is None
    data["form-0-unit"] = str(tree.vnpt_hn_group.pk)
    officer.post(changelist + "?unmapped=yes", data)
    department.refresh_from_db()
    assert department.unit == tree.vnpt_hn_group
    assert officer.get(changelist, {"unmapped": "yes"}).context["cl"].result_count == 0


def test_profile_mapping_is_validated_and_default_unit_scoped(officer, tree):
    add = reverse("admin:members_hrmprofile_add")
    response = officer.post(
        add,
        {"employer": tree.vnpt.pk, "mapping": '{"header_row": "x"}', "full_file": "on"},
    )
    assert "mapping" in response.context["adminform"].form.errors
    response = officer.post(
        add,
        {"employer": tree.vnpt.pk, "mapping": "{}", "default_unit": tree.vtc_dt.pk},
    )
    assert "default_unit" in response.context["adminform"].form.errors
    officer.post(
        add,
        {"employer": tree.vnpt.pk, "mapping": "{}", "default_unit": tree.vnpt_hn.pk},
    )
    assert HrmProfile.objects.get().default_unit == tree.vnpt_hn


def test_scope_crawler_finds_no_other_employers_import_data(client, tree, tmp_path):
    from members.services.hrm_import import import_run_create
    from tests.members.factories import make_permissions_group
    from tests.members.test_scope import crawl_as

    runs = {}
    for employer, name in ((tree.vnpt, "Own Held Row"), (tree.vtc, "Canary Held Row")):
        HrmProfile.objects.create(employer=employer, mapping={"ignore": [name]})
        department = HrmDepartment.objects.create(
            employer=employer, code=f"{employer.code}-DV", name=f"{name} Dept"
        )
        content = (HEADER + f"{employer.code}01,{name},,Nam,1,,DV\n").encode()
        run = import_run_create(
            employer=employer,
            source=ImportRun.Source.COMMAND,
            file_name=f"{name}.csv",
            content=content,
        )
        runs[employer.code] = (import_run_execute(run_id=run.pk), department)
    vtc_run, vtc_department = runs["VTC"]
    officer = tree.upper_officer
    officer.groups.add(make_permissions_group("Mọi quyền"))

    crawl = crawl_as(
        client,
        officer,
        out_of_scope=[
            vtc_run,
            vtc_run.held_rows.get(),
            vtc_department,
            HrmProfile.objects.get(employer=tree.vtc),
        ],
    )

    assert crawl.leaks({"held": "Canary Held Row"}) == {}
    assert crawl.opened == []
    assert crawl.row_counts["members.ImportRun"] == 1
    assert crawl.showing("Own Held Row")
