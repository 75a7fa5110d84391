"""Seed a demo: the units, 500 members, four accounts, and every feature in use."""

import random
import secrets
from datetime import date, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from faker import Faker

from members.eligibility import years_before
from members.identifiers import CCCD_PROVINCES
from members.management.demo_activity import (
    DemoPeople,
    demo_activity,
    demo_counts_line,
    demo_reminders,
)
from members.models import CareCase, Member, Relative, StaffRole, Unit, User
from members.retirement import born_by_retirement
from members.services import (
    care_case_open,
    care_visit_log,
    members_bulk_create,
    relative_save,
    staff_role_grant,
    unit_create,
)

SECTOR = ("CDTTTT", "Công đoàn Thông tin và Truyền thông Việt Nam")
UPPER = [
    ("VNPT", "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam"),
    ("VTC", "Công đoàn Tổng công ty Truyền thông đa phương tiện"),
    ("VNPOST", "Công đoàn Tổng công ty Bưu điện Việt Nam"),
    ("MOBIFONE", "Công đoàn Tổng công ty Viễn thông MobiFone"),
]
GRASSROOTS_PLACES = [
    "Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ",
    "Nghệ An", "Thanh Hóa", "Quảng Ninh", "Khánh Hòa", "Lâm Đồng",
    "Thừa Thiên Huế", "Bình Dương", "Đồng Nai", "Bắc Ninh", "Thái Nguyên",
    "Đắk Lắk", "An Giang", "Nam Định", "Quảng Nam", "Kiên Giang",
    "Hà Tĩnh", "Bình Định", "Phú Thọ", "Long An",
]  # fmt: skip
MIDDLE_NAMES = {
    Member.Gender.MALE: ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Công"],
    Member.Gender.FEMALE: ["Thị", "Thu", "Ngọc", "Thanh", "Mỹ", "Phương", "Kim"],
}
POSITIONS = [
    "Kỹ sư viễn thông", "Chuyên viên", "Nhân viên kỹ thuật", "Giao dịch viên",
    "Kế toán viên", "Trưởng phòng", "Nhân viên bưu chính", "Lập trình viên",
]  # fmt: skip
PROVINCES = sorted(CCCD_PROVINCES)
MEMBER_COUNT = 500
YOUNGEST_AGE = 23
ADMIN_EMAIL = "admin@congdoan.local"
MEMBER_EMAIL = "doanvien@congdoan.local"
OFFICER_EMAIL = "canbo.vnpt@congdoan.local"
CARE_EMAIL = "chamlo.vnpt01@congdoan.local"
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
        "notifications and data-rights requests."
    )

    def handle(self, *args, **options):
        rng = random.Random(2024)
        today = timezone.localdate()
        fake = Faker("vi_VN")
        fake.seed_instance(2024)
        with transaction.atomic():
            employers, grassroots = self._units()
            created = self._members(rng, fake, employers, grassroots, today)
            if not Relative.objects.exists():
                self._relatives_and_care(rng)
            credentials, people = self._accounts(employers, grassroots)
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
        places = iter(GRASSROOTS_PLACES)
        for index, (code, name) in enumerate(UPPER):
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

    def _accounts(self, employers, grassroots):
        """Create or refresh the demo accounts; return their credentials and people."""
        stored = _stored_credentials()
        admin, admin_password = _demo_account(
            ADMIN_EMAIL, "Quản trị hệ thống", stored, superuser=True
        )
        home = grassroots[0][1]
        # The member account's member: kept once linked; else the first member
        # of the grassroots union whose care officer is a demo account.
        member = (
            Member.objects.filter(user__email=MEMBER_EMAIL).first()
            or Member.objects.filter(unit=home).order_by("pk").first()
        )
        user, member_password = _demo_account(MEMBER_EMAIL, member.full_name, stored)
        if member.user_id is None:
            member.user = user
            member.save(update_fields=["user"])
        officer, officer_password = _demo_account(
            OFFICER_EMAIL, "Cán bộ Công đoàn VNPT", stored
        )
        staff_role_grant(user=officer, unit=employers[0], role=StaffRole.Role.OFFICER)
        carer, carer_password = _demo_account(CARE_EMAIL, "Cán bộ chăm lo", stored)
        staff_role_grant(user=carer, unit=home, role=StaffRole.Role.CARE_OFFICER)
        accounts = [
            ("Superuser", ADMIN_EMAIL, admin_password),
            ("Member", MEMBER_EMAIL, member_password),
            (f"Officer of {employers[0].code}", OFFICER_EMAIL, officer_password),
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


def _credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-credentials.txt"


def _stored_credentials() -> dict[str, str]:
    path = _credentials_file()
    if not path.exists():
        return {}
    pairs = (line.split(" ", 1) for line in path.read_text().splitlines() if line)
    return dict(pairs)


def _store_credentials(credentials: dict[str, str]) -> None:
    path = _credentials_file()
    path.write_text("".join(f"{email} {pw}\n" for email, pw in credentials.items()))
    path.chmod(0o600)


def working_age_birth(rng: random.Random, *, gender: str, today: date) -> date:
    """Draw a date of birth of someone aged 23 or more, not yet at retirement age.

    The oldest is born the day after the last birth date whose retirement date
    by law (members.retirement) is on or before ``today``, so nobody active in
    the demo is past it; some reach it in the coming months.
    """
    oldest = born_by_retirement(gender=gender, on_or_before=today) + timedelta(days=1)
    youngest = years_before(today, YOUNGEST_AGE)
    return oldest + timedelta(days=rng.randrange((youngest - oldest).days + 1))


def demo_national_id(province: str, *, gender: str, born: date, serial: int) -> str:
    """Return a CCCD: province (3 digits), gender and century (1), year (2), serial."""
    century_gender = (gender == Member.Gender.FEMALE) + 2 * (born.year >= 2000)
    return f"{province}{century_gender}{born.year % 100:02d}{serial:06d}"
