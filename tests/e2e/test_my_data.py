"""Browser test of the member's data page on a 360 px phone: downloads and a request."""

import json
import re
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from members import services
from members.models import DataRightsRequest, Member, Unit
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE


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
        code="VNPT-01",
        name="Công đoàn cơ sở VNPT Hà Nội",
        level=Unit.Level.GRASSROOTS,
        parent=upper,
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
        user=make_user("hoa.nguyen@example.vn", "Nguyễn Thị Hoa"),
    )


def document_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_downloads_their_data_and_asks_for_a_correction_on_a_phone(
    page_at, signed_in, screenshot, member
):
    page = signed_in(page_at(PHONE), member.user)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    widths = {}

    page.goto("/")
    page.locator("nav.portal-tabs").get_by_role("link", name=vi("More")).click()
    page.locator("ul.portal-more").get_by_role(
        "link", name=vi("My data"), exact=True
    ).click()
    expect(page).to_have_url(re.compile(r"/du-lieu-cua-toi/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("My data"))
    widths["page"] = document_width(page)
    screenshot(page, "my-data")

    with page.expect_download() as download:
        page.locator("#download-json").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data["profile"]["national_id"] == "001190012345"
    assert data["profile"]["full_name"] == "Nguyễn Thị Hoa"
    with page.expect_download() as download:
        page.locator("#download-xlsx").click()
    book = load_workbook(BytesIO(Path(download.value.path()).read_bytes()))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    ]
    assert "Nguyễn Thị Hoa" in cells
    assert download.value.suggested_filename.endswith(".xlsx")

    form = page.locator("form.privacy-request-form")
    form.locator('input[value="correction"]').check()
    form.locator('textarea[name="details"]').fill("Số điện thoại mới: 0987 654 321")
    widths["form"] = document_width(page)
    form.get_by_role("button", name=vi("Send the request")).click()

    expect(page).to_have_url(re.compile(r"/du-lieu-cua-toi/$"))
    request = DataRightsRequest.objects.get()
    listed = page.locator(f"#data-request-{request.pk}")
    expect(listed).to_contain_text(vi("Correct my data"))
    expect(listed).to_contain_text(f"{request.complete_by:%d/%m/%Y}")
    expect(page.locator(".portal-message")).to_contain_text(
        f"{request.acknowledge_by:%d/%m/%Y}"
    )

    consent = page.locator("#consent-relatives")
    consent.get_by_role("button", name=vi("Withdraw my consent")).click()
    expect(page.locator("#consent-relatives")).to_contain_text(vi("No consent"))
    widths["after"] = document_width(page)
    screenshot(page, "my-data-after")

    assert violations == []
    too_wide = {name: px for name, px in widths.items() if px > PHONE + 1}
    assert too_wide == {}, f"pages wider than {PHONE} px: {too_wide}"
