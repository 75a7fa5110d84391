"""Fixtures of member voice's tests: union trees, members with accounts."""

import pytest

from tests.learning.factories import make_small_union
from tests.members.factories import make_account, make_member, make_union_tree


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tree(db):
    return make_union_tree()


@pytest.fixture
def author(tree):
    """Nguyễn Thị Thu of VNPT Hà Nội's technical group, with a portal account."""
    member = make_member(
        unit=tree.vnpt_hn_group,
        full_name="Nguyễn Thị Thu",
        email="thu.nguyen@example.vn",
        employee_code="HN-0101",
    )
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def colleague(tree):
    """Trần Văn Hùng of VNPT Hà Nội, with a portal account."""
    member = make_member(
        unit=tree.vnpt_hn,
        full_name="Trần Văn Hùng",
        email="hung.tran@example.vn",
        employee_code="HN-0102",
    )
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def stranger(tree):
    """Lý Thị Mai of VTC Truyền hình số (the other upper union), with an account."""
    member = make_member(
        unit=tree.vtc_dt,
        full_name="Lý Thị Mai",
        email="mai.ly@example.vn",
        employee_code="DT-0777",
    )
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def union(db):
    """A sector, VNPT, union A (Hà Nội, with a group) and B (TP. HCM), staff."""
    return make_small_union()


@pytest.fixture
def postgresql():
    from django.db import connection

    from tests.conftest import require_service

    require_service(
        connection.vendor == "postgresql", "writers racing need PostgreSQL's locks"
    )
