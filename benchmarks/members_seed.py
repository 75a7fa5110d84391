"""Seed a full-size register fast, for the benchmarks that measure one.

Rows go in with bulk_create in batches, with what the services would compute
(NFC names, the folded name, the birthday key, checked CCCDs); the units tree
gets treebeard's materialised paths directly. Import it after django.setup().
"""

import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from members.identifiers import CCCD_PROVINCES
from members.models import (
    CareCase,
    CareVisit,
    Member,
    Relative,
    StaffRole,
    Unit,
    User,
    birthday_key,
)
from members.services import member_normalise, staff_role_grant
from members.text import fold, nfc

SECTOR = ("CDTTTT", "Công đoàn Thông tin và Truyền thông Việt Nam")
# Employer unions: code, name, short name for their grassroots unions, share.
UPPER = [
    ("VNPT", "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam", "VNPT", 42),
    ("VNPOST", "Công đoàn Tổng công ty Bưu điện Việt Nam", "Bưu điện", 30),
    ("MOBIFONE", "Công đoàn Tổng công ty Viễn thông MobiFone", "MobiFone", 14),
    ("VTC", "Công đoàn Tổng công ty Truyền thông đa phương tiện", "VTC", 7),
    ("CQBO", "Công đoàn Cơ quan Bộ Thông tin và Truyền thông", "Cơ quan Bộ", 7),
]
PLACES = [
    "Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng", "Hải Phòng", "Cần Thơ", "Nghệ An",
    "Thanh Hóa", "Quảng Ninh", "Khánh Hòa", "Lâm Đồng", "Thừa Thiên Huế", "Bình Dương",
    "Đồng Nai", "Bắc Ninh", "Thái Nguyên", "Đắk Lắk", "An Giang", "Nam Định",
    "Quảng Nam", "Kiên Giang", "Hà Tĩnh", "Bình Định", "Phú Thọ", "Long An",
    "Hải Dương", "Thái Bình", "Ninh Bình", "Quảng Bình", "Gia Lai", "Sóc Trăng",
    "Cà Mau", "Lào Cai", "Yên Bái", "Sơn La", "Điện Biên",
]  # fmt: skip
GROUP_NAMES = [
    "Phòng Kỹ thuật", "Phòng Kinh doanh", "Phòng Tổng hợp", "Tổ Vận hành",
    "Tổ Khai thác", "Phòng Kế toán", "Tổ Giao dịch", "Tổ Bảo dưỡng",
]  # fmt: skip
# Family names with their rough share of the population, in per mille.
FAMILY_NAMES = {
    "Nguyễn": 380, "Trần": 110, "Lê": 95, "Phạm": 70, "Phan": 45, "Hoàng": 40,
    "Huỳnh": 30, "Vũ": 25, "Võ": 20, "Đặng": 21, "Bùi": 20, "Đỗ": 14, "Hồ": 13,
    "Ngô": 13, "Dương": 10, "Đinh": 8, "Trịnh": 6, "Lý": 5, "Mai": 5, "Lương": 4,
    "Cao": 4, "Tạ": 3,
}  # fmt: skip
MIDDLE_NAMES = {
    "male": {
        "Văn": 300, "Đức": 100, "Minh": 100, "Quang": 80, "Hữu": 80, "Thành": 60,
        "Công": 60, "Quốc": 50, "Xuân": 50, "Ngọc": 40, "Trọng": 30, "Hoàng": 30,
        "Tuấn": 20,
    },
    "female": {
        "Thị": 450, "Thu": 80, "Ngọc": 80, "Thanh": 70, "Hồng": 50, "Mỹ": 40,
        "Phương": 40, "Kim": 40, "Minh": 40, "Khánh": 30, "Hải": 30, "Bảo": 30,
        "Diệu": 20,
    },
}  # fmt: skip
GIVEN_NAMES = {
    "male": [
        "Anh", "Bình", "Cường", "Dũng", "Đạt", "Đông", "Giang", "Hải", "Hiếu", "Hòa",
        "Hoàng", "Hùng", "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Mạnh", "Minh",
        "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng",
        "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Hưng",
        "Hiệp", "Lộc", "Duy", "Tiến", "Trí",
    ],
    "female": [
        "Anh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hằng", "Hạnh", "Hiền", "Hoa",
        "Hồng", "Hương", "Huyền", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga",
        "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thoa",
        "Thu", "Thủy", "Trang", "Trinh", "Tuyết", "Uyên", "Vân", "Yến", "Xuân", "Diệp",
        "Nhi",
    ],
}  # fmt: skip
# A woman's name often has two middle names: "Nguyễn Thị Thu Hà".
SECOND_MIDDLE = ["Thu", "Ngọc", "Thanh", "Minh", "Kim", "Hồng", "Phương", "Bích"]
POSITIONS = [
    "Kỹ sư viễn thông", "Chuyên viên", "Nhân viên kỹ thuật", "Giao dịch viên",
    "Kế toán viên", "Trưởng phòng", "Nhân viên bưu chính", "Lập trình viên",
    "Nhân viên kinh doanh", "Phó giám đốc", "Công nhân dây máy", "Bưu tá",
]  # fmt: skip
MOBILE_PREFIXES = [
    "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078",
    "079", "081", "082", "083", "084", "085", "086", "088", "089", "090", "091", "093",
    "094", "096", "097", "098",
]  # fmt: skip
# Member status and its share, in per mille.
STATUSES = {
    "active": 930,
    "retired": 20,
    "left": 20,
    "transferred": 10,
    "dues_exempt": 20,
}
RELATIONSHIPS = {
    "child": 350,
    "spouse": 250,
    "father": 100,
    "mother": 120,
    "father_in_law": 50,
    "mother_in_law": 60,
    "sibling": 50,
    "other": 20,
}
HOSPITALS = [
    "Bệnh viện Bạch Mai",
    "Bệnh viện Chợ Rẫy",
    "Bệnh viện Việt Đức",
    "Bệnh viện K",
    "Bệnh viện Đa khoa tỉnh",
    "Bệnh viện Trung ương Huế",
    "Bệnh viện Nhi Trung ương",
    "Bệnh viện Đà Nẵng",
]
CARE_SUMMARIES = {
    "illness": ["Ốm đau, điều trị tại {hospital}", "Phẫu thuật tại {hospital}"],
    "childbirth": ["Sinh con thứ nhất", "Sinh con thứ hai"],
    "bereavement": ["Bố đẻ qua đời", "Mẹ đẻ qua đời", "Bố vợ qua đời"],
    "hardship": [
        "Hoàn cảnh khó khăn: nhà hư hỏng do bão",
        "Hoàn cảnh khó khăn: mắc bệnh hiểm nghèo",
        "Hoàn cảnh khó khăn: vợ hoặc chồng mất việc làm",
    ],
    "wedding": ["Kết hôn"],
    "other": ["Tai nạn giao thông", "Tai nạn lao động nhẹ"],
}
CARE_KINDS = {
    "illness": 45,
    "childbirth": 15,
    "bereavement": 12,
    "hardship": 15,
    "wedding": 8,
    "other": 5,
}
VISITORS = [
    "Ban Thường vụ Công đoàn cơ sở",
    "Chủ tịch công đoàn cơ sở và Tổ trưởng",
    "Ban Nữ công",
    "Tổ công đoàn",
]
SECTOR_EMAIL = "bench-sector@congdoan.local"
GRASSROOTS_EMAIL = "bench-grassroots@congdoan.local"
BATCH = 2000
NO_TRUNCATE = "members_auditevent_no_truncate"


@dataclass
class Register:
    """What the benchmark needs to know of the register it measures."""

    sector: Unit
    grassroots: Unit
    grassroots_members: int
    sector_user: User
    grassroots_user: User
    sample: Member
    counts: dict[str, int]
    seeded_s: float | None = None
    seed_steps: dict[str, float] = field(default_factory=dict)


def register_get(
    *,
    members: int,
    units: int,
    relatives: int,
    open_cases: int,
    seed: int,
    reseed: bool,
) -> Register:
    """Seed the register, or reuse the one a previous run of this size left."""
    if units < 1 + 2 * len(UPPER) or members < units:
        raise SystemExit(f"Use at least {1 + 2 * len(UPPER)} units and a member each.")
    wanted = {
        "units": units,
        "members": members,
        "relatives": relatives,
        "open care cases": open_cases,
    }
    steps: dict[str, float] = {}
    seeded_s = None
    found = _counts()
    if reseed or found != wanted or not _is_bench_tree():
        print(f"Seeding {wanted} (found {found})…", flush=True)
        started = time.perf_counter()
        _seed(wanted, seed, steps)
        seeded_s = time.perf_counter() - started
        print(f"Seeded in {seeded_s:.1f} s: {format_steps(steps)}", flush=True)
    else:
        print(f"Reusing the register a previous run seeded: {found}.", flush=True)
    sector = Unit.objects.get(code=SECTOR[0])
    grassroots, grassroots_members = _typical_grassroots_unit()
    return Register(
        sector=sector,
        grassroots=grassroots,
        grassroots_members=grassroots_members,
        sector_user=_staff_user(SECTOR_EMAIL, "Cán bộ Công đoàn ngành", sector),
        grassroots_user=_staff_user(
            GRASSROOTS_EMAIL, "Cán bộ Công đoàn cơ sở", grassroots
        ),
        # The grassroots union's first member: whom the one-person searches seek.
        sample=Member.objects.filter(unit__path__startswith=grassroots.path)
        .order_by("pk")
        .first(),
        counts={
            **_counts(),
            "closed care cases": CareCase.objects.filter(status="closed").count(),
            "care visits": CareVisit.objects.count(),
        },
        seeded_s=seeded_s,
        seed_steps=steps,
    )


def register_for(args) -> Register:
    """Return register_get's register for a benchmark's options.

    Those of benchmarks.databases.register_arguments and seed_arguments.
    """
    return register_get(
        members=args.members,
        units=args.units,
        relatives=args.relatives,
        open_cases=args.open_cases,
        seed=args.seed,
        reseed=args.reseed,
    )


def format_steps(steps: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())


def _counts() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "members": Member.objects.count(),
        "relatives": Relative.objects.count(),
        "open care cases": CareCase.objects.filter(status="open").count(),
    }


def _is_bench_tree() -> bool:
    return Unit.objects.filter(code=SECTOR[0], depth=1).exists()


class _Step:
    """Time a step of the seed into ``steps``."""

    def __init__(self, steps: dict[str, float], name: str):
        self.steps, self.name = steps, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.steps[self.name] = time.perf_counter() - self.started


def _seed(sizes: dict[str, int], seed: int, steps: dict[str, float]) -> None:
    rng = random.Random(seed)
    today = timezone.localdate()
    tables = [
        model._meta.db_table
        for model in (CareVisit, CareCase, Relative, Member, StaffRole, Unit)
    ]
    with _Step(steps, "wipe"), connection.cursor() as cursor:
        # The audit trail refuses TRUNCATE (members' migration 0016); the bench
        # database's owner lifts that for the wipe only.
        cursor.execute(f"ALTER TABLE members_auditevent DISABLE TRIGGER {NO_TRUNCATE}")
        try:
            # CASCADE also empties the other apps' tables that point at members.
            cursor.execute(
                "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(connection.ops.quote_name(table) for table in tables)
                )
            )
        finally:
            cursor.execute(
                f"ALTER TABLE members_auditevent ENABLE TRIGGER {NO_TRUNCATE}"
            )
    with transaction.atomic():
        with _Step(steps, "units"):
            leaves = _seed_units(rng, sizes["units"])
        with _Step(steps, "members"):
            members = _seed_members(rng, sizes["members"], leaves, today)
        with _Step(steps, "relatives"):
            relatives = _seed_relatives(rng, sizes["relatives"], members, today)
        with _Step(steps, "care"):
            _seed_care(rng, sizes["open care cases"], members, relatives, today)
    # Fresh statistics and visibility maps, as autovacuum would leave them.
    with _Step(steps, "vacuum analyze"), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def _apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder)."""
    rest = total - minimum * len(weights)
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(
        range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True
    )
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [share + minimum for share in shares]


def _seed_units(rng, total: int) -> list[tuple]:
    """Create the tree with treebeard paths; return (unit, employer) for each leaf.

    Paths are computed with treebeard's own helper rather than add_child (one
    query per node plus a parent update); siblings are numbered in code order,
    which is the tree's ``node_order_by``.
    """
    lower = total - 1 - len(UPPER)
    grassroots_total = round(lower * 2 / 3)
    groups_total = lower - grassroots_total
    per_upper = _apportion(grassroots_total, [share for *_, share in UPPER], minimum=1)
    groups_of = Counter(rng.randrange(grassroots_total) for _ in range(groups_total))
    sector = Unit(
        code=SECTOR[0],
        name=SECTOR[1],
        level=Unit.Level.SECTOR,
        path=Unit._get_path(None, 1, 1),
        depth=1,
        numchild=len(UPPER),
    )
    rows, members_units = [sector], []
    grassroots_number = 0
    uppers = sorted(zip(UPPER, per_upper, strict=True), key=lambda item: item[0][0])
    for step, ((code, name, short, _share), count) in enumerate(uppers, start=1):
        upper = Unit(
            code=code,
            name=name,
            level=Unit.Level.UPPER,
            is_employer=True,
            path=Unit._get_path(sector.path, 2, step),
            depth=2,
            numchild=count,
        )
        rows.append(upper)
        for number in range(1, count + 1):
            place = PLACES[(number - 1) % len(PLACES)]
            round_ = (number - 1) // len(PLACES)
            groups = groups_of[grassroots_number]
            grassroots_number += 1
            unit = Unit(
                code=f"{code}-{number:03d}",
                name=f"Công đoàn cơ sở {short} {place}"
                + (f" {round_ + 1}" if round_ else ""),
                level=Unit.Level.GRASSROOTS,
                path=Unit._get_path(upper.path, 3, number),
                depth=3,
                numchild=groups,
            )
            rows.append(unit)
            members_units.append((unit, upper))
            for group in range(1, groups + 1):
                child = Unit(
                    code=f"{unit.code}-T{group:02d}",
                    name=f"Tổ công đoàn {GROUP_NAMES[(group - 1) % len(GROUP_NAMES)]}",
                    level=Unit.Level.GROUP,
                    path=Unit._get_path(unit.path, 4, group),
                    depth=4,
                    numchild=0,
                )
                rows.append(child)
                members_units.append((child, upper))
    Unit.objects.bulk_create(rows, batch_size=BATCH)
    problems = Unit.objects.find_problems()
    if any(problems):
        raise RuntimeError(f"treebeard finds problems in the seeded tree: {problems}")
    return members_units


def _pick(rng, weighted: dict[str, int]) -> str:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _person_name(rng, gender: str, family: str | None = None) -> str:
    """Return a name in Vietnamese order: family, middle, given."""
    parts = [family or _pick(rng, FAMILY_NAMES), _pick(rng, MIDDLE_NAMES[gender])]
    if gender == "female" and parts[1] == "Thị" and rng.random() < 0.3:
        parts.append(rng.choice(SECOND_MIDDLE))
    parts.append(rng.choice(GIVEN_NAMES[gender]))
    return " ".join(parts)


def _seed_members(rng, total: int, leaves: list[tuple], today: date) -> list:
    """Create the members, computing what members.services would compute."""
    provinces = sorted(CCCD_PROVINCES)
    weights = [rng.lognormvariate(0, 0.6) for _ in leaves]
    per_unit = _apportion(total, weights, minimum=1)
    next_code: Counter = Counter()
    members, number = [], 0
    for (unit, employer), count in zip(leaves, per_unit, strict=True):
        for _ in range(count):
            number += 1
            next_code[employer.pk] += 1
            code = f"{employer.code}{next_code[employer.pk]:06d}"
            gender = "male" if rng.random() < 0.55 else "female"
            full_name = nfc(_person_name(rng, gender))
            born = date(1966, 1, 1) + timedelta(days=rng.randrange(38 * 365))
            national_id = None
            if rng.random() < 0.92:
                # Province (3), century and gender (1), year (2), serial (6).
                century_gender = (gender == "female") + 2 * (born.year >= 2000)
                national_id = (
                    f"{rng.choice(provinces)}{century_gender}"
                    f"{born.year % 100:02d}{number:06d}"
                )
            status = _pick(rng, STATUSES)
            joined = born + timedelta(days=365 * 22 + rng.randrange(3000))
            members.append(
                Member(
                    employer=employer,
                    unit=unit,
                    employee_code=code,
                    full_name=full_name,
                    full_name_folded=fold(full_name),
                    national_id=national_id,
                    date_of_birth=born,
                    birthday_key=birthday_key(born),
                    gender=gender,
                    phone=rng.choice(MOBILE_PREFIXES)
                    + f"{rng.randrange(10_000_000):07d}",
                    email=f"{code.lower()}@example.vn" if rng.random() < 0.8 else "",
                    position=rng.choice(POSITIONS),
                    employment_status="Đã nghỉ việc"
                    if status in {"left", "retired"}
                    else "Đang làm việc",
                    union_joined_on=min(joined, today),
                    card_number=f"CD{number:07d}",
                    status=status,
                )
            )
    # The generated rows must be what the services would have stored.
    for member in rng.sample(members, min(300, len(members))):
        copy = Member(
            **{
                f.attname: getattr(member, f.attname)
                for f in Member._meta.concrete_fields
            }
        )
        copy.unit, copy.employer = member.unit, member.employer
        member_normalise(copy)
        for name in (
            "full_name",
            "full_name_folded",
            "birthday_key",
            "national_id",
            "phone",
            "email",
        ):
            if getattr(copy, name) != getattr(member, name):
                raise RuntimeError(f"{name} differs from member_normalise: {member}")
    return Member.objects.bulk_create(members, batch_size=BATCH)


def _seed_relatives(rng, total: int, members: list, today: date) -> dict:
    """Create relatives of random members; return them by member id."""
    years = 365
    relatives = []
    for _ in range(total):
        member = members[rng.randrange(len(members))]
        relationship = _pick(rng, RELATIONSHIPS)
        gender = {
            "father": "male",
            "father_in_law": "male",
            "mother": "female",
            "mother_in_law": "female",
            "spouse": "female" if member.gender == "male" else "male",
        }.get(relationship, rng.choice(["male", "female"]))
        family = None
        if relationship == "child" and member.gender == "male":
            family = member.full_name.split()[0]
        born = member.date_of_birth + timedelta(
            days={
                "child": rng.randrange(22 * years, 40 * years),
                "spouse": rng.randrange(-6 * years, 6 * years),
                "sibling": rng.randrange(-10 * years, 10 * years),
            }.get(relationship, -rng.randrange(20 * years, 35 * years))
        )
        born = min(born, today - timedelta(days=1))
        if rng.random() < 0.05:
            born = None
        relatives.append(
            Relative(
                member=member,
                full_name=nfc(_person_name(rng, gender, family)),
                relationship=relationship,
                date_of_birth=born,
                birthday_key=birthday_key(born),
                phone=rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
                if rng.random() < 0.5
                else "",
            )
        )
    created = Relative.objects.bulk_create(relatives, batch_size=BATCH)
    by_member = defaultdict(list)
    for relative in created:
        by_member[relative.member_id].append(relative)
    return by_member


def _seed_care(rng, open_cases: int, members: list, relatives: dict, today) -> None:
    """Create open cases (some visited, some with a follow-up) and closed ones."""
    active = [m for m in members if m.status == "active"]
    cases, visits_of = [], []
    for index in range(open_cases + open_cases // 2):
        is_open = index < open_cases
        member = rng.choice(active)
        kind = _pick(rng, CARE_KINDS)
        summary = rng.choice(CARE_SUMMARIES[kind]).format(
            hospital=rng.choice(HOSPITALS)
        )
        relative = None
        if member.pk in relatives and rng.random() < 0.3:
            relative = rng.choice(relatives[member.pk])
        opened = today - timedelta(days=rng.randrange(1, 240))
        visits = sorted(
            opened + timedelta(days=rng.randrange((today - opened).days + 1))
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3]) if is_open else 2)
        )
        case = CareCase(
            member=member,
            relative=relative,
            kind=kind,
            summary=summary,
            opened_on=opened,
            follow_up_on=today + timedelta(days=rng.randrange(30))
            if is_open and rng.random() < 0.25
            else None,
            status="open" if is_open else "closed",
            closed_on=None if is_open else (visits[-1] if visits else today),
            last_visit_on=visits[-1] if visits else None,
        )
        cases.append(case)
        visits_of.append(visits)
    CareCase.objects.bulk_create(cases, batch_size=BATCH)
    CareVisit.objects.bulk_create(
        (
            CareVisit(
                case=case,
                visited_on=on,
                visited_by=rng.choice(VISITORS),
                amount=rng.choice([0, 500_000, 1_000_000, 2_000_000, 5_000_000]),
            )
            for case, visits in zip(cases, visits_of, strict=True)
            for on in visits
        ),
        batch_size=BATCH,
    )


def _typical_grassroots_unit():
    """Return a grassroots union with groups whose size is the median one."""
    steplen = Unit.steplen
    per_path = Counter()
    for path, count in Member.objects.values_list("unit__path").annotate(Count("pk")):
        per_path[path[: 3 * steplen]] += count
    grassroots = list(
        Unit.objects.filter(level=Unit.Level.GRASSROOTS, numchild__gt=0).order_by(
            "code"
        )
    )
    median = statistics.median(per_path[unit.path] for unit in grassroots)
    unit = min(grassroots, key=lambda u: abs(per_path[u.path] - median))
    return unit, per_path[unit.path]


def _staff_user(email: str, name: str, unit):
    """Return an officer of ``unit`` with the officer role's permission group."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, None, name=name)
    StaffRole.objects.filter(user=user).exclude(unit=unit).delete()
    staff_role_grant(user=user, unit=unit, role=StaffRole.Role.OFFICER)
    return User.objects.get(pk=user.pk)
