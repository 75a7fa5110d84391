"""Every export escapes cells a spreadsheet would run as formulas, read back as files.

The exports: the member list (django-import-export, XLSX and CSV), an import
run's held rows (XLSX), the register's picture (XLSX) and a member's own data
(XLSX). A cell beginning with = + - @, a tab or a carriage return gets a
leading apostrophe (members.resources.cell_escape), so Excel and LibreOffice
show it as text.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse
from openpyxl import load_workbook

from members.models import HrmProfile, ImportRun, Member, Unit
from members.resources import FORMULA_START, SafeExportResource
from members.services.hrm_import import import_run_create, import_run_execute
from tests.members.factories import (
    make_account,
    make_member,
    make_union_tree,
    make_unit,
)
from tests.members.test_privacy_audit import export_form_data

pytestmark = pytest.mark.django_db

DANGEROUS = [
    '=HYPERLINK("http://evil.example/?x=1","Bấm vào đây")',
    "+1",
    "@SUM(A1:A3)",
    "-2+3",
    "\tx",
    "\rx",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_union_tree()


@pytest.fixture
def dangerous_members(tree) -> list[Member]:
    """Members of our unit named as formulas; names set past the normalising."""
    members = []
    for number, name in enumerate(DANGEROUS):
        member = make_member(
            unit=tree.vnpt_hn,
            full_name=f"Tên {number}",
            email=f"congthuc{number}@example.vn",
        )
        # A tab or CR would be trimmed by the services: the row is written as
        # an older import might have left it.
        Member.objects.filter(pk=member.pk).update(full_name=name, position=name)
        members.append(member)
    return members


def xlsx_cells(content: bytes) -> list:
    """Return every cell of every sheet of a workbook (not read-only: types kept)."""
    book = load_workbook(io.BytesIO(content))
    return [
        cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]


def assert_escaped_in_xlsx(content: bytes, values: list[str]) -> None:
    cells = xlsx_cells(content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    # XML reads a carriage return back as a line feed.
    for value in (value.replace("\r", "\n") for value in values):
        assert "'" + value in texts, value
        assert value not in texts, value
    assert not [text for text in texts if text.startswith(FORMULA_START)]


def test_the_member_export_escapes_formulas_in_xlsx_and_csv(
    client, tree, dangerous_members
):
    client.force_login(tree.grassroots_officer)
    url = reverse("admin:members_member_export")

    xlsx = client.post(url, export_form_data(client, url, "xlsx"))
    text = client.post(url, export_form_data(client, url, "csv"))

    assert xlsx.status_code == 200
    assert_escaped_in_xlsx(xlsx.content, DANGEROUS)
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    for value in DANGEROUS:
        assert "'" + value in cells, value
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]


def test_the_held_rows_export_escapes_formulas(client, tree):
    HrmProfile.objects.create(employer=tree.vnpt, default_unit=tree.vnpt_hn)
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(
        ["Mã NV", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Chức danh"]
    )
    for number, name in enumerate(DANGEROUS):
        # The CCCD is too short: every row is held, its cells kept as written.
        writer.writerow([f"NV80{number}", name, "02/01/1985", "Nam", "123", name])
    run = import_run_create(
        employer=tree.vnpt,
        source=ImportRun.Source.COMMAND,
        file_name="congthuc.csv",
        content=text.getvalue().encode("utf-8-sig"),
    )
    run = import_run_execute(run_id=run.pk)
    assert run.count_held == len(DANGEROUS)
    client.force_login(tree.upper_officer)

    response = client.get(reverse("admin:members_importrun_held_xlsx", args=[run.pk]))

    assert response.status_code == 200
    assert_escaped_in_xlsx(response.content, DANGEROUS)


def test_the_register_picture_export_escapes_formulas(client, tree):
    for number, name in enumerate(DANGEROUS):
        unit = make_unit(code=f"F{number}", name="F", level="upper", parent=tree.sector)
        Unit.objects.filter(pk=unit.pk).update(name=name)
    client.force_login(tree.sector_officer)

    response = client.get(reverse("admin:members_register_picture_xlsx"))

    assert response.status_code == 200
    assert_escaped_in_xlsx(response.content, DANGEROUS)


def test_a_members_own_data_download_escapes_formulas(client, tree, dangerous_members):
    member = dangerous_members[0]
    user = make_account(Member.objects.get(pk=member.pk))
    Member.objects.filter(pk=member.pk).update(full_name=DANGEROUS[0])
    client.force_login(user)

    response = client.get(reverse("members:my_data_download", args=["xlsx"]))

    assert response.status_code == 200
    assert_escaped_in_xlsx(response.content, [DANGEROUS[0]])


# Files the project writes that nobody opens in a spreadsheet: they are read
# back by the import, which must see the cells as the employer wrote them.
NOT_EXPORTS = {
    "members/hrm/redaction.py": "an erased person's stored HRM file, rewritten",
    "members/management/demo_import.py": "the demo's HRM file, fed to the import",
}


def test_every_spreadsheet_the_project_writes_goes_through_cell_escape():
    """A new export must escape too: every module writing a workbook uses it."""
    writers = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "benchmarks" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\(|csv\.writer\(|\.writerow\(", source):
            writers.append(path)
    assert writers  # the scan finds the known writers
    for path in writers:
        if path.relative_to(ROOT).as_posix() in NOT_EXPORTS:
            continue
        assert "cell_escape" in path.read_text(encoding="utf-8"), path
    for model_admin in admin.site._registry.values():
        for resource in getattr(model_admin, "resource_classes", None) or []:
            assert issubclass(resource, SafeExportResource), resource
