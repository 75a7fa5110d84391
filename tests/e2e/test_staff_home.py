"""Browser tests of the staff home at 1280 and 360 px: an officer's own counts only."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import vi_text as vi
from tests.e2e.conftest import DESKTOP, PHONE
from tests.members.factories import UnionTree
from tests.unionportal.staff_work import union_tree_with_work

WIDTHS = pytest.mark.parametrize("width", [DESKTOP, PHONE])


@pytest.fixture
def tree(db) -> UnionTree:
    return union_tree_with_work()


def card_count(page: Page, key: str) -> int:
    return int(page.locator(f"#staff-card-{key} .staff-card-count").inner_text())


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@WIDTHS
def test_a_unit_officer_sees_their_counts_not_another_units(
    page_at, signed_in, screenshot, tree, width
):
    hanoi = signed_in(page_at(width), tree.grassroots_officer)
    hanoi.goto("/admin/")

    expect(hanoi.get_by_role("heading", name=vi("Waiting for you"))).to_be_visible()
    # Hà Nội: two data-rights requests (one overdue), one care case not
    # visited, one consultation to schedule; no transfer waits for it.
    assert card_count(hanoi, "data-rights") == 2
    expect(hanoi.locator("#staff-card-data-rights")).to_have_class(
        "staff-card staff-card-alert"
    )
    assert card_count(hanoi, "transfers") == 0
    assert card_count(hanoi, "care-unvisited") == 1
    assert card_count(hanoi, "consultations-requested") == 1
    assert document_width(hanoi) <= width
    screenshot(hanoi, "grassroots-officer")

    hcm = signed_in(page_at(width), tree.sibling_officer)
    hcm.goto("/admin/")
    # Hồ Chí Minh decides both transfers, and has its own one request.
    assert card_count(hcm, "transfers") == 2
    assert card_count(hcm, "data-rights") == 1
    assert card_count(hcm, "consultations-requested") == 0
    screenshot(hcm, "sibling-officer")

    # The card leads to the list with the same rows.
    hcm.locator("#staff-card-transfers a").click()
    expect(hcm.locator("#result_list tbody tr")).to_have_count(2)


@WIDTHS
def test_a_superuser_sees_the_technical_sections_an_officer_does_not(
    page_at, signed_in, screenshot, tree, superuser, width
):
    officer = signed_in(page_at(width), tree.upper_officer)
    officer.goto("/admin/")

    expect(officer.locator("#staff-section-register")).to_be_visible()
    expect(officer.locator("#staff-section-care")).to_contain_text(vi("Care radar"))
    expect(officer.get_by_role("heading", name=vi("Technical settings"))).to_have_count(
        0
    )
    expect(officer.locator("a[href='/admin/django_celery_beat/']")).to_have_count(0)
    expect(officer.locator(".staff-chart svg")).to_be_visible()
    assert document_width(officer) <= width
    screenshot(officer, "officer")

    admin = signed_in(page_at(width), superuser)
    admin.goto("/admin/")
    technical = admin.locator("section.staff-technical")
    expect(
        technical.get_by_role("heading", name=vi("Technical settings"))
    ).to_be_visible()
    expect(technical).to_contain_text(vi("Login locks"))
    expect(technical).to_contain_text(vi("Authenticator apps and security keys"))
    # Last: after every section of the union's work.
    last_work = admin.locator("#staff-section-privacy").bounding_box()
    first_technical = technical.bounding_box()
    assert last_work is not None
    assert first_technical is not None
    assert first_technical["y"] > last_work["y"]
    assert document_width(admin) <= width
    screenshot(admin, "superuser")
