"""Fixtures of the learning tests: a small union with members, staff and a course."""

import pytest
from django.db import connection

from tests.conftest import require_service
from tests.learning.factories import (
    make_course,
    make_module,
    make_small_union,
    make_video_lesson,
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def union(db):
    return make_small_union()


@pytest.fixture
def course(union):
    """A published course of VNPT, open to all members."""
    return make_course(owner_unit=union.vnpt)


@pytest.fixture
def module(course):
    return make_module(course=course)


@pytest.fixture
def video(module):
    """A required 100-second video lesson."""
    return make_video_lesson(module=module, duration=100)


@pytest.fixture
def postgresql():
    require_service(
        connection.vendor == "postgresql", "row locks between writers need PostgreSQL"
    )
