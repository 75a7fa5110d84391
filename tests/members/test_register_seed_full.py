"""seed_demo --scale full at a small factor: the register, the accounts, refusals."""

import hashlib
import stat
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from members.management.commands.seed_demo import MEMBER_EMAIL, Command
from members.management.scale import Scale
from members.management.scale_accounts import MEMBER_DOMAIN, STAFF_DOMAIN
from members.management.scale_register import (
    SECTOR,
    UPPER,
    RegisterSizes,
    register_seed,
)
from members.models import AuditEvent, CareCase, Member, Relative, StaffRole, Unit, User
from tests.conftest import require_service, vi_text
from tests.members.test_register_seed_demo import (  # noqa: F401 (an autouse fixture)
    _programme_templates,
)

pytestmark = pytest.mark.django_db
FACTOR = 0.01


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def postgresql():
    require_service(
        connection.vendor == "postgresql", "seed_demo --scale full writes with COPY"
    )


def seed_full(*extra: str) -> str:
    out = StringIO()
    call_command(
        "seed_demo", "--scale", "full", "--factor", str(FACTOR), *extra, stdout=out
    )
    return out.getvalue()


def register_digest() -> str:
    """Digest the register's content, leaving out primary keys and timestamps."""
    digest = hashlib.sha256()
    for rows in (
        Unit.objects.order_by("code").values_list("code", "name", "path", "level"),
        Member.objects.order_by("employer__code", "employee_code").values_list(
            "employer__code",
            "employee_code",
            "unit__code",
            "full_name",
            "national_id",
            "date_of_birth",
            "gender",
            "phone",
            "email",
            "position",
            "status",
            "card_number",
        ),
        Relative.objects.order_by(
            "member__employee_code", "full_name", "relationship", "date_of_birth"
        ).values_list(
            "member__employee_code",
            "full_name",
            "relationship",
            "date_of_birth",
            "phone",
        ),
        CareCase.objects.order_by(
            "member__employee_code", "opened_on", "summary"
        ).values_list(
            "member__employee_code",
            "kind",
            "summary",
            "opened_on",
            "status",
            "last_visit_on",
        ),
    ):
        for row in rows:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def seeded_digest(seed: int) -> str:
    """Seed the register alone, digest it, and roll it back."""
    with transaction.atomic():
        register_seed(Scale(today=timezone.localdate(), factor=FACTOR, seed=seed))
        digest = register_digest()
        transaction.set_rollback(True)
    assert not Member.objects.exists()
    return digest


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_the_same_seed_gives_the_same_register(postgresql):
    first = seeded_digest(2024)
    assert seeded_digest(2024) == first
    assert seeded_digest(7) != first


def test_full_seed_builds_the_register_and_the_accounts_once(postgresql, tmp_path):
    out = seed_full()
    sizes = RegisterSizes.of(Scale(today=timezone.localdate(), factor=FACTOR))
    for part in (
        "Register (",
        "Accounts (",
        "Demo activity (",
        "Apps' demos",
        "ANALYZE (",
    ):
        assert part in out

    # The register: the small demo's top codes, the units and members asked for.
    assert Unit.objects.get(depth=1).code == SECTOR[0]
    assert set(
        Unit.objects.filter(level=Unit.Level.UPPER).values_list("code", flat=True)
    ) == {code for code, *_rest in UPPER}
    assert Unit.objects.count() == sizes.units
    assert not any(Unit.objects.find_problems())
    seeded = Member.objects.filter(card_number__startswith="CD")
    assert seeded.count() == sizes.members == 820
    for member in seeded.select_related("unit", "employer")[:50]:
        assert member.unit.path.startswith(member.employer.path)
    # A third of the members have relatives (the demo member gains two more).
    holders = Relative.objects.values("member").distinct().count()
    assert abs(holders - sizes.members / 3) <= 2
    assert CareCase.objects.filter(status=CareCase.Status.OPEN).count() >= 20

    # The load test's accounts: a file of members and staff, its owner's only.
    path = tmp_path / "loadtest-accounts.txt"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    kinds = {kind for kind, _email, _password in lines}
    assert kinds == {"member", "staff"}
    members = [(e, p) for kind, e, p in lines if kind == "member"]
    staff = [(e, p) for kind, e, p in lines if kind == "staff"]
    assert len(members) == round(2000 * FACTOR)
    assert all(email.endswith(f"@{MEMBER_DOMAIN}") for email, _p in members)
    email, password = members[0]
    user = User.objects.get(email=email)
    assert user.check_password(password)
    assert user.member.status == Member.Status.ACTIVE
    assert Member.objects.filter(user__email__endswith=f"@{MEMBER_DOMAIN}").count() == (
        len(members)
    )
    # Officers at the sector, each upper union and some grassroots unions.
    roles = StaffRole.objects.filter(user__email__endswith=f"@{STAFF_DOMAIN}")
    levels = [role.unit.level for role in roles.select_related("unit")]
    assert levels.count(Unit.Level.SECTOR) == 1
    assert levels.count(Unit.Level.UPPER) == len(UPPER)
    assert levels.count(Unit.Level.GRASSROOTS) >= 5
    assert len(staff) == roles.count()
    officer = User.objects.get(email=staff[0][0])
    assert officer.is_staff
    assert officer.check_password(staff[0][1])
    assert officer.groups.exists()
    # The demo accounts, as the small demo has them.
    assert User.objects.get(email=MEMBER_EMAIL).member.unit.code == "VNPT-001"

    counts = row_counts()
    last_event = AuditEvent.objects.order_by("pk").last().pk
    accounts = path.read_text(encoding="utf-8")
    again = seed_full()
    assert "Register (" in again
    assert "reused" in again
    assert "0 new" in again
    assert path.read_text(encoding="utf-8") == accounts
    after = row_counts()
    # A second run writes nothing: not even an audit event.
    assert AuditEvent.objects.filter(pk__gt=last_event).count() == 0
    assert {
        label: (count, after[label])
        for label, count in counts.items()
        if after[label] != count
    } == {}


def test_full_seed_refuses_the_small_demos_database(postgresql):
    Command()._units()  # the small demo's tree
    units = Unit.objects.count()

    with pytest.raises(CommandError) as refused:
        seed_full()

    message = str(refused.value)
    assert "Use an empty database." in message
    assert "Hãy dùng một cơ sở dữ liệu trống." in message
    assert Unit.objects.count() == units
    assert not Member.objects.exists()


def test_full_seed_refuses_sqlite(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")

    with pytest.raises(CommandError) as refused:
        seed_full()

    vietnamese, english = str(refused.value).split("\n")
    assert vietnamese == vi_text(
        "seed_demo --scale full needs PostgreSQL (it writes with COPY); this "
        "database is %(vendor)s. Set DATABASE_URL to a PostgreSQL database."
    ) % {"vendor": "sqlite"}
    assert "PostgreSQL" in english
    assert not Unit.objects.exists()
