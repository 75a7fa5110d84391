"""Browser checks of the staff pages an officer uses: widths, names, contrast."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.conftest import vi_text as vi
from tests.e2e.conftest import DESKTOP, PHONE
from tests.members.factories import UnionTree, make_relative, make_union_tree

# Contrast the colours of a link and the text around it (WCAG's formula).
CONTRAST = """(link) => {
  const rgb = (c) => c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const a = lum(getComputedStyle(link).color);
  const b = lum(getComputedStyle(link.parentElement).color);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  return {ratio, underline: getComputedStyle(link).textDecorationLine};
}"""


@pytest.fixture
def tree(db) -> UnionTree:
    tree = make_union_tree()
    make_relative(
        member=tree.own_member, full_name="Nguyễn Minh Khang", note="Con trai út"
    )
    return tree


def document_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_member_page_fits_1280_and_names_each_relatives_input(
    page_at, signed_in, screenshot, tree
):
    page = signed_in(page_at(DESKTOP), tree.grassroots_officer)

    page.goto(reverse("admin:members_member_change", args=[tree.own_member.pk]))

    assert document_width(page) <= DESKTOP
    names = page.locator("#relatives-group").get_by_role(
        "textbox", name=vi("full name")
    )
    # The two relatives, in whichever order the database sorts an empty birth date.
    assert sorted(names.evaluate_all("inputs => inputs.map((i) => i.value)")) == [
        "Nguyễn Minh Khang",
        tree.own_relative.full_name,
    ]
    row = page.locator("#relatives-0")
    expect(row.get_by_role("combobox", name=vi("relationship"))).to_be_visible()
    expect(row.get_by_role("textbox", name=vi("phone"))).to_be_visible()
    expect(row.get_by_role("textbox", name=vi("note"))).to_be_visible()
    # Every header of the inline tables says something.
    headers = page.locator(".inline-group thead th")
    for index in range(headers.count()):
        header = headers.nth(index)
        assert header.text_content().strip(), header.evaluate("e => e.outerHTML")
    screenshot(page, "member-change")


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_breadcrumb_links_stand_out_from_the_text_around_them(
    page_at, signed_in, tree, width
):
    page = signed_in(page_at(width), tree.grassroots_officer)
    page.goto(reverse("admin:members_member_changelist"))

    for link in page.locator("div.breadcrumbs a").all():
        seen = link.evaluate(CONTRAST)
        # WCAG's "link in a block of text": 3:1 against the text, or more than
        # colour (an underline).
        assert seen["ratio"] >= 3 or "underline" in seen["underline"], seen


def test_the_member_search_box_is_labelled_by_visible_text(page_at, signed_in, tree):
    page = signed_in(page_at(DESKTOP), tree.grassroots_officer)
    page.goto(reverse("admin:members_member_changelist"))

    label = page.locator("label[for=searchbar]")
    expect(label).to_be_visible()
    expect(label).to_have_text(vi("Search %(name)s") % {"name": vi("members")})
    page.get_by_label(vi("Search %(name)s") % {"name": vi("members")}).fill("an")


def test_the_care_radar_fits_a_phone(page_at, signed_in, screenshot, tree):
    page = signed_in(page_at(PHONE), tree.grassroots_officer)

    page.goto(reverse("admin:members_care_radar") + "?days=30")

    expect(page.locator(".radar-table").first).to_be_visible()
    assert document_width(page) <= PHONE
    for table in page.locator(".radar-table").all():
        box = table.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE
    # Each row still says what each value is.
    cell = page.locator(".radar-table td").first
    label = cell.evaluate("e => getComputedStyle(e, '::before').content")
    assert vi("Member") in label
    screenshot(page, "care-radar")
