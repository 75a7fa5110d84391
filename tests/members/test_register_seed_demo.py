"""The demo seed: the units tree, 500 members with Vietnamese names, two accounts."""

import re
import unicodedata

import pytest
from django.core.management import call_command

from members.models import CareCase, Member, Relative, Unit, User

pytestmark = pytest.mark.django_db


def seed() -> str:
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_builds_the_tree_members_and_accounts_and_is_idempotent():
    first = seed()
    counts = (Unit.objects.count(), Member.objects.count(), User.objects.count())
    second = seed()
    assert (
        Unit.objects.count(),
        Member.objects.count(),
        User.objects.count(),
    ) == counts

    sector = Unit.objects.get(level=Unit.Level.SECTOR)
    assert Unit.objects.get_root_nodes().get() == sector
    uppers = Unit.objects.filter(level=Unit.Level.UPPER)
    assert uppers.count() >= 3
    assert all(Unit.objects.get_parent(unit) == sector for unit in uppers)
    assert Unit.objects.filter(level=Unit.Level.GRASSROOTS).count() >= 20
    assert Member.objects.count() == 500
    assert not Member.objects.exclude(unit__level=Unit.Level.GRASSROOTS).exists()
    for member in Member.objects.select_related("unit", "employer")[:50]:
        assert member.unit.path.startswith(member.employer.path)

    credentials = re.findall(r"(\S+@\S+) / (\S+)", first)
    assert len(credentials) == 4
    assert credentials == re.findall(r"(\S+@\S+) / (\S+)", second)
    (admin_email, admin_password), (member_email, member_password) = credentials[:2]
    for email, password in credentials[2:]:
        staff = User.objects.get(email=email)
        assert staff.is_staff
        assert not staff.is_superuser
        assert staff.check_password(password)
        assert staff.staff_roles.count() == 1
    assert User.objects.get(email=admin_email).is_superuser
    assert User.objects.get(email=admin_email).check_password(admin_password)
    account = User.objects.get(email=member_email)
    assert account.check_password(member_password)
    assert account.member.full_name == account.name
    assert Relative.objects.count() > 200
    assert CareCase.objects.filter(status=CareCase.Status.OPEN).count() >= 10


def test_seed_names_read_in_vietnamese_order_and_are_nfc():
    seed()
    names = list(Member.objects.values_list("full_name", "full_name_folded", "gender"))
    titles = {"Cô", "Bà", "Ông", "Anh", "Chị", "Em", "Bác"}
    for full_name, folded, gender in names:
        parts = full_name.split()
        assert len(parts) >= 3
        assert parts[0] not in titles
        assert unicodedata.is_normalized("NFC", full_name)
        assert folded.isascii()
        if gender == Member.Gender.FEMALE:
            assert parts[1] != "Văn"
    assert len({name for name, _f, _g in names}) > 300
