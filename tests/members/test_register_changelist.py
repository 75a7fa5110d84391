"""The members changelist reads at a laptop's width: name, unit, status, phone."""

import pytest
from django.urls import reverse

from tests.members.factories import make_union_tree

pytestmark = pytest.mark.django_db


def test_the_members_table_shows_name_unit_status_and_phone_only(client):
    tree = make_union_tree()
    client.force_login(tree.grassroots_officer)

    response = client.get(reverse("admin:members_member_changelist"))

    cl = response.context["cl"]
    assert list(cl.list_display) == ["full_name", "unit", "status", "phone"]
    page = response.content.decode()
    assert tree.own_member.full_name in page
    assert tree.own_member.phone in page
    # The rest is on the change page.
    assert tree.own_member.employee_code not in page
