"""The register at scale: units, members, relatives and care cases, in bulk.

``seed_demo --scale full`` seeds the register with it (``register_seed``), and
the benchmarks that measure a register of a given size with its parts
(benchmarks/members_seed.py). Rows go in with COPY (``members.bulk.rows_insert``),
carrying what the services would compute (NFC names, the folded name, the
birthday key, checked CCCDs); the units tree gets treebeard's materialised
paths directly. Every draw comes from the generator a part is given
(``Scale.rng(part)`` for the command), so the same seed gives the same rows.
"""

import functools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from members.bulk import rows_insert
from members.eligibility import years_before
from members.identifiers import CCCD_PROVINCES
from members.management.scale import Scale
from members.models import (
    CareCase,
    CareVisit,
    Member,
    Relative,
    Unit,
    birthday_key,
)
from members.retirement import born_by_retirement
from members.services import member_normalise
from members.text import fold, nfc

SECTOR = ("CDTTTT", "Công đoàn Thông tin và Truyền thông Việt Nam")
# Employer unions, in the small demo's order: code, name, short name for
# their grassroots unions, share of the members (per cent).
UPPER = [
    ("VNPT", "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam", "VNPT", 42),
    ("VTC", "Công đoàn Tổng công ty Truyền thông đa phương tiện", "VTC", 14),
    ("VNPOST", "Công đoàn Tổng công ty Bưu điện Việt Nam", "Bưu điện", 30),
    ("MOBIFONE", "Công đoàn Tổng công ty Viễn thông MobiFone", "MobiFone", 14),
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
YOUNGEST_AGE = 23
# The fewest grassroots unions under each upper union: the demo's activity
# (members.management.demo_activity) uses six of VNPT's and one of the others'.
MIN_GRASSROOTS = [6, 1, 1, 1]
# The fewest units a tree can have: the sector, the upper unions and those.
MIN_UNITS = 1 + len(UPPER) + sum(MIN_GRASSROOTS)
# Sizes at factor 1 that Scale's FULL does not list.
RELATIVES = 60_000
OPEN_CARE_CASES = 2_000


@dataclass(frozen=True)
class RegisterSizes:
    """How many rows of each kind the register at a scale holds."""

    units: int
    members: int
    members_with_relatives: int
    relatives: int
    open_cases: int

    @classmethod
    def of(cls, scale: Scale) -> "RegisterSizes":
        units = max(MIN_UNITS, scale.count("units"))
        members = max(units, scale.count("members"))
        holders = min(members, scale.count("members_with_relatives"))
        return cls(
            units=units,
            members=members,
            members_with_relatives=holders,
            relatives=max(holders, scale.scaled(RELATIVES)),
            open_cases=scale.scaled(OPEN_CARE_CASES),
        )


def register_state(sizes: RegisterSizes) -> str:
    """Say what the database holds: "empty", "seeded" (this register), or "other".

    The register seeded at these sizes has the sector at the root, exactly
    ``sizes.units`` units, grassroots codes of three digits and
    ``sizes.members`` members with a seeded card number; anything else in the
    units or members (the small demo, a real register, another scale) is
    "other".
    """
    if not Unit.objects.exists() and not Member.objects.exists():
        return "empty"
    seeded = (
        Unit.objects.filter(code=SECTOR[0], depth=1).exists()
        and Unit.objects.filter(code=f"{UPPER[0][0]}-001").exists()
        and Unit.objects.count() == sizes.units
        and Member.objects.filter(card_number__startswith="CD").count() == sizes.members
    )
    return "seeded" if seeded else "other"


def register_seed(scale: Scale) -> dict[str, float]:
    """Seed the register at ``scale`` into an empty database, in one transaction.

    Return the seconds each part took.
    """
    sizes = RegisterSizes.of(scale)
    steps: dict[str, float] = {}
    with transaction.atomic():
        with Step(steps, "units"):
            leaves = seed_units(scale.rng("units"), sizes.units)
        with Step(steps, "members"):
            members = seed_members(
                scale.rng("members"), sizes.members, leaves, scale.today
            )
        with Step(steps, "relatives"):
            relatives = seed_relatives(
                scale.rng("relatives"),
                members,
                scale.today,
                holders=sizes.members_with_relatives,
                total=sizes.relatives,
            )
        with Step(steps, "care"):
            seed_care(
                scale.rng("care"), sizes.open_cases, members, relatives, scale.today
            )
    return steps


class Step:
    """Time a step of a seed into ``steps``: its name, its seconds."""

    def __init__(self, steps: dict[str, float], name: str):
        self.steps, self.name = steps, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.steps[self.name] = time.perf_counter() - self.started


def working_age_birth(rng: random.Random, *, gender: str, today: date) -> date:
    """Draw a date of birth of someone aged 23 or more, not yet at retirement age.

    The oldest is born the day after the last birth date whose retirement date
    by law (members.retirement) is on or before ``today``, so nobody active in
    the demo is past it; some reach it in the coming months.
    """
    oldest, days = _working_ages(gender, today)
    return oldest + timedelta(days=rng.randrange(days))


@functools.cache
def _working_ages(gender: str, today: date) -> tuple[date, int]:
    """Return the oldest working-age birth date and how many days the span has."""
    oldest = born_by_retirement(gender=gender, on_or_before=today) + timedelta(days=1)
    youngest = years_before(today, YOUNGEST_AGE)
    return oldest, (youngest - oldest).days + 1


def demo_national_id(province: str, *, gender: str, born: date, serial: int) -> str:
    """Return a CCCD: province (3 digits), gender and century (1), year (2), serial."""
    century_gender = (gender == Member.Gender.FEMALE) + 2 * (born.year >= 2000)
    return f"{province}{century_gender}{born.year % 100:02d}{serial:06d}"


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


def seed_units(rng: random.Random, total: int) -> list[tuple]:
    """Create the tree with treebeard paths; return (unit, employer) for each leaf.

    Paths are computed with treebeard's own helper rather than add_child (one
    query per node plus a parent update); siblings are numbered in code order,
    which is the tree's ``node_order_by``.
    """
    if total < MIN_UNITS:
        raise ValueError(f"A tree has at least {MIN_UNITS} units, not {total}.")
    lower = total - 1 - len(UPPER)
    grassroots_total = max(sum(MIN_GRASSROOTS), round(lower * 2 / 3))
    groups_total = lower - grassroots_total
    per_upper = [
        minimum + share
        for minimum, share in zip(
            MIN_GRASSROOTS,
            _apportion(
                grassroots_total - sum(MIN_GRASSROOTS),
                [share for *_, share in UPPER],
            ),
            strict=True,
        )
    ]
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
    rows_insert(Unit, rows)
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


def seed_members(
    rng: random.Random, total: int, leaves: list[tuple], today: date
) -> list[Member]:
    """Create the members, computing what members.services would compute.

    Members at work are of working age on ``today`` (``working_age_birth``);
    the retired ones are past the retirement age.
    """
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
            status = _pick(rng, STATUSES)
            if status == "retired":
                last = born_by_retirement(gender=gender, on_or_before=today)
                born = last - timedelta(days=rng.randrange(8 * 365))
            else:
                born = working_age_birth(rng, gender=gender, today=today)
            national_id = None
            if rng.random() < 0.92:
                # Province (3), century and gender (1), year (2), serial (6).
                national_id = demo_national_id(
                    rng.choice(provinces), gender=gender, born=born, serial=number
                )
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
    rows_insert(Member, members)
    return members


def seed_relatives(
    rng: random.Random, members: list[Member], today: date, *, holders: int, total: int
) -> dict[int, list[Relative]]:
    """Give ``holders`` members ``total`` relatives; return them by member id.

    Each of the ``holders`` members drawn has one relative, and the rest of
    ``total`` go to members drawn among them (a spouse and children).
    """
    years = 365
    relatives = []
    chosen = rng.sample(members, min(holders, len(members)))
    for index in range(max(total, len(chosen))):
        member = chosen[index] if index < len(chosen) else rng.choice(chosen)
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
    rows_insert(Relative, relatives)
    by_member = defaultdict(list)
    for relative in relatives:
        by_member[relative.member_id].append(relative)
    return by_member


def seed_care(
    rng: random.Random,
    open_cases: int,
    members: list[Member],
    relatives: dict[int, list[Relative]],
    today: date,
) -> None:
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
    rows_insert(CareCase, cases)
    rows_insert(
        CareVisit,
        [
            CareVisit(
                case=case,
                visited_on=on,
                visited_by=rng.choice(VISITORS),
                amount=rng.choice([0, 500_000, 1_000_000, 2_000_000, 5_000_000]),
            )
            for case, visits in zip(cases, visits_of, strict=True)
            for on in visits
        ],
    )
