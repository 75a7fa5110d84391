"""The load test's accounts of ``seed_demo --scale full``: members and staff.

``scale.count("loadtest_members")`` active members get a portal account, and
staff officers are made at several levels (the sector, each upper union, some
grassroots unions). All share one password, written with the accounts to
``VAR_DIR/loadtest-accounts.txt`` (readable by its owner only) in the load
test's format: ``member EMAIL PASSWORD`` or ``staff EMAIL PASSWORD``, one a
line (loadtest/locustfile.py). A second run reuses the accounts and the
password the file keeps.
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from members.bulk import rows_insert, rows_update
from members.management.scale import Scale
from members.models import Member, StaffRole, Unit, User
from members.services import staff_role_grant

MEMBER_DOMAIN = "doanvien.loadtest.local"
STAFF_DOMAIN = "canbo.loadtest.local"
# Grassroots unions with a load-test officer of their own.
STAFF_GRASSROOTS = 10


@dataclass(frozen=True)
class LoadtestAccounts:
    """What the accounts step holds: the accounts, and how many it made now."""

    members: int
    staff: int
    created: int
    path: Path


def accounts_file() -> Path:
    return Path(settings.VAR_DIR) / "loadtest-accounts.txt"


def loadtest_accounts(scale: Scale, *, exclude: set[int]) -> LoadtestAccounts:
    """Make the load test's accounts once, write them to the accounts file.

    ``exclude`` are members never given a load-test account (the demo member).
    """
    with transaction.atomic():
        password = _password()
        # One hash for every load-test account: the same salt for all is
        # acceptable for throwaway accounts of a load test, and hashing 2,000
        # passwords one by one would take minutes of PBKDF2.
        hashed = make_password(password)
        created = _member_accounts(scale, hashed, exclude)
        created += _staff_accounts(scale, hashed)
        users = User.objects.filter(email__endswith=f"@{MEMBER_DOMAIN}") | (
            User.objects.filter(email__endswith=f"@{STAFF_DOMAIN}")
        )
        if not users.first().check_password(password):
            users.update(password=hashed)
    members = list(
        User.objects.filter(email__endswith=f"@{MEMBER_DOMAIN}")
        .order_by("email")
        .values_list("email", flat=True)
    )
    staff = list(
        User.objects.filter(email__endswith=f"@{STAFF_DOMAIN}")
        .order_by("email")
        .values_list("email", flat=True)
    )
    path = accounts_file()
    path.write_text(
        "".join(f"member {email} {password}\n" for email in members)
        + "".join(f"staff {email} {password}\n" for email in staff),
        encoding="utf-8",
    )
    path.chmod(0o600)
    return LoadtestAccounts(len(members), len(staff), created, path)


def _password() -> str:
    """Return the password the accounts file keeps, or a new one."""
    path = accounts_file()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                return line.split(maxsplit=2)[2]
    return secrets.token_urlsafe(12)


def _member_accounts(scale: Scale, hashed: str, exclude: set[int]) -> int:
    """Give the drawn active members an account each, once; return how many now."""
    wanted = scale.count("loadtest_members")
    if Member.objects.filter(user__email__endswith=f"@{MEMBER_DOMAIN}").exists():
        return 0
    candidates = list(
        Member.objects.filter(status=Member.Status.ACTIVE, user__isnull=True)
        .exclude(pk__in=exclude)
        .order_by("pk")
        .only("pk", "employee_code", "full_name")
    )
    chosen = scale.rng("loadtest_members").sample(
        candidates, min(wanted, len(candidates))
    )
    users = [
        User(
            email=f"{member.employee_code.lower()}@{MEMBER_DOMAIN}",
            name=member.full_name,
            password=hashed,
        )
        for member in chosen
    ]
    rows_insert(User, users)
    for member, user in zip(chosen, users, strict=True):
        member.user_id = user.pk
    rows_update(Member, chosen, ["user"])
    return len(users)


def _staff_accounts(scale: Scale, hashed: str) -> int:
    """Officers of the sector, each upper union and some grassroots unions."""
    if User.objects.filter(email__endswith=f"@{STAFF_DOMAIN}").exists():
        return 0
    units = list(
        Unit.objects.filter(level__in=[Unit.Level.SECTOR, Unit.Level.UPPER]).order_by(
            "path"
        )
    )
    grassroots = list(Unit.objects.filter(level=Unit.Level.GRASSROOTS).order_by("code"))
    units += scale.rng("loadtest_staff").sample(
        grassroots, min(STAFF_GRASSROOTS, len(grassroots))
    )
    users = [
        User(
            email=f"{unit.code.lower()}@{STAFF_DOMAIN}",
            name=f"Cán bộ {unit.name}",
            password=hashed,
        )
        for unit in units
    ]
    rows_insert(User, users)
    for user, unit in zip(users, units, strict=True):
        staff_role_grant(user=user, unit=unit, role=StaffRole.Role.OFFICER)
    return len(users)
