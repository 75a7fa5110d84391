"""The HRM upload page: the headers the reader accepts, and a sample workbook."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.hrm import read_hrm_file
from members.hrm.headers import ALIASES, FIELD_LABELS, REQUIRED_FIELDS
from members.models import HrmDepartment, HrmProfile, ImportRun, Member
from members.resources import XLSX_CONTENT_TYPE
from tests.conftest import vi, vi_text
from tests.members.factories import make_staff, make_union_tree
from tests.members.test_imports_admin import Queue

pytestmark = pytest.mark.django_db

UPLOAD = "admin:members_importrun_upload"
SAMPLE = "admin:members_importrun_sample"


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
def officer(client, tree):
    client.force_login(tree.upper_officer)
    return client


def sample(client, **params) -> bytes:
    response = client.get(reverse(SAMPLE), params)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    return response.content


def test_the_upload_page_lists_every_accepted_header_and_links_the_sample(officer):
    page = officer.get(reverse(UPLOAD)).content.decode()

    for field, label in FIELD_LABELS.items():
        assert vi(str(label)[:1].upper() + str(label)[1:]) in page, field
        for alias in ALIASES[field]:
            assert alias.replace("'", "&#x27;") in page, alias
    assert vi("Required") in page
    assert f'href="{reverse(SAMPLE)}"' in page
    # The form's labels start with a capital, as the admin's own do.
    assert f">{vi_text('Employer')}:</label>" in page


def test_the_sample_opens_with_the_headers_the_reader_accepts(officer):
    book = load_workbook(io.BytesIO(sample(officer)))

    sheet = book.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    header, *examples = rows
    assert header == [ALIASES[field][0] for field in FIELD_LABELS]
    assert len(examples) == 2
    hrm = read_hrm_file(io.BytesIO(sample(officer)), file_name="mau.xlsx")
    assert set(hrm.columns) == set(FIELD_LABELS)
    records = list(hrm.records())
    assert [record.errors for record in records] == [[], []]
    assert all(record.values[field] for record in records for field in REQUIRED_FIELDS)


def test_the_sample_uses_the_chosen_employers_mapped_departments(officer, tree):
    HrmDepartment.objects.create(
        employer=tree.vnpt, code="KT", name="Phòng Kỹ thuật", unit=tree.vnpt_hn
    )

    hrm = read_hrm_file(
        io.BytesIO(sample(officer, employer=tree.vnpt.pk)), file_name="mau.xlsx"
    )

    departments = {record.values["department_code"] for record in hrm.records()}
    assert departments == {"KT"}


def test_importing_the_sample_as_a_dry_run_refuses_nothing_and_holds_nothing(
    officer, tree, queue
):
    # Two rows are not the employer's whole register: a partial file.
    HrmProfile.objects.create(
        employer=tree.vnpt, default_unit=tree.vnpt_hn, full_file=False
    )
    content = sample(officer, employer=tree.vnpt.pk)
    members_before = Member.objects.count()

    response = officer.post(
        reverse(UPLOAD),
        {
            "employer": tree.vnpt.pk,
            "file": _named(content, "mau-nhap-nhan-su.xlsx"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    queue.work()

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.PREVIEWED, run.message
    assert (run.total_rows, run.count_new, run.count_held) == (2, 2, 0)
    # A dry run writes nothing.
    assert Member.objects.count() == members_before


def test_the_sample_is_for_staff_who_may_upload(client, tree, member_user):
    url = reverse(SAMPLE)

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(member_user)
    assert client.get(url).status_code == 302  # not staff: the admin's login
    viewer = make_staff(email="xem@example.vn", name="Người Xem", unit=tree.vnpt_hn)
    client.force_login(viewer)
    assert client.get(url).status_code == 403


def test_the_sample_refuses_an_employer_outside_the_scope(client, tree):
    client.force_login(tree.upper_officer)

    response = client.get(reverse(SAMPLE), {"employer": tree.vtc.pk})

    assert response.status_code == 404


def _named(content: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle
