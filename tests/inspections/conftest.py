"""Fixtures of the inspection tests: the union tree, a plan of VNPT, a checklist."""

import importlib
from datetime import date

import pytest

from tests.inspections.factories import make_checklist, make_plan
from tests.members.factories import make_staff, make_union_tree


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def split_targets(db):
    """The targets the first migration installs, back after a transactional flush.

    Under pytest-xdist a worker may have run a ``transaction=True`` test
    before, whose flush empties every table, the migration's rows included.
    """
    from django.apps import apps

    from inspections.models import SplitTarget

    if not SplitTarget.objects.exists():
        migration = importlib.import_module("inspections.migrations.0001_inspections")
        migration.targets_create(apps, None)


@pytest.fixture
def tree(db):
    return make_union_tree(today=date(2026, 3, 1))


@pytest.fixture
def plan(tree):
    """VNPT's plan for 2026: its committee inspects the grassroots unions under it."""
    return make_plan(unit=tree.vnpt)


@pytest.fixture
def checklist(db):
    return make_checklist()


@pytest.fixture
def inspector(tree):
    """An inspector of VNPT's committee: a role at VNPT, no member record below."""
    return make_staff(
        email="kiemtra@vnpt.vn",
        name="Trần Thị Kiểm",
        unit=tree.vnpt,
        groups=(tree.staff_group,),
    )


@pytest.fixture
def inspections_staff(tree):
    """Give a staff user the permissions of inspections and of members."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name="Kiểm tra (thử)")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=("inspections", "members")
        )
    )

    def give(user):
        user.groups.add(group)
        from members.models import User

        return User.objects.get(pk=user.pk)

    return give
