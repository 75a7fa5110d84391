"""Browser test of the notifications inbox and its menu badge on a 360 px phone."""

import re

import pytest
from django.utils import translation
from django.utils.translation import pgettext
from playwright.sync_api import Page, expect

from members.models import Member, Notification, User
from members.services.notifications import notify
from tests.conftest import vi_text as vi
from tests.e2e.conftest import PHONE
from tests.members.factories import make_account, make_member, make_unit


@pytest.fixture
def member_account(db) -> User:
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
        email="hoa.nguyen@example.vn",
    )
    return make_account(member)


def inbox_tab(page: Page):
    """The phone's tab of notifications, in the bottom bar."""
    return page.locator("nav.portal-tabs").get_by_role(
        "link", name=re.compile(vi("Notifications"))
    )


def unread(count: int) -> str:
    """The tab's badge as text: the number and, for screen readers, "unread"."""
    return f"{count} {vi('unread')}"


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_member_reads_a_notification_and_the_badge_counts_down_on_a_phone(
    page_at, signed_in, screenshot, member_account
):
    relatives = notify(
        recipient=member_account,
        kind="test.message",
        dedupe_key="e2e:relatives",
        title="Cập nhật thông tin thân nhân",
        body="Công đoàn cần ngày sinh của con bạn để chúc mừng sinh nhật.",
        link="/than-nhan/",
    )
    notify(
        recipient=member_account,
        kind="test.message",
        dedupe_key="e2e:survey",
        title="Khảo sát nhu cầu đoàn viên năm 2025",
        link="/ho-so/",
    )
    page = signed_in(page_at(PHONE), member_account)
    widths = {}

    page.goto("/")
    expect(inbox_tab(page).locator(".portal-tab-badge")).to_have_text(unread(2))
    expect(page.locator("#account-unread")).to_have_text("2")
    widths["home"] = document_width(page)
    screenshot(page, "home-badge")
    inbox_tab(page).click()

    expect(page).to_have_url(re.compile(r"/thong-bao/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Notifications"))
    expect(page.locator("article.notification.unread")).to_have_count(2)
    item = page.locator(f"#notification-{relatives.pk}")
    expect(item).to_contain_text("Cập nhật thông tin thân nhân")
    expect(item).to_contain_text("ngày sinh của con bạn")
    widths["inbox"] = document_width(page)
    screenshot(page, "inbox")
    with translation.override("vi"):
        open_label = pgettext("notification", "Open")
    item.get_by_role("button", name=open_label).click()

    expect(page).to_have_url(re.compile(r"/than-nhan/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(vi("Relatives"))
    expect(inbox_tab(page).locator(".portal-tab-badge")).to_have_text(unread(1))
    expect(page.locator("#account-unread")).to_have_text("1")
    widths["after"] = document_width(page)
    screenshot(page, "badge-after-reading")
    assert Notification.objects.get(pk=relatives.pk).read_at is not None

    page.goto("/thong-bao/")
    expect(page.locator("article.notification.unread")).to_have_count(1)
    expect(page.locator(f"#notification-{relatives.pk}")).not_to_have_class(
        re.compile("unread")
    )

    page.get_by_role("link", name=vi("Choose what you receive")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        vi("Notification settings")
    )
    # A member is offered the members' kinds, not the care officers'.
    expect(
        page.locator('input[value="consultation.day_before"][name="receive"]')
    ).to_be_checked()
    expect(page.locator('input[value="care.birthday"]')).to_have_count(0)
    widths["settings"] = document_width(page)
    screenshot(page, "settings")

    too_wide = {name: px for name, px in widths.items() if px > PHONE + 1}
    assert too_wide == {}, f"pages wider than {PHONE} px: {too_wide}"
