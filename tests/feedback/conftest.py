"""Fixtures of the assistant's tests: the shared knowledge base and a small union."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from feedback.services.assistant import corpus_load
from members.models import Unit
from tests.conftest import require_service
from tests.members.factories import make_account, make_member, make_staff, make_unit

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
