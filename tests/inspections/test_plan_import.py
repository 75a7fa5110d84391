"""A plan imported from a spreadsheet: previewed with each refused row, confirmed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inspections.models import Activity
from members.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = (
    "loại,hình thức,mã đơn vị được kiểm tra,lĩnh vực,ngày bắt đầu theo kế hoạch,"
    "ngày kết thúc theo kế hoạch,email trưởng đoàn,email thành viên đoàn,bảng kiểm\n"
)


def _format(page: str) -> str:
    match = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page)
    assert match, "the csv format is offered"
    return match.group(1)


def _upload(client, plan, content: str):
    url = "/admin/inspections/activity/import/"
    page = client.get(url).content.decode()
    return client.post(
        url,
        {
            "plan": plan.pk,
            "format": _format(page),
            "import_file": SimpleUploadedFile(
                "ke-hoach.csv", content.encode("utf-8"), content_type="text/csv"
            ),
        },
    )


@pytest.fixture
def officer(tree, inspections_staff):
    return inspections_staff(tree.upper_officer)


def test_the_preview_names_each_refused_row_and_writes_nothing(
    client, tree, plan, officer, inspector
):
    client.force_login(officer)
    content = HEADER + (
        f"Kiểm tra,Trực tuyến,{tree.vnpt_hn.code},Tài chính,10/03/2026,11/03/2026,"
        f"{inspector.email},,\n"
        f"Giám sát,Trực tiếp,{tree.vnpt_hcm.code},Dân chủ,12/04/2026,12/04/2026,"
        f"{inspector.email},{tree.sibling_officer.email},\n"
        f"Kiểm tra,online,{tree.vtc_dt.code},Ngoài phạm vi,05/05/2026,05/05/2026,"
        f"{inspector.email},,\n"
    )
    response = _upload(client, plan, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "không được kiểm tra đơn vị của mình" in page  # the sibling officer
    assert f"{tree.vtc_dt.code} không thuộc phạm vi của bạn" in page
    assert not Activity.objects.exists()
    assert 'name="import_file_name"' not in page  # nothing to confirm


def test_a_clean_file_is_previewed_then_imported_through_the_services(
    client, tree, plan, officer, inspector
):
    client.force_login(officer)
    content = HEADER + (
        f"Kiểm tra,Trực tuyến,{tree.vnpt_hn.code},Tài chính,10/03/2026,11/03/2026,"
        f"{inspector.email},{tree.sibling_officer.email},\n"
        f"supervision,in_person,{tree.vnpt_hcm.code},Dân chủ,12/04/2026,,"
        f"{inspector.email},,\n"
    )
    preview = _upload(client, plan, content)
    page = preview.content.decode()
    assert 'name="import_file_name"' in page
    assert not Activity.objects.exists()
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    response = client.post(
        "/admin/inspections/activity/process_import/",
        {
            name: fields[name]
            for name in ("import_file_name", "original_file_name", "format", "plan")
        },
    )
    assert response.status_code == 302
    activities = list(Activity.objects.order_by("planned_start"))
    assert [(a.kind, a.mode, a.inspected_unit) for a in activities] == [
        ("inspection", "online", tree.vnpt_hn),
        ("supervision", "in_person", tree.vnpt_hcm),
    ]
    assert list(activities[0].team.all()) == [tree.sibling_officer]
    assert activities[1].planned_end == activities[1].planned_start
    assert (
        AuditEvent.objects.filter(
            detail__action="inspection_activity_create", actor=officer
        ).count()
        == 2
    )
