"""Browser check of the Content-Security-Policy: no page breaks a rule of it."""

from collections.abc import Callable
from datetime import date

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from members import services
from members.models import Member, Unit
from tests.e2e.conftest import DESKTOP, PHONE

PUBLIC_PAGES = [
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/kich-hoat/",
    "/offline/",
]
MEMBER_PAGES = ["/", "/ho-so/", "/the-doan-vien/", "/than-nhan/", "/than-nhan/them/"]
MEMBER_PAGES += ["/thong-bao/", "/thong-bao/cai-dat/", "/accounts/password/change/"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/members/unit/",
    "/admin/members/member/",
    "/admin/members/member/add/",
    "/admin/members/member/export/",
    "/admin/members/carecase/radar/",
    "/admin/members/member/picture/",
    "/admin/members/careprogramme/",
    "/admin/members/importrun/import/",
    "/admin/members/auditevent/",
    "/admin/members/datarightsrequest/",
    "/admin/django_celery_beat/periodictask/add/",
    "/admin/axes/accessattempt/",
    "/accounts/2fa/",
]


@pytest.fixture
def member(make_user) -> Member:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông",
        level=Unit.Level.SECTOR,
    )
    grassroots = services.unit_create(
        code="VNPT-01",
        name="Công đoàn cơ sở VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=sector,
        is_employer=True,
    )
    return services.member_create(
        unit=grassroots,
        employee_code="VNPT00001",
        full_name="Nguyễn Thị Hoa",
        date_of_birth=date(1990, 5, 17),
        gender=Member.Gender.FEMALE,
        national_id="001190012345",
        email="hoa.nguyen@example.vn",
        union_joined_on=date(2015, 3, 1),
        card_number="CD0000001",
        user=make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa"),
    )


def record_violations(page: Page) -> list[str]:
    """Collect what Chromium reports as refused by the page's policy."""
    violations: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return violations


def visit(page: Page, paths: list[str]) -> None:
    for path in paths:
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.wait_for_load_state("load")


def test_public_pages_break_no_rule(page_at: Callable[[int], Page]):
    page = page_at(PHONE)
    violations = record_violations(page)
    visit(page, PUBLIC_PAGES)
    # The portal's own script ran: the service worker it registers is active.
    page.goto("/accounts/login/")
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope.endswith("/")
    assert violations == []


def test_member_pages_break_no_rule(page_at, signed_in, member):
    page = signed_in(page_at(PHONE), member.user)
    violations = record_violations(page)
    visit(page, MEMBER_PAGES)
    assert violations == []
    # Styles moved out of the templates still apply (members.css).
    page.goto("/the-doan-vien/")
    expect(page.locator(".ecard")).to_have_css("max-width", "384px")


def test_admin_pages_break_no_rule(page_at, signed_in, superuser, member):
    page = signed_in(page_at(DESKTOP), superuser)
    violations = record_violations(page)
    visit(page, ADMIN_PAGES)
    assert violations == []


def test_admin_scripts_moved_out_of_third_party_templates_still_work(
    page_at, signed_in, superuser, member
):
    page = signed_in(page_at(DESKTOP), superuser)
    violations = record_violations(page)

    page.goto("/admin/members/member/export/")
    toggle = page.locator("input.select-toggle")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    expect(page.locator(".select-toggle-label")).to_have_css("font-weight", "700")
    toggle.uncheck()
    assert fields.count() > 1
    assert not any(box.is_checked() for box in fields.all())
    toggle.check()
    assert all(box.is_checked() for box in fields.all())

    page.goto("/admin/django_celery_beat/periodictask/add/")
    expect(page.locator("#readable-crontabs")).to_have_count(1)
    expect(page.locator(".field-crontab_translation")).to_be_hidden()
    assert violations == []
