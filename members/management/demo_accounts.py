"""The demo accounts: a superuser, a member, an officer and a care officer.

Both sizes of seed_demo make them (the small demo and ``--scale full``), with
their passwords kept in ``VAR_DIR/demo-credentials.txt`` so that a second run
gives the same ones.
"""

import secrets
from pathlib import Path

from django.conf import settings

from members.management.demo_activity import DemoPeople
from members.models import Member, StaffRole, Unit, User
from members.services import staff_role_grant

ADMIN_EMAIL = "admin@congdoan.local"
MEMBER_EMAIL = "doanvien@congdoan.local"
OFFICER_EMAIL = "canbo.vnpt@congdoan.local"
CARE_EMAIL = "chamlo.vnpt01@congdoan.local"


def demo_accounts(
    *, officer_unit: Unit, home: Unit
) -> tuple[list[tuple[str, str, str]], DemoPeople]:
    """Create or refresh the demo accounts; return their credentials and people.

    The officer is an officer of ``officer_unit`` (VNPT), the care officer a
    care officer of ``home``, a grassroots union of it, and the member account
    is that of a member of ``home``.
    """
    stored = stored_credentials()
    admin, admin_password = _demo_account(
        ADMIN_EMAIL, "Quản trị hệ thống", stored, superuser=True
    )
    # The member account's member: kept once linked; else the first active
    # member of the grassroots union whose care officer is a demo account.
    member = (
        Member.objects.filter(user__email=MEMBER_EMAIL).first()
        or Member.objects.filter(unit=home, status=Member.Status.ACTIVE)
        .order_by("pk")
        .first()
    )
    user, member_password = _demo_account(MEMBER_EMAIL, member.full_name, stored)
    if member.user_id is None:
        member.user = user
        member.save(update_fields=["user"])
    officer, officer_password = _demo_account(
        OFFICER_EMAIL, "Cán bộ Công đoàn VNPT", stored
    )
    staff_role_grant(user=officer, unit=officer_unit, role=StaffRole.Role.OFFICER)
    carer, carer_password = _demo_account(CARE_EMAIL, "Cán bộ chăm lo", stored)
    staff_role_grant(user=carer, unit=home, role=StaffRole.Role.CARE_OFFICER)
    accounts = [
        ("Superuser", ADMIN_EMAIL, admin_password),
        ("Member", MEMBER_EMAIL, member_password),
        (f"Officer of {officer_unit.code}", OFFICER_EMAIL, officer_password),
        (f"Care officer of {home.code}", CARE_EMAIL, carer_password),
    ]
    _store_credentials({email: password for _role, email, password in accounts})
    people = DemoPeople(
        admin=admin,
        member_user=user,
        member=Member.objects.select_related("unit").get(pk=member.pk),
        officer=officer,
        carer=carer,
    )
    return accounts, people


def _demo_account(email, name, stored, *, superuser=False) -> tuple[User, str]:
    """Return the account and its password, creating or resetting it as needed."""
    password = stored.get(email)
    user = User.objects.filter(email=email).first()
    if user is None:
        password = password or secrets.token_urlsafe(12)
        create = (
            User.objects.create_superuser if superuser else User.objects.create_user
        )
        return create(email, password, name=name), password
    if password is None or not user.check_password(password):
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, password


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def stored_credentials() -> dict[str, str]:
    """Return the demo accounts' passwords a previous run kept, by e-mail."""
    path = credentials_file()
    if not path.exists():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text().splitlines() if line)
    return dict(pairs)


def _store_credentials(credentials: dict[str, str]) -> None:
    path = credentials_file()
    path.write_text("".join(f"{email} {pw}\n" for email, pw in credentials.items()))
    path.chmod(0o600)
