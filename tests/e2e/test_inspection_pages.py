"""Inspections' pages in the browser: no serious axe violation, no English label.

The inspector's and the inspected unit's pages on a phone, the split page and
the plan's import on a desktop, over a year of work with a conflict to settle.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections import services
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_accessibility import (  # noqa: F401 (fixtures)
    axe_page,
    axe_violations,
    described,
    visit,
)
from tests.e2e.test_translations_shown import english, english_on  # noqa: F401
from tests.inspections.factories import make_checklist, make_plan
from tests.members.factories import (
    make_account,
    make_member,
    make_permissions_group,
    make_staff,
    make_union_tree,
)


@pytest.fixture
def work(settings, tmp_path, live_server):
    settings.MEDIA_ROOT = tmp_path / "media"
    tree = make_union_tree()
    group = make_permissions_group("Kiểm tra", "inspections", "members")
    inspector = make_staff(
        email="kiemtra@vnpt.vn", name="Trần Thị Kiểm", unit=tree.vnpt, groups=(group,)
    )
    contact = make_account(
        make_member(unit=tree.vnpt_hn, full_name="Lê Thị Đầu Mối", email="dm@vnpt.vn")
    )
    start = tree.today + timedelta(days=3)
    plan = make_plan(unit=tree.vnpt, year=start.year)
    activity = services.activity_create(
        actor=None,
        plan=plan,
        inspected_unit=tree.vnpt_hn,
        kind="inspection",
        mode="online",
        topic="Kiểm tra tài chính công đoàn",
        planned_start=start,
        lead=inspector,
        team=[tree.sibling_officer],
        contacts=[contact],
        checklist=make_checklist(),
    )
    text = activity.checklist.items.get(answer_type="text")
    for user, key, answer in (
        (contact, "a", "Đã họp"),
        (tree.sibling_officer, "b", "Chưa"),
    ):
        services.answer_submit(
            user=user,
            activity=activity,
            item=text,
            values={"text": answer},
            client_key=key,
            device=key,
        )
    services.document_upload(
        user=contact,
        activity=activity,
        title="Báo cáo tài chính",
        file=SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4"),
    )
    finding = services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Nộp chậm"
    )
    services.recommendation_create(
        actor=inspector,
        finding=finding,
        text="Nộp đủ đoàn phí",
        owner=contact,
        due_date=tree.today + timedelta(days=20),
    )
    return inspector, contact, activity, start.year


def _portal_pages(activity) -> list[str]:
    return [
        reverse("inspections:activities"),
        reverse("inspections:activity", args=[activity.pk]),
        reverse("inspections:checklist", args=[activity.pk]),
        reverse("inspections:recommendations"),
        reverse("inspections:calendar"),
    ]


def _staff_pages(year: int) -> list[str]:
    return [
        f"{reverse('admin:inspections_activity_split')}?year={year}",
        reverse("admin:inspections_activity_import"),
        reverse("admin:inspections_activity_changelist"),
        reverse("admin:inspections_recommendation_changelist") + "?overdue=yes",
    ]


def test_inspection_pages_pass_axe(axe_page, work):  # noqa: F811
    inspector, contact, activity, year = work
    problems = {}
    for user, width, paths in (
        (inspector, PHONE, _portal_pages(activity)),
        (contact, PHONE, _portal_pages(activity)),
        (inspector, DESKTOP, _staff_pages(year)),
    ):
        page = axe_page(width, user)
        for path in paths:
            visit(page, path)
            found = [described(v) for v in axe_violations(page)]
            if found:
                problems[f"{path} ({width})"] = found
    assert problems == {}


def test_inspection_pages_show_no_english(page_at, signed_in, work, english):  # noqa: F811
    inspector, contact, activity, year = work
    page = signed_in(page_at(DESKTOP), inspector)
    found = english_on(page, [*_portal_pages(activity), *_staff_pages(year)], english)
    page = signed_in(page_at(DESKTOP), contact)
    found |= english_on(page, _portal_pages(activity), english)
    assert found == {}
