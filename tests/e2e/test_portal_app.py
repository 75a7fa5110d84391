"""Browser tests of the portal as an app: the phone's tab bar and the member's home."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import vi_text as vi
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.site_tour import Tour, tour_build

WIDTHS = pytest.mark.parametrize("width", [PHONE, DESKTOP])
TAB_BAR = "nav.portal-tabs"
TOP_MENU = "nav.portal-nav"


@pytest.fixture
def tour(live_server, superuser) -> Tour:
    return tour_build(superuser=superuser)


def unread_of(user) -> int:
    """The unread notifications the tour left the person (every app adds its own)."""
    from members.models import Notification

    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def expect_home_blocks(page: Page, tour: Tour) -> None:
    """The home shows what needs the member, each block with its own facts."""
    notifications = page.locator("#home-notifications")
    expect(notifications).to_contain_text("Thông báo số 2 của công đoàn")
    expect(notifications).not_to_contain_text("Thông báo số 3")  # read already
    expect(page.locator("#home-consultation")).to_contain_text("Bác sĩ Trần Văn Tâm")
    expect(page.locator("#home-programmes")).to_contain_text(
        "Khám sức khỏe nữ đoàn viên"
    )
    expect(page.locator("#home-programmes")).to_contain_text("650.000\u00a0₫")
    expect(page.locator("#home-data-requests")).to_contain_text(vi("Correct my data"))
    expect(page.locator("article.member-panel")).to_contain_text(tour.member.full_name)


def test_a_phone_shows_five_tabs_at_the_bottom_and_no_menu_on_top(
    page_at, signed_in, screenshot, tour
):
    page = signed_in(page_at(PHONE), tour.member.user)

    page.goto("/")

    expect(page.locator(TOP_MENU)).to_be_hidden()
    tabs = page.locator(TAB_BAR).get_by_role("link")
    expect(tabs).to_have_count(4)
    expect(tabs).to_have_text(
        [
            vi("Home"),
            re.compile(
                rf"^\s*{vi('Notifications')}\s+{unread_of(tour.member.user)} "
                rf"{vi('unread')}\s*$"
            ),
            vi("Union card"),
            vi("More"),
        ]
    )
    bar = page.locator(TAB_BAR).bounding_box()
    assert bar is not None
    assert bar["y"] + bar["height"] == pytest.approx(740, abs=1), "not at the bottom"
    assert bar["width"] == PHONE
    for tab in tabs.all():
        box = tab.bounding_box()
        assert box is not None
        assert box["height"] >= 44
        assert box["width"] >= 44
    expect(tabs.first).to_have_attribute("aria-current", "page")
    expect_home_blocks(page, tour)
    # The last block scrolls clear of the bar.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    last = page.locator("footer.portal-footer").bounding_box()
    assert last is not None
    assert last["y"] + last["height"] <= bar["y"] + 1
    assert document_width(page) <= PHONE
    screenshot(page, "home")

    page.locator(TAB_BAR).get_by_role("link", name=vi("More")).click()
    expect(page).to_have_url(re.compile(r"/them/$"))
    expect(page.locator(TAB_BAR).locator('[aria-current="page"]')).to_have_text(
        vi("More")
    )
    more = page.locator("ul.portal-more").first
    for label in ("My profile", "Relatives", "Care programmes", "My data"):
        expect(more.get_by_role("link", name=vi(label))).to_be_visible()
    assert document_width(page) <= PHONE
    screenshot(page, "more")

    page.locator(TAB_BAR).get_by_role("link", name=vi("Union card")).click()
    expect(page).to_have_url(re.compile(r"/the-doan-vien/$"))
    expect(page.locator(TAB_BAR).locator('[aria-current="page"]')).to_have_text(
        vi("Union card")
    )


def test_a_desktop_shows_the_menu_on_top_and_no_tab_bar(
    page_at, signed_in, screenshot, tour
):
    page = signed_in(page_at(DESKTOP), tour.member.user)

    page.goto("/")

    expect(page.locator(TAB_BAR)).to_be_hidden()
    menu = page.locator(TOP_MENU)
    expect(menu).to_be_visible()
    for label in ("Home", "My profile", "Union card", "Relatives", "My data"):
        expect(menu.get_by_role("link", name=vi(label))).to_be_visible()
    expect(menu.locator("mark.portal-badge")).to_have_text(
        str(unread_of(tour.member.user))
    )
    box = menu.bounding_box()
    assert box is not None
    assert box["height"] < 100, "the menu wraps onto several lines"
    expect_home_blocks(page, tour)
    assert document_width(page) <= DESKTOP
    screenshot(page, "home")

    page.locator("#home-notifications").get_by_role(
        "link", name=vi("Read your notifications")
    ).click()
    expect(page).to_have_url(re.compile(r"/thong-bao/$"))
    expect(page.locator("article.notification.unread")).to_have_count(
        unread_of(tour.member.user)
    )
