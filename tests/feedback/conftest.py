"""Fixtures of the feedback tests: the learning tests' small union, reused."""

import pytest

from tests.learning.factories import make_small_union


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
