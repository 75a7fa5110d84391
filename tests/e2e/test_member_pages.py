"""Browser tests of the member's pages on a 360 px phone: e-card and relatives."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from members import services
from members.models import Member, Unit
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE

UNIT_NAME = "Công đoàn cơ sở VNPT Hà Nội"


@pytest.fixture
def member(make_user) -> Member:
    sector = services.unit_create(
        code="CDTTTT",
        name="Công đoàn Thông tin và Truyền thông Việt Nam",
        level=Unit.Level.SECTOR,
    )
    upper = services.unit_create(
        code="VNPT",
        name="Công đoàn Tập đoàn VNPT",
        level=Unit.Level.UPPER,
        parent=sector,
        is_employer=True,
    )
    grassroots = services.unit_create(
        code="VNPT-01", name=UNIT_NAME, level=Unit.Level.GRASSROOTS, parent=upper
    )
    return services.member_create(
        unit=grassroots,
        employee_code="VNPT00001",
        full_name="Nguyễn Thị Hoa",
        date_of_birth=date(1990, 5, 17),
        gender=Member.Gender.FEMALE,
        national_id="001190012345",
        phone="0912345678",
        email="hoa.nguyen@example.vn",
        union_joined_on=date(2015, 3, 1),
        card_number="CD0000001",
        user=make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa"),
    )


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_opens_ecard_and_adds_a_relative_on_a_phone(
    page_at, signed_in, screenshot, member
):
    page = signed_in(page_at(PHONE), member.user)
    widths = {}

    page.goto("/")
    panel = page.locator("article.member-panel")
    expect(panel).to_contain_text("Nguyễn Thị Hoa")
    expect(panel).to_contain_text(UNIT_NAME)
    widths["home"] = document_width(page)
    screenshot(page, "home")
    panel.get_by_role("button", name=vi("Show my union card")).click()

    expect(page).to_have_url(re.compile(r"/the-doan-vien/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Union card"))
    card = page.locator("article.ecard")
    expect(card).to_contain_text("Nguyễn Thị Hoa")
    expect(card).to_contain_text(UNIT_NAME)
    expect(card).to_contain_text("CD0000001")
    qr = card.locator("svg.segno")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None
    assert box["width"] >= 150, "the QR code is too small to scan"
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE
    widths["e-card"] = document_width(page)
    screenshot(page, "ecard")

    page.locator("nav.portal-tabs").get_by_role("link", name=vi("More")).click()
    page.locator("ul.portal-more").get_by_role(
        "link", name=vi("Relatives"), exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/than-nhan/$"))
    expect(page.locator("#no-relatives")).to_be_visible()
    page.get_by_role("button", name=vi("Add a relative")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Add a relative"))
    page.locator('input[name="full_name"]').fill("Lê Minh Khang")
    page.locator('select[name="relationship"]').select_option("child")
    birth = page.locator('input[name="date_of_birth"]')
    expect(birth).to_have_attribute("placeholder", vi("dd/mm/yyyy"))
    birth.fill("15/06/2015")
    page.locator('input[name="phone"]').fill("0901 234 567")
    widths["relative form"] = document_width(page)
    screenshot(page, "relative-form")
    page.get_by_role("button", name=vi("Save"), exact=True).click()

    expect(page).to_have_url(re.compile(r"/than-nhan/$"))
    relative = member.relatives.get()
    listed = page.locator(f"#relative-{relative.pk}")
    expect(listed).to_contain_text("Lê Minh Khang")
    expect(listed).to_contain_text("15/06/2015")
    expect(listed).to_contain_text("0901234567")
    expect(page.locator("#no-relatives")).to_have_count(0)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    widths["relatives"] = document_width(page)
    screenshot(page, "relatives")

    too_wide = {name: px for name, px in widths.items() if px > PHONE + 1}
    assert too_wide == {}, f"pages wider than {PHONE} px: {too_wide}"
