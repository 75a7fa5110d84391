"""Fixtures of member voice's tests: union trees, members, the knowledge base."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from feedback.services.assistant import corpus_load
from members.models import Unit
from tests.conftest import require_service
from tests.learning.factories import make_small_union
from tests.members.factories import (
    make_account,
    make_member,
    make_staff,
    make_union_tree,
    make_unit,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _with_account(**fields):
    """A member with a portal account, read back as the portal reads them."""
    member = make_member(**fields)
    make_account(member)
    member.refresh_from_db()
    return member


@pytest.fixture
def tree(db):
    return make_union_tree()


@pytest.fixture
def author(tree):
    """Nguyễn Thị Thu of VNPT Hà Nội's technical group, with a portal account."""
    return _with_account(
        unit=tree.vnpt_hn_group,
        full_name="Nguyễn Thị Thu",
        email="thu.nguyen@example.vn",
        employee_code="HN-0101",
    )


@pytest.fixture
def colleague(tree):
    """Trần Văn Hùng of VNPT Hà Nội, with a portal account."""
    return _with_account(
        unit=tree.vnpt_hn,
        full_name="Trần Văn Hùng",
        email="hung.tran@example.vn",
        employee_code="HN-0102",
    )


@pytest.fixture
def stranger(tree):
    """Lý Thị Mai of VTC Truyền hình số (the other upper union), with an account."""
    return _with_account(
        unit=tree.vtc_dt,
        full_name="Lý Thị Mai",
        email="mai.ly@example.vn",
        employee_code="DT-0777",
    )


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


# Beside the repository, or where LEGAL_KB_DIR says (a git worktree elsewhere).
KB_DIR = Path(
    os.environ.get("LEGAL_KB_DIR") or Path(settings.BASE_DIR).parent / "shared" / "kb"
)


@pytest.fixture(scope="module")
def kb(django_db_setup, django_db_blocker):
    """The whole shared knowledge base, loaded once a module, rolled back after."""
    require_service(KB_DIR.is_dir(), f"the shared knowledge base is missing: {KB_DIR}")
    with django_db_blocker.unblock(), transaction.atomic():
        yield corpus_load(path=KB_DIR)
        transaction.set_rollback(True)


class Small:
    """A sector union, one employer, two grassroots unions, a member in a group."""

    def __init__(self):
        self.sector = make_unit(code="T-CD", name="Công đoàn ngành", level="sector")
        self.upper = make_unit(
            code="T-UP",
            name="Công đoàn VNPT",
            level="upper",
            parent=self.sector,
            is_employer=True,
        )
        self.home = make_unit(
            code="T-HN",
            name="CĐCS Hà Nội",
            level=Unit.Level.GRASSROOTS,
            parent=self.upper,
        )
        self.group = make_unit(
            code="T-HN-1", name="Tổ 1", level=Unit.Level.GROUP, parent=self.home
        )
        self.other = make_unit(
            code="T-HCM",
            name="CĐCS TP HCM",
            level=Unit.Level.GRASSROOTS,
            parent=self.upper,
        )
        self.member = make_member(
            unit=self.group, full_name="Nguyễn Thị Hoa", email="hoa@example.vn"
        )
        self.member_user = make_account(self.member)
        self.stranger = make_member(
            unit=self.other, full_name="Trần Văn Nam", email="nam@example.vn"
        )
        self.stranger_user = make_account(self.stranger)
        self.officer = make_staff(
            email="can-bo@example.vn", name="Lê Văn Cán", unit=self.home
        )
        self.other_officer = make_staff(
            email="can-bo-hcm@example.vn", name="Phạm Thị Bộ", unit=self.other
        )


@pytest.fixture
def small(kb, db):
    return Small()
