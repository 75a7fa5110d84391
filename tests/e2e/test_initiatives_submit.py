"""Initiatives in the browser: submitting one on a 360 px phone; axe on its pages."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import Initiative
from members.services.staff import role_groups_install
from tests.conftest import require_service, vi_text
from tests.e2e.conftest import BROWSER_LOCALE, DESKTOP, PHONE, TIMEOUT_MS, VIEWPORTS
from tests.e2e.test_accessibility import (
    AXE,
    axe_violations,
    basics_report,
    described,
    visit,
)
from tests.feedback.initiatives_factories import make_initiative, make_round, recognise
from tests.members.factories import make_account, make_member, make_union_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def union(live_server, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    role_groups_install()
    tree = make_union_tree(today=timezone.localdate())
    author = make_member(
        unit=tree.vnpt_hn,
        full_name="Phan Thị Thảo",
        email="thao.phan@example.vn",
        employee_code="HN-3601",
    )
    make_account(author)
    author.refresh_from_db()
    colleague = make_member(unit=tree.vnpt_hn, full_name="Hoàng Văn Đức")
    stranger = make_member(unit=tree.vtc_dt, full_name="Vũ Thị Hằng")
    public = make_initiative(
        member=stranger, title="Tối ưu hóa quy trình kiểm tra trạm phát sóng"
    )
    recognise(public, officer=tree.vtc_officer, review_round=make_round(unit=tree.vtc))
    return tree, author, colleague, public


def test_a_member_submits_an_initiative_on_a_phone(
    page_at, signed_in, screenshot, union, tmp_path
):
    _tree, author, colleague, public = union
    page = signed_in(page_at(PHONE), author.user)
    drawing = tmp_path / "so-do.pdf"
    drawing.write_bytes(b"%PDF-1.4 so do tram")

    page.goto(reverse("feedback:my_initiatives"))
    page.locator("#initiative-new").click()
    page.get_by_label(vi_text("Name of the initiative")).fill(
        "toi uu hoa quy trinh kiem tra tram"
    )
    page.get_by_label(vi_text("The problem")).fill("Kiểm tra trạm mất cả ngày.")
    page.get_by_label(vi_text("The solution")).fill(
        "Danh mục kiểm tra trên điện thoại."
    )
    page.get_by_label(vi_text("Expected money benefit (VND a year)")).fill("75.000.000")
    page.get_by_label(vi_text("Co-authors")).fill("Hoàng Văn Đức")
    page.locator("#initiative-check").click()

    similar = page.locator("#initiative-similar")
    similar.wait_for()
    assert public.title in similar.inner_text()
    assert "Hoàng Văn Đức" in page.locator("#initiative-coauthors").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"the page scrolls sideways: {width}px"
    screenshot(page, "similar")
    page.get_by_label(vi_text("Attachments")).set_input_files(str(drawing))
    page.locator("#initiative-confirm").click()

    page.locator("#initiative-history").wait_for()
    initiative = Initiative.objects.get(member=author)
    assert page.url.endswith(reverse("feedback:initiative", args=[initiative.pk]))
    assert initiative.title == "toi uu hoa quy trinh kiem tra tram"
    assert initiative.expected_benefit_vnd == 75_000_000
    assert [c.member for c in initiative.coauthors.all()] == [colleague]
    assert initiative.attachments.get().name == "so-do.pdf"
    assert "75.000.000" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    screenshot(page, "submitted")


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_initiatives_pages_pass_axe(
    browser, live_server, signed_in, screenshot, union, width
):
    require_service(AXE.exists(), f"axe-core is not installed at {AXE} (npm ci)")
    tree, author, _colleague, _public = union
    mine = make_initiative(member=author, title="Sáng kiến giao ca điện tử")
    recognise(
        mine,
        officer=tree.grassroots_officer,
        review_round=make_round(unit=tree.vnpt_hn),
    )
    context = browser.new_context(
        base_url=live_server.url, locale=BROWSER_LOCALE, **VIEWPORTS[width]
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(path=Path(AXE))
    found = {}
    try:
        page = signed_in(context.new_page(), author.user)
        for path in (
            "/",
            reverse("feedback:my_initiatives"),
            reverse("feedback:initiative_submit"),
            reverse("feedback:initiative", args=[mine.pk]),
        ):
            visit(page, path)
            problems = [described(v) for v in axe_violations(page)]
            problems += basics_report(page, width)
            if problems:
                found[path] = problems
        page = signed_in(context.new_page(), tree.grassroots_officer)
        for path in (
            reverse("admin:feedback_initiative_dashboard"),
            reverse("admin:feedback_initiative_changelist"),
            reverse("admin:feedback_initiative_change", args=[mine.pk]),
            reverse("admin:feedback_initiative_decide", args=[mine.pk]),
        ):
            visit(page, path)
            problems = [described(v) for v in axe_violations(page)]
            if problems:
                found[path] = problems
            if path.endswith("/dashboard/"):
                screenshot(page, "dashboard")
    finally:
        context.close()
    assert found == {}
