"""Seed a demo: the units, 500 members, four accounts, and every feature in use.

``--scale full`` seeds the sector at real size instead (PostgreSQL only):
the register (members.management.scale_register), the demo and load-test
accounts, the same demo on top, then each app's ``scale_seed``.
"""

import random
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from faker import Faker

from members.cache import cache_bump_everything
from members.identifiers import CCCD_PROVINCES
from members.management.demo_accounts import (
    ADMIN_EMAIL,  # noqa: F401 (the tests and the apps' demos name the accounts here)
    CARE_EMAIL,  # noqa: F401
    MEMBER_EMAIL,  # noqa: F401
    OFFICER_EMAIL,  # noqa: F401
    demo_accounts,
)
from members.management.demo_activity import (
    demo_activity,
    demo_counts_line,
    demo_reminders,
)
from members.management.scale import Scale
from members.management.scale_accounts import loadtest_accounts
from members.management.scale_register import (
    PLACES,
    SECTOR,
    UPPER,
    RegisterSizes,
    demo_national_id,
    register_seed,
    register_state,
    working_age_birth,
)
from members.management.scale_register import POSITIONS as SCALE_POSITIONS
from members.models import CareCase, CareVisit, Member, Relative, Unit
from members.services import (
    care_case_open,
    care_visit_log,
    members_bulk_create,
    relative_save,
    unit_create,
)

MIDDLE_NAMES = {
    Member.Gender.MALE: ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công"],
    Member.Gender.FEMALE: ["Thị", "Thu", "Ngọc", "Thanh", "Mỹ", "Phương", "Kim"],
}
# The small demo's positions: the first of the register's.
POSITIONS = SCALE_POSITIONS[:8]
PROVINCES = sorted(CCCD_PROVINCES)
MEMBER_COUNT = 500
RELATIVE_GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh"]
CARE_SUMMARIES = [
    (CareCase.Kind.ILLNESS, "Nằm viện điều trị"),
    (CareCase.Kind.CHILDBIRTH, "Sinh con"),
    (CareCase.Kind.BEREAVEMENT, "Gia đình có tang"),
    (CareCase.Kind.HARDSHIP, "Hoàn cảnh khó khăn"),
    (CareCase.Kind.WEDDING, "Kết hôn"),
]


class Command(BaseCommand):
    help = (
        "Create demo data (idempotent): units, 500 members with relatives and care "
        "cases, a superuser, a member, two staff with roles, and their activity: "
        "care programmes, consultations, transfers, an HRM import with held rows, "
        "notifications and data-rights requests. --scale full: the sector at real "
        "size, with the load test's accounts (PostgreSQL only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["small", "full"],
            default="small",
            help="small (default): the demo of 500 members; full: the sector at "
            "real size (82,000 members, about 1,000 units) and each app's data at "
            "that size, with the load test's accounts (PostgreSQL only).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=2024,
            help="With --scale full: the seed of every random draw (default 2024).",
        )
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="With --scale full: a share of the real size, for tests and quick "
            "tries (default 1.0).",
        )

    def handle(self, *args, **options):
        if options["scale"] == "full":
            self._full(
                Scale(
                    today=timezone.localdate(),
                    factor=options["factor"],
                    seed=options["seed"],
                )
            )
            return
        rng = random.Random(2024)
        today = timezone.localdate()
        fake = Faker("vi_VN")
        fake.seed_instance(2024)
        with transaction.atomic():
            employers, grassroots = self._units()
            created = self._members(rng, fake, employers, grassroots, today)
            if not Relative.objects.exists():
                self._relatives_and_care(rng)
            credentials, people = demo_accounts(
                officer_unit=employers[0], home=grassroots[0][1]
            )
        demo_activity(people=people, today=today)
        app_lines = apps_demo_seed(people=people, today=today)
        counts = demo_reminders(people=people, today=today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {Unit.objects.count()} units, "
                f"{Member.objects.count()} members ({created} new)."
            )
        )
        self.stdout.write(f"Demo activity: {demo_counts_line(counts)}")
        for line in app_lines:
            self.stdout.write(line)
        self.stdout.write("Demo accounts (stored in var/demo-credentials.txt):")
        for role, email, password in credentials:
            self.stdout.write(f"  {role}: {email} / {password}")
        self.stdout.write("The README's tour says which pages to open as whom.")

    def _units(self):
        def get_or_create(code, name, level, parent=None, is_employer=False):
            unit = Unit.objects.filter(code=code).first()
            if unit is None:
                unit = unit_create(
                    code=code,
                    name=name,
                    level=level,
                    parent=parent,
                    is_employer=is_employer,
                )
            return Unit.objects.get(pk=unit.pk)  # fresh path and numchild

        sector = get_or_create(*SECTOR, Unit.Level.SECTOR)
        employers, grassroots = [], []
        places = iter(PLACES)
        for index, (code, name, _short, _share) in enumerate(UPPER):
            employer = get_or_create(
                code, name, Unit.Level.UPPER, sector, is_employer=True
            )
            employers.append(employer)
            for _n in range(6 if index == 0 else 5 if index < 3 else 4):
                place = next(places)
                child_code = f"{code}-{len(grassroots) + 1:02d}"
                unit = get_or_create(
                    child_code,
                    f"Công đoàn cơ sở {code} {place}",
                    Unit.Level.GRASSROOTS,
                    Unit.objects.get(pk=employer.pk),
                )
                grassroots.append((employer, unit))
                if len(grassroots) <= 3:
                    for group in (1, 2):
                        get_or_create(
                            f"{child_code}-T{group}",
                            f"Tổ công đoàn số {group}",
                            Unit.Level.GROUP,
                            Unit.objects.get(pk=unit.pk),
                        )
        return employers, grassroots

    def _members(self, rng, fake, employers, grassroots, today) -> int:
        existing = set(Member.objects.values_list("employer_id", "employee_code"))
        rows = []
        for number in range(1, MEMBER_COUNT + 1):
            employer, unit = grassroots[number % len(grassroots)]
            code = f"{employer.code}{number:05d}"
            gender = rng.choice([Member.Gender.MALE, Member.Gender.FEMALE])
            given = (
                fake.first_name_male()
                if gender == Member.Gender.MALE
                else fake.first_name_female()
            )
            full_name = " ".join(
                [fake.last_name(), rng.choice(MIDDLE_NAMES[gender]), given]
            )
            born = working_age_birth(rng, gender=gender, today=today)
            national_id = demo_national_id(
                rng.choice(PROVINCES), gender=gender, born=born, serial=number
            )
            phone = "09" + "".join(str(rng.randrange(10)) for _ in range(8))
            joined = born + timedelta(days=365 * 22 + rng.randrange(0, 3000))
            if (employer.pk, code) in existing:
                continue
            rows.append(
                {
                    "employer": employer,
                    "employee_code": code,
                    "unit": unit,
                    "full_name": full_name,
                    "national_id": national_id,
                    "date_of_birth": born,
                    "gender": gender,
                    "phone": phone,
                    "email": f"{code.lower()}@example.vn",
                    "position": rng.choice(POSITIONS),
                    "union_joined_on": min(joined, today - timedelta(days=30)),
                    "card_number": f"CD{number:07d}",
                }
            )
        members_bulk_create(rows=rows)
        return len(rows)

    def _relatives_and_care(self, rng) -> None:
        """Give some members relatives and open care cases, some long unvisited."""
        today = timezone.localdate()
        members = list(Member.objects.select_related("unit").order_by("pk"))
        for member in members[::2]:
            children = rng.randrange(0, 3)
            kinds = [Relative.Relationship.CHILD] * children
            kinds += [
                rng.choice([Relative.Relationship.FATHER, Relative.Relationship.MOTHER])
            ]
            for relationship in kinds:
                family = member.full_name.split()[0]
                born = (
                    today - timedelta(days=rng.randrange(200, 18 * 365))
                    if relationship == Relative.Relationship.CHILD
                    else member.date_of_birth
                    - timedelta(days=rng.randrange(20, 35) * 365)
                )
                relative_save(
                    relative=Relative(
                        member=member,
                        full_name=f"{family} {rng.choice(RELATIVE_GIVEN)}",
                        relationship=relationship,
                        date_of_birth=born,
                    ),
                    actor=None,
                )
        for number, member in enumerate(members[1::25]):
            kind, summary = CARE_SUMMARIES[number % len(CARE_SUMMARIES)]
            opened = today - timedelta(days=rng.randrange(3, 60))
            case = care_case_open(
                member=member, kind=kind, summary=summary, opened_on=opened
            )
            if number % 3:
                care_visit_log(
                    case=case,
                    visited_on=opened + timedelta(days=1),
                    visited_by="Ban nữ công",
                    amount=rng.choice([500_000, 1_000_000, 2_000_000]),
                )

    def _full(self, scale: Scale) -> None:
        """Seed the sector at ``scale``: register, accounts, demo, apps, ANALYZE."""
        with translation.override(settings.LANGUAGE_CODE):
            refusal = full_scale_refusal(scale)
        if refusal:
            raise CommandError(refusal)
        started = time.perf_counter()
        fresh = self._register(scale)
        clock = time.perf_counter()
        employers = [Unit.objects.get(code=code) for code, *_rest in UPPER]
        home = (
            Unit.objects.filter(
                path__startswith=employers[0].path, level=Unit.Level.GRASSROOTS
            )
            .order_by("code")
            .first()
        )
        with transaction.atomic():
            credentials, people = demo_accounts(officer_unit=employers[0], home=home)
        loadtest = loadtest_accounts(scale, exclude={people.member.pk})
        self._part(
            "Accounts",
            clock,
            f"{len(credentials)} demo accounts (var/demo-credentials.txt), "
            f"{loadtest.members} members and {loadtest.staff} staff of the load "
            f"test ({loadtest.created} new; {loadtest.path.name})",
        )
        clock = time.perf_counter()
        demo_activity(people=people, today=scale.today)
        self._part("Demo activity", clock, "the small demo's, in the big tree")
        clock = time.perf_counter()
        app_lines = apps_demo_seed(people=people, today=scale.today)
        # Today's reminders of the demo, once: before the apps' year of rows,
        # which the beat's reminders take up day by day (tens of thousands of
        # overdue recommendations and unanswered surveys at full size). On a
        # later run they would find that year and remind of it: left out.
        counts = demo_reminders(people=people, today=scale.today, run=fresh)
        self._part("Apps' demos and reminders", clock, demo_counts_line(counts))
        for line in app_lines:
            self.stdout.write(f"  {line}")
        for config in apps.get_app_configs():
            path = getattr(config, "scale_seed", None)
            if path:
                clock = time.perf_counter()
                line = import_string(path)(scale=scale, people=people)
                self._part(config.verbose_name, clock, line)
        # The COPY above sent no signal: no cached figure may outlive it.
        cache_bump_everything()
        clock = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._part("ANALYZE", clock, "statistics of every table")
        self.stdout.write(
            self.style.SUCCESS(
                f"Full-size demo (factor {scale.factor:g}, seed {scale.seed}) "
                f"in {time.perf_counter() - started:.1f} s."
            )
        )
        self.stdout.write("Demo accounts (stored in var/demo-credentials.txt):")
        for role, email, password in credentials:
            self.stdout.write(f"  {role}: {email} / {password}")

    def _register(self, scale: Scale) -> bool:
        """Seed the register unless it is there; return whether it was seeded."""
        clock = time.perf_counter()
        sizes = RegisterSizes.of(scale)
        steps = None if register_state(sizes) == "seeded" else register_seed(scale)
        counts = (
            f"{Unit.objects.count():,} units, {Member.objects.count():,} members, "
            f"{Relative.objects.values('member').distinct().count():,} with "
            f"relatives ({Relative.objects.count():,} relatives), "
            f"{CareCase.objects.count():,} care cases "
            f"({CareVisit.objects.count():,} visits)"
        )
        if steps is None:
            counts = f"reused: {counts}"
        else:
            counts += (
                " ["
                + ", ".join(
                    f"{name} {seconds:.1f} s" for name, seconds in steps.items()
                )
                + "]"
            )
        self._part("Register", clock, counts)
        return steps is not None

    def _part(self, name: str, started: float, line: str) -> None:
        seconds = time.perf_counter() - started
        self.stdout.write(f"{name} ({seconds:.1f} s): {line}")
        self.stdout.flush()


SQLITE_REFUSAL = gettext_noop(
    "seed_demo --scale full needs PostgreSQL (it writes with COPY); this database "
    "is %(vendor)s. Set DATABASE_URL to a PostgreSQL database."
)
OTHER_REGISTER_REFUSAL = gettext_noop(
    "This database already holds a register that seed_demo --scale full did not "
    "seed at this scale (the small demo, real data, or another factor). Use an "
    "empty database."
)


def full_scale_refusal(scale: Scale) -> str | None:
    """Say why ``--scale full`` cannot seed this database, or None if it can.

    It needs PostgreSQL (COPY), and a database that is empty or holds the
    register it seeded at this scale: never the small demo's, nor a real one.
    The message is in the active language (Vietnamese), then in English.
    """
    if connection.vendor != "postgresql":
        message, values = SQLITE_REFUSAL, {"vendor": connection.vendor}
    elif register_state(RegisterSizes.of(scale)) == "other":
        message, values = OTHER_REGISTER_REFUSAL, {}
    else:
        return None
    return f"{_(message) % values}\n{message % values}"


def apps_demo_seed(*, people, today) -> list[str]:
    """Run each app's demo seed, in INSTALLED_APPS order; return their lines.

    An app declares ``demo_seed = "<app>.demo.seed"`` on its AppConfig: a
    function ``seed(*, people, today) -> str`` that makes what is missing of
    its demo data (idempotent, deterministic) for the demo accounts in
    ``people`` (``DemoPeople``) and returns one line saying what it holds.
    """
    lines = []
    for config in apps.get_app_configs():
        path = getattr(config, "demo_seed", None)
        if path:
            lines.append(import_string(path)(people=people, today=today))
    return lines
