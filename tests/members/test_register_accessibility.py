"""The register's staff pages read by a screen reader: named inputs and headers."""

import re

import pytest
from django.urls import reverse
from django.utils.text import capfirst

from members.models import Relative
from tests.conftest import vi_text
from tests.members.factories import make_union_tree

pytestmark = pytest.mark.django_db

EMPTY_HEADER = re.compile(r"<th\b[^>]*>\s*</th>")


@pytest.fixture
def tree():
    return make_union_tree()


@pytest.fixture
def member_page(client, tree) -> str:
    client.force_login(tree.grassroots_officer)
    url = reverse("admin:members_member_change", args=[tree.own_member.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _tag(page: str, element_id: str) -> str:
    match = re.search(
        rf'<(?:input|select|textarea)\b[^>]*id="{element_id}"[^>]*>', page
    )
    assert match, element_id
    return match.group(0)


def test_every_input_of_a_relatives_row_is_named_by_its_column(member_page):
    for field in ("full_name", "relationship", "date_of_birth", "phone", "note"):
        label = capfirst(vi_text(str(Relative._meta.get_field(field).verbose_name)))
        tag = _tag(member_page, f"id_relatives-0-{field}")
        assert f'aria-label="{label}"' in tag, field
    delete = _tag(member_page, "id_relatives-0-DELETE")
    assert "aria-label=" in delete


def test_the_inline_tables_have_no_empty_header(member_page):
    inlines = member_page[member_page.index('id="relatives-group"') :]

    assert EMPTY_HEADER.findall(inlines) == []


def test_the_member_search_box_has_a_visible_label(client, tree):
    client.force_login(tree.grassroots_officer)

    page = client.get(reverse("admin:members_member_changelist")).content.decode()

    label = re.search(r'<label for="searchbar"[^>]*>(.*?)</label>', page, re.S)
    assert label
    text = re.sub(r"<[^>]+>", "", label.group(1)).strip()
    assert text == vi_text("Search %(name)s") % {"name": vi_text("members")}
    assert 'alt="Search"' not in page
