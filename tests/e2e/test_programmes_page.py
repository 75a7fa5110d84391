"""Browser test of the member's care programmes and consultations on a 360 px phone."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from members.models import CareProgramme, ConsultationRequest, Member, Relative
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.members.factories import make_account, make_member, make_relative, make_unit
from tests.members.factories_programmes import FEMALE_ACTIVE, deliver, make_programme


@pytest.fixture
def mother(db) -> Member:
    sector = make_unit(code="CDTTTT", name="Công đoàn TT&TT", level="sector")
    upper = make_unit(
        code="VNPT",
        name="Công đoàn VNPT",
        level="upper",
        parent=sector,
        is_employer=True,
    )
    grassroots = make_unit(
        code="VNPT-01", name="CĐCS VNPT Hà Nội", level="grassroots", parent=upper
    )
    member = make_member(
        unit=grassroots,
        full_name="Nguyễn Thị Hoa",
        gender=Member.Gender.FEMALE,
        date_of_birth=date(1980, 5, 17),
        email="hoa.nguyen@example.vn",
    )
    make_account(member)
    make_relative(
        member=member,
        full_name="Lê Minh Khang",
        relationship=Relative.Relationship.CHILD,
        date_of_birth=date(2016, 6, 15),
    )
    member.refresh_from_db()
    return member


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_sees_programmes_and_asks_for_a_consultation_on_a_phone(
    page_at, signed_in, screenshot, mother
):
    unit = mother.unit
    health = make_programme(
        unit=unit,
        name="Khám sức khỏe nữ đoàn viên 2026",
        rules=FEMALE_ACTIVE,
        amount=250_000,
        bands=((40, 650_000),),
    )
    gifts = make_programme(
        unit=unit,
        name="Quà Tết Thiếu nhi",
        beneficiary=CareProgramme.Beneficiary.RELATIVE,
        rules=(("relationship", "eq", "child"), ("relative_age", "lt", "15")),
        gift="Cặp sách và truyện tranh cho các cháu",
        amount=300_000,
    )
    delivery = deliver(health, mother, by="Ban nữ công")
    page = signed_in(page_at(PHONE), mother.user)
    widths = {}

    page.goto("/")
    # On a phone the programmes are under the tab bar's "more".
    page.locator("nav.portal-tabs").get_by_role("link", name=vi("More")).click()
    page.locator("ul.portal-more").get_by_role(
        "link", name=vi("Care programmes")
    ).click()
    expect(page).to_have_url(re.compile(r"/cham-lo/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Care programmes"))
    received = page.locator(f"#programme-{health.pk}")
    expect(received).to_contain_text("650.000\u00a0₫")
    expect(received).to_contain_text(f"{delivery.delivered_on:%d/%m/%Y}")
    child = page.locator(f"#programme-{gifts.pk}")
    expect(child).to_contain_text("Lê Minh Khang")
    expect(child).to_contain_text(vi("Eligible: not received yet"))
    widths["programmes"] = document_width(page)
    screenshot(page, "programmes")

    page.get_by_role("button", name=vi("Health and policy consultations")).click()
    expect(page).to_have_url(re.compile(r"/tu-van/$"))
    expect(page.locator("#no-consultations")).to_be_visible()
    page.get_by_role("button", name=vi("Ask for a consultation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        vi("Ask for a consultation")
    )
    page.get_by_label(vi("Health"), exact=True).check()
    page.get_by_label(vi("Online"), exact=True).check()
    page.locator('input[name="subject"]').fill("Chế độ khám thai định kỳ")
    page.locator('input[name="preferred_times"]').fill("Tối thứ Ba hoặc thứ Năm")
    widths["request form"] = document_width(page)
    screenshot(page, "consultation-form")
    page.get_by_role("button", name=vi("Send the request")).click()

    expect(page).to_have_url(re.compile(r"/tu-van/$"))
    consultation = ConsultationRequest.objects.get(member=mother)
    listed = page.locator(f"#consultation-{consultation.pk}")
    expect(listed).to_contain_text("Chế độ khám thai định kỳ")
    expect(listed).to_contain_text(vi("Waiting for an appointment"))
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    widths["consultations"] = document_width(page)
    screenshot(page, "consultations")

    too_wide = {name: px for name, px in widths.items() if px > PHONE + 1}
    assert too_wide == {}, f"pages wider than {PHONE} px: {too_wide}"
