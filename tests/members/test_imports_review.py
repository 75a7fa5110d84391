"""Held rows of HRM imports: fixed in place by the import's rules, or dismissed."""

import html
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from members.hrm import FileRefused, read_hrm_file
from members.models import (
    HrmDepartment,
    HrmProfile,
    ImportChange,
    ImportHeldRow,
    ImportRun,
    Member,
    Transfer,
)
from members.services import held_row_fix, held_rows_dismiss_with_note
from members.services.hrm_import import (
    hrm_file_read,
    import_run_create,
    import_run_execute,
)
from members.services.hrm_review import (
    held_row_dismiss,
    held_row_review,
    held_rows_unfixable_reason,
)
from tests.members.factories import (
    make_member,
    make_permissions_group,
    make_union_tree,
    national_id_for,
)
from tests.members.test_imports_admin import Queue, csv_file, upload

pytestmark = pytest.mark.django_db

HEADER = "Mã NV,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Email,Mã đơn vị\n"
Status = ImportRun.Status
Held = ImportHeldRow.Status
BORN = date(1980, 2, 28)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def queue(monkeypatch):
    queue = Queue()
    monkeypatch.setattr("members.tasks.import_run_execute", queue)
    return queue


@pytest.fixture
def tree():
    tree = make_union_tree()
    HrmDepartment.objects.create(employer=tree.vnpt, code="DV01", unit=tree.vnpt_hn)
    HrmDepartment.objects.create(employer=tree.vtc, code="TH01", unit=tree.vtc_dt)
    # Files of changes: the runs themselves flag nobody absent.
    HrmProfile.objects.create(employer=tree.vnpt, full_file=False)
    return tree


@pytest.fixture
def officer(client, tree):
    client.force_login(tree.upper_officer)
    return client


def cccd(born: date, gender: str, serial: int) -> str:
    return national_id_for(date_of_birth=born, gender=gender, serial=serial)


def line(
    code,
    name,
    born=BORN,
    *,
    text="",
    gender="Nam",
    national_id=None,
    email="",
    dept="DV01",
):
    """Return one CSV line; ``text`` is the birth date as the file writes it."""
    if national_id is None:
        gender_value = "female" if gender == "Nữ" else "male"
        national_id = cccd(born, gender_value, int(code[-4:]))
    text = text or f"{born:%d/%m/%Y}"
    return f"{code},{name},{text},{gender},{national_id},{email},{dept}\n"


def done_run(employer, *lines: str, name: str = "dot.csv") -> ImportRun:
    """Import a CSV as the command would, confirmed past the safety limits."""
    run = import_run_create(
        employer=employer,
        source=ImportRun.Source.COMMAND,
        file_name=name,
        content=(HEADER + "".join(lines)).encode("utf-8-sig"),
        confirmed=True,
    )
    run = import_run_execute(run_id=run.pk)
    assert run.status == Status.DONE, run.message
    return run


def fix_url(held: ImportHeldRow) -> str:
    return reverse("admin:members_importheldrow_fix", args=[held.pk])


def run_url(run: ImportRun, view: str = "change") -> str:
    return reverse(f"admin:members_importrun_{view}", args=[run.pk])


def fix_data(client, held: ImportHeldRow, **cells) -> dict:
    """Return the fix form's data: the row's cells with some replaced (by header)."""
    form = client.get(fix_url(held)).context["fix_form"]
    data = {
        name: cells.get(header, held.values.get(header, ""))
        for name, header in form.headers.items()
    }
    return {**data, "_fix": "1"}


def field_of(form, header: str) -> str:
    return next(name for name, h in form.headers.items() if h == header)


def values_with(held: ImportHeldRow, **cells) -> dict:
    return {**held.values, **cells}


# Fixing a row in the admin ---------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "bad_header"),
    [
        ({"Ngày sinh": "31/02/1990"}, "Ngày sinh"),
        ({"Số CCCD": "00119000500"}, "Số CCCD"),
    ],
    ids=["invalid-date", "short-cccd"],
)
def test_fixing_an_invalid_row_imports_it_with_nfc_text(
    officer, tree, cells, bad_header
):
    born = date(1990, 2, 1)
    good = line("NV5001", "Trần Thị Mai", born, gender="Nữ")
    bad = good.split(",")
    headers = HEADER.strip().split(",")
    for header, text in cells.items():
        bad[headers.index(header)] = text
    run = done_run(
        tree.vnpt, line("NV5000", "Lê Văn Đúng", date(1985, 5, 5)), ",".join(bad)
    )
    held = ImportHeldRow.objects.get(run=run)
    assert held.column == bad_header

    body = officer.get(fix_url(held)).content.decode()
    assert html.escape(held.reason) in body
    for value in cells.values():
        # The original cell, shown and prefilled.
        assert f'value="{value}"' in body

    typed = unicodedata.normalize("NFD", "Trần Thị Mai")
    fixed = {"Họ và tên": typed, "Ngày sinh": "01/02/1990"}
    fixed["Số CCCD"] = cccd(born, "female", 5001)
    response = officer.post(fix_url(held), fix_data(officer, held, **fixed))

    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    member = Member.objects.get(employer=tree.vnpt, employee_code="NV5001")
    assert member.full_name == "Trần Thị Mai"
    assert unicodedata.is_normalized("NFC", member.full_name)
    assert (member.date_of_birth, member.gender, member.unit) == (
        born,
        Member.Gender.FEMALE,
        tree.vnpt_hn,
    )
    held.refresh_from_db()
    assert (held.status, held.member, held.resolved_by) == (
        Held.FIXED,
        member,
        tree.upper_officer,
    )
    assert held.resolved_at is not None
    # The run's changes and its history show the fix.
    change = ImportChange.objects.get(run=run, member=member)
    assert (change.action, change.row_number) == (
        ImportChange.Action.NEW,
        held.row_number,
    )
    page = officer.get(run_url(run)).content.decode()
    assert "NV5001" in page
    assert "Trần Thị Mai" in officer.get(run_url(run, "history")).content.decode()
    assert LogEntry.objects.filter(object_id=str(run.pk)).exists()


def test_a_fix_still_invalid_writes_nothing_and_shows_why_by_the_cell(officer, tree):
    run = done_run(
        tree.vnpt,
        line("NV5100", "Lê Văn Đúng", date(1985, 5, 5)),
        line("NV5101", "Phạm Văn Sai", text="31/02/1990"),
    )
    held = ImportHeldRow.objects.get(run=run)
    members, changes = Member.objects.count(), ImportChange.objects.count()

    response = officer.post(fix_url(held), fix_data(officer, held, **{"Email": "x@"}))

    assert response.status_code == 200
    form = response.context["fix_form"]
    # The same reason as the import gave, next to the date; the e-mail's own.
    assert form.errors[field_of(form, "Ngày sinh")] == [held.reason]
    assert form.errors[field_of(form, "Email")]
    assert html.escape(held.reason) in response.content.decode()
    assert (Member.objects.count(), ImportChange.objects.count()) == (members, changes)
    held.refresh_from_db()
    assert (held.status, held.resolved_by, held.member) == (Held.OPEN, None, None)


def test_a_fix_the_import_would_hold_again_writes_nothing(officer, tree):
    own = tree.own_member
    run = done_run(tree.vnpt, line("NV5201", "Hồ Văn Trùng", text="32/01/1980"))
    held = ImportHeldRow.objects.get(run=run)

    # Its CCCD corrected to one a colleague in the register holds.
    response = officer.post(
        fix_url(held),
        fix_data(
            officer,
            held,
            **{
                "Ngày sinh": f"{own.date_of_birth:%d/%m/%Y}",
                "Số CCCD": own.national_id,
            },
        ),
    )

    form = response.context["fix_form"]
    assert response.status_code == 200
    errors = form.errors[field_of(form, "Số CCCD")]
    assert own.employee_code in errors[0]
    assert not Member.objects.filter(employee_code="NV5201").exists()
    assert ImportChange.objects.filter(run=run).count() == 0
    held.refresh_from_db()
    assert held.status == Held.OPEN


# The import's rules, through the service -------------------------------------


def test_fixing_one_of_two_duplicate_code_rows_lands_it_and_the_other_stays_held(tree):
    run = done_run(
        tree.vnpt,
        line("NV6001", "Đặng Văn Một", date(1980, 1, 1)),
        line(
            "NV6001",
            "Đặng Văn Hai",
            date(1981, 2, 2),
            national_id=cccd(date(1981, 2, 2), "male", 6002),
        ),
    )
    first, second = ImportHeldRow.objects.filter(run=run).order_by("row_number")
    assert {first.code, second.code} == {"duplicate_code"}

    member = held_row_fix(
        row=second,
        values=values_with(second, **{"Mã NV": "NV6002"}),
        user=tree.upper_officer,
    )

    assert (member.employee_code, member.full_name) == ("NV6002", "Đặng Văn Hai")
    assert not Member.objects.filter(
        employer=tree.vnpt, employee_code="NV6001"
    ).exists()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Held.OPEN, Held.FIXED)


def test_a_fixed_row_of_a_member_in_the_register_updates_them(tree):
    existing = make_member(
        unit=tree.vnpt_hn,
        full_name="Vũ Thị Có Sẵn",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1979, 9, 9),
        employee_code="NV6101",
        national_id=cccd(date(1979, 9, 9), "female", 6101),
        email="cu@example.vn",
    )
    run = done_run(
        tree.vnpt,
        line("NV6101", "Vũ Thị Có Sẵn", date(1979, 9, 9), gender="Nữ", email="moi@"),
    )
    held = ImportHeldRow.objects.get(run=run)

    member = held_row_fix(
        row=held, values=values_with(held, Email="Moi@Example.vn"), user=None
    )

    assert member == existing
    existing.refresh_from_db()
    assert existing.email == "moi@example.vn"
    assert Member.objects.filter(employee_code="NV6101").count() == 1
    change = ImportChange.objects.get(run=run)
    assert change.action == ImportChange.Action.UPDATED
    assert change.changes["email"] == ["cu@example.vn", "moi@example.vn"]


def test_a_cccd_of_another_employers_member_proposes_a_transfer(tree):
    born = date(1988, 3, 4)
    national_id = cccd(born, "female", 6201)
    moving = make_member(
        unit=tree.vtc_dt,
        full_name="Lê Thị Chuyển",
        gender=Member.Gender.FEMALE,
        date_of_birth=born,
        national_id=national_id,
        employee_code="VTC6201",
    )
    run = done_run(
        tree.vnpt,
        line(
            "NV6201",
            "Lê Thị Chuyển",
            text="4/3/88",
            gender="Nữ",
            national_id=national_id,
        ),
    )
    held = ImportHeldRow.objects.get(run=run)
    members = Member.objects.count()

    member = held_row_fix(
        row=held, values=values_with(held, **{"Ngày sinh": "04/03/1988"}), user=None
    )

    assert member == moving
    assert Member.objects.count() == members
    transfer = Transfer.objects.get(member=moving)
    assert (transfer.state, transfer.to_employer, transfer.to_unit) == (
        Transfer.State.PENDING,
        tree.vnpt,
        tree.vnpt_hn,
    )
    assert transfer.to_employee_code == "NV6201"
    assert ImportChange.objects.get(run=run).action == ImportChange.Action.TRANSFER
    held.refresh_from_db()
    assert (held.status, held.member) == (Held.FIXED, moving)


def test_fixing_one_row_of_a_full_file_employer_flags_nobody_absent(tree):
    run = done_run(tree.vnpt, line("NV6301", "Ngô Văn Một", text="1/13/1990"))
    held = ImportHeldRow.objects.get(run=run)
    HrmProfile.objects.filter(employer=tree.vnpt).update(full_file=True)

    held_row_fix(
        row=held, values=values_with(held, **{"Ngày sinh": "28/02/1980"}), user=None
    )

    assert Member.objects.filter(employee_code="NV6301").exists()
    assert not Member.objects.filter(hrm_absent_since__isnull=False).exists()
    assert not ImportChange.objects.filter(action=ImportChange.Action.ABSENT).exists()


def test_rows_of_a_newer_import_are_the_ones_to_fix(tree):
    old = done_run(
        tree.vnpt, line("NV6401", "Mai Văn Cũ", text="30/02/1980"), name="t1.csv"
    )
    done_run(tree.vnpt, line("NV6402", "Mai Văn Mới", date(1980, 3, 3)), name="t2.csv")
    held = ImportHeldRow.objects.get(run=old)

    with pytest.raises(ValidationError) as refused:
        held_row_fix(
            row=held, values=values_with(held, **{"Ngày sinh": "28/02/1980"}), user=None
        )

    assert refused.value.code == "not_fixable"
    assert "t2.csv" in refused.value.messages[0]
    assert not Member.objects.filter(employee_code="NV6401").exists()


def test_a_row_whose_stored_file_is_gone_cannot_be_fixed(officer, tree):
    run = done_run(tree.vnpt, line("NV6501", "Tạ Văn Mất", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)
    (Path(settings.MEDIA_ROOT) / run.stored_file).unlink()

    response = officer.get(fix_url(held))

    assert response.status_code == 200
    assert response.context["file_error"]
    assert 'name="_fix"' not in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        held_row_fix(row=held, values=held.values, user=None)
    assert refused.value.code == "file_gone"


# Previews, scope, queries ----------------------------------------------------


def test_rows_of_a_preview_cannot_be_fixed_and_the_pages_say_why(
    officer, tree, queue, tmp_path
):
    upload(
        officer,
        tree,
        csv_file(
            tmp_path,
            "xem-truoc.csv",
            line("NV7001", "Đinh Văn Xem", date(1980, 1, 1)),
            line("NV7002", "Đinh Văn Thử", text="30/02/1980"),
        ),
    )
    queue.work()
    run = ImportRun.objects.get()
    assert run.dry_run
    held = ImportHeldRow.objects.get(run=run)
    with translation.override("vi"):
        why = held_rows_unfixable_reason(run=run)
    assert why

    body = officer.get(fix_url(held)).content.decode()
    assert html.escape(why) in body
    assert 'name="_fix"' not in body
    assert html.escape(why) in officer.get(run_url(run)).content.decode()
    assert fix_url(held) not in officer.get(run_url(run)).content.decode()

    data = {"column_0": "NV7002", "column_1": "Đinh Văn Thử", "_fix": "1"}
    data["column_2"] = "28/02/1980"
    officer.post(fix_url(held), data)
    with pytest.raises(ValidationError) as refused:
        held_row_fix(
            row=held,
            values=values_with(held, **{"Ngày sinh": "28/02/1980"}),
            user=tree.upper_officer,
        )

    assert refused.value.code == "not_fixable"
    assert not Member.objects.filter(employee_code__in=["NV7001", "NV7002"]).exists()
    held.refresh_from_db()
    assert held.status == Held.PREVIEW  # shown, never queued for review


def test_staff_of_another_employer_can_neither_open_nor_post_the_fix(client, tree):
    run = done_run(tree.vnpt, line("NV8001", "Canary Fix Row", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)
    client.force_login(tree.vtc_officer)

    response = client.get(fix_url(held))
    assert response.status_code == 404
    assert "Canary Fix Row" not in response.content.decode()
    data = {f"column_{i}": value for i, value in enumerate(held.values.values())}
    data["column_2"] = "28/02/1980"
    assert client.post(fix_url(held), {**data, "_fix": "1"}).status_code == 404
    response = client.post(fix_url(held), {"_dismiss": "1", "note": "Không rõ"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        held_row_fix(
            row=held,
            values=values_with(held, **{"Ngày sinh": "28/02/1980"}),
            user=tree.vtc_officer,
        )
    assert (
        held_rows_dismiss_with_note(
            rows=ImportHeldRow.objects.all(), user=tree.vtc_officer, note="Không rõ"
        )
        == 0
    )
    assert not Member.objects.filter(employee_code="NV8001").exists()
    held.refresh_from_db()
    assert held.status == Held.OPEN


def test_the_scope_crawler_opens_the_fix_page_only_in_scope(client, tree):
    from tests.members.test_scope import crawl_as

    own = done_run(tree.vnpt, line("NV8101", "Own Fix Row", text="30/02/1980"))
    canary = done_run(
        tree.vtc, line("TH8102", "Canary Fix Row", text="30/02/1980", dept="TH01")
    )
    own_row, canary_row = (ImportHeldRow.objects.get(run=r) for r in (own, canary))
    officer = tree.upper_officer
    officer.groups.add(make_permissions_group("Mọi quyền"))

    crawl = crawl_as(client, officer, out_of_scope=[canary_row])

    assert crawl.statuses(fix_url(own_row)) == {200}
    assert fix_url(own_row) in crawl.showing("Own Fix Row")
    assert crawl.statuses(fix_url(canary_row)) == {404}
    assert crawl.opened == []
    assert crawl.leaks({"held": "Canary Fix Row"}) == {}


def test_the_fix_view_reads_a_fixed_number_of_queries(
    officer, tree, django_assert_num_queries
):
    run = done_run(tree.vnpt, line("NV8201", "Kiều Văn Đếm", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)
    url = fix_url(held)
    data = fix_data(officer, held, **{"Ngày sinh": "28/02/1980"})
    bad = {**data, field_of(officer.get(url).context["fix_form"], "Email"): "x@"}

    # Session, user, permissions, whether the officer has a second factor,
    # the row with its run and employer, the profile, whether a newer run
    # exists, and the member behind the account for the greeting
    # (User.get_short_name).
    with django_assert_num_queries(9):
        officer.get(url)
    # The same again in the service, the held row locked: savepoints of the
    # view and the service, rolled back.
    with django_assert_num_queries(18):
        officer.post(url, bad)
    for serial in range(5):
        make_member(unit=tree.vnpt_hn, full_name=f"Thêm Người {serial}")
    with django_assert_num_queries(9):
        officer.get(url)
    # Fixed: the view's 8 (one of them: has the officer a second factor); the
    # row locked, newer runs and the profile; the
    # plan's departments, members and CCCDs (one query each, whatever the
    # register's size); the member's unit, the member, its change, the member
    # read back; the row saved; two history entries; 6 savepoint commands; and
    # the member's unit, for whether the message may name them.
    for model in (ImportHeldRow, ImportRun):
        ContentType.objects.get_for_model(model)  # cached, as in production
    with django_assert_num_queries(28):
        response = officer.post(url, data)
    assert response.status_code == 302


def test_fixing_a_row_reads_the_stored_file_once(officer, tree, monkeypatch):
    run = done_run(tree.vnpt, line("NV8301", "Đọc Một Lần", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)
    data = fix_data(officer, held, **{"Ngày sinh": "28/02/1980"})
    reads = []

    def counted(source, **kwargs):
        reads.append(source)
        return hrm_file_read(source, **kwargs)

    monkeypatch.setattr("members.services.hrm_review.hrm_file_read", counted)
    response = officer.post(fix_url(held), data)

    assert response.status_code == 302
    assert len(reads) == 1
    held.refresh_from_db()
    assert held.status == Held.FIXED


# Dismissing, and the upload's layout check -----------------------------------


def test_dismissing_a_row_from_its_page_records_the_note(officer, tree):
    run = done_run(tree.vnpt, line("NV9001", "Lý Văn Bỏ", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)

    response = officer.post(fix_url(held), {"_dismiss": "1", "note": " "})
    assert response.status_code == 200
    assert response.context["dismiss_form"].errors["note"]
    held.refresh_from_db()
    assert held.status == Held.OPEN

    note = unicodedata.normalize("NFD", "Đã nghỉ việc trước khi xuất tệp")
    response = officer.post(fix_url(held), {"_dismiss": "1", "note": note})

    assert response.status_code == 302
    held.refresh_from_db()
    assert (held.status, held.resolved_by) == (Held.DISMISSED, tree.upper_officer)
    assert held.resolution_note == "Đã nghỉ việc trước khi xuất tệp"
    assert held.resolved_at is not None
    history = officer.get(run_url(run, "history")).content.decode()
    assert "Đã nghỉ việc trước khi xuất tệp" in history
    # A dismissed row is not fixed afterwards.
    with pytest.raises(ValidationError):
        held_row_fix(row=held, values=held.values, user=None)


def test_the_review_service_says_what_can_be_done_with_a_row(tree):
    run = done_run(tree.vnpt, line("NV9101", "Lò Văn Xem", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)
    preview = import_run_create(
        employer=tree.vnpt,
        source=ImportRun.Source.COMMAND,
        file_name="xem.csv",
        content=(HEADER + line("NV9102", "Lò Văn Thử", text="30/02/1980")).encode(),
        dry_run=True,
    )
    import_run_execute(run_id=preview.pk)
    shown = ImportHeldRow.objects.get(run=preview)

    review = held_row_review(row=held)
    only_shown = held_row_review(row=shown)

    assert (review.fixable, review.dismissable) == (True, True)
    assert [column.header for column in review.columns] == HEADER.strip().split(",")
    assert review.hrm is not None
    assert (only_shown.fixable, only_shown.dismissable) == (False, False)
    assert only_shown.unfixable == held_rows_unfixable_reason(run=preview)
    assert (only_shown.hrm, only_shown.columns) == (None, [])


def test_the_dismiss_service_takes_one_open_row_and_refuses_the_rest(tree):
    run = done_run(tree.vnpt, line("NV9201", "Hà Văn Bỏ", text="30/02/1980"))
    held = ImportHeldRow.objects.get(run=run)

    with pytest.raises(PermissionDenied):
        held_row_dismiss(row=held, user=tree.vtc_officer, note="Không rõ")
    with pytest.raises(ValidationError) as empty:
        held_row_dismiss(row=held, user=tree.upper_officer, note=" ")
    assert "note" in empty.value.message_dict

    dismissed = held_row_dismiss(row=held, user=tree.upper_officer, note="Đã nghỉ")

    assert (dismissed.status, dismissed.resolution_note) == (Held.DISMISSED, "Đã nghỉ")
    assert dismissed.resolved_by == tree.upper_officer
    with pytest.raises(ValidationError) as again:
        held_row_dismiss(row=held, user=tree.upper_officer, note="Lần nữa")
    assert again.value.code == "not_open"
    held.refresh_from_db()
    assert held.resolution_note == "Đã nghỉ"


def test_an_unmappable_upload_is_refused_by_the_worker_and_recorded(
    officer, tree, queue, tmp_path
):
    path = tmp_path / "la.csv"
    path.write_text("Cột A,Cột B\n1,2\n", encoding="utf-8")
    with translation.override("vi"):
        with pytest.raises(FileRefused) as refusal:
            read_hrm_file(path)
        reason = refusal.value.text

    response = upload(officer, tree, path)

    # The request reads no layout: it stores the file, queues its dry run and
    # leads to the run's page, where the worker's refusal shows.
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert queue.run_ids == [run.pk]
    queue.work()
    run.refresh_from_db()
    assert (run.status, run.message, run.dry_run) == (Status.REFUSED, reason, True)
    assert (run.started_by, run.file_name) == (tree.upper_officer, "la.csv")
    assert run.finished_at is not None
    assert html.escape(reason) in officer.get(run_url(run)).content.decode()
    # Refused once: nothing is queued again.
    assert queue.run_ids == []
