"""Initiatives at full size: years of them in every state, as the workflow leaves them.

Part of feedback's full-size seed (``feedback.scale``). Each initiative walks
the services' steps (``STEPS``: submitted > under council review > recognised
or rejected > applied) one at a time, with one status change a step, its
council's round and scores while under review, and the 6- and 12-month
benefit follow-ups once recognised.
"""

import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock

from feedback.models import (
    BenefitFollowUp,
    Initiative,
    InitiativeCoauthor,
    InitiativeStatusChange,
    InitiativeTarget,
    ReviewCriterion,
    ReviewRound,
    ReviewScore,
)
from feedback.scale.rows import Register, at, copy_rows
from feedback.selectors.initiatives import initiative_folded
from feedback.services.initiatives import FOLLOW_UP_MONTHS, STEPS, _months_after
from members.bulk import ids_reserve
from members.models import Unit
from members.text import nfc

Status = Initiative.Status
# The form keys of the seed's initiatives: uuid5 of the seed and the number.
KEYS = uuid.UUID("3b8e4a52-7d0c-4f3e-9a61-5c2f1e0d9b47")
# The initiative's columns, in the order ``_initiative_rows`` gives them.
COLUMNS = (
    "id",
    "member_id",
    "unit_id",
    "title",
    "problem",
    "solution",
    "applied_where",
    "expected_benefit_vnd",
    "other_benefits",
    "title_folded",
    "text_folded",
    "submission_key",
    "status",
    "review_round_id",
    "decision_reason",
    "evaluated_benefit_vnd",
    "recognised_on",
    "applied_on",
    "submitted_at",
    "updated_at",
)
YEARS = 4
CRITERIA = (("Tính mới", 30), ("Khả năng áp dụng", 30), ("Hiệu quả kinh tế", 40))
# Where an initiative is headed, by its age in days: (age under, weights).
HEADED = (
    (30, {Status.SUBMITTED: 70, Status.UNDER_REVIEW: 30}),
    (
        150,
        {
            Status.SUBMITTED: 10,
            Status.UNDER_REVIEW: 40,
            Status.RECOGNISED: 25,
            Status.REJECTED: 15,
            Status.APPLIED: 10,
        },
    ),
    (
        10**6,
        {
            Status.SUBMITTED: 1,
            Status.UNDER_REVIEW: 4,
            Status.RECOGNISED: 30,
            Status.REJECTED: 25,
            Status.APPLIED: 40,
        },
    ),
)
# Days each step takes after the one before it: (fewest, most).
_DAYS = {
    Status.UNDER_REVIEW: (3, 30),
    Status.RECOGNISED: (20, 90),
    Status.REJECTED: (20, 90),
    Status.APPLIED: (30, 180),
}
_ACTIONS = (
    "Tự động hóa",
    "Số hóa",
    "Cải tiến",
    "Tối ưu hóa",
    "Chuẩn hóa",
    "Tiết kiệm chi phí",
    "Rút ngắn thời gian",
    "Ứng dụng phần mềm cho",
)
_OBJECTS = (
    "quy trình xử lý sự cố cáp quang",
    "việc bảo dưỡng trạm BTS",
    "khâu nghiệm thu công trình",
    "việc giao ca ở trung tâm điều hành",
    "công tác chăm sóc khách hàng",
    "quản lý vật tư kho",
    "đo kiểm chất lượng mạng di động",
    "việc thu cước tại điểm giao dịch",
    "phân loại bưu gửi",
    "lập lịch xe vận chuyển bưu phẩm",
    "sản xuất chương trình truyền hình",
    "tiêu thụ điện của máy phát dự phòng",
    "báo cáo an toàn lao động",
    "đào tạo nhân viên mới",
)
_PLACES = ("tại tổ kỹ thuật", "ở chi nhánh", "toàn đơn vị", "tại trung tâm", "")
_PROBLEMS = (
    "Việc làm thủ công mất nhiều thời gian và dễ sai sót.",
    "Chi phí vật tư và điện năng tăng qua từng năm.",
    "Khách hàng phải chờ lâu, nhiều phản ánh về thời gian xử lý.",
    "Số liệu nằm rải rác trên giấy, khó tổng hợp và tra cứu.",
    "Thiết bị hỏng giữa kỳ bảo dưỡng, gián đoạn dịch vụ.",
)
_SOLUTIONS = (
    "Xây dựng biểu mẫu điện tử và quy trình duyệt trên máy tính bảng.",
    "Lập trình công cụ tự động giao việc theo vị trí và năng lực.",
    "Thay thế thiết bị cũ bằng giải pháp tiết kiệm năng lượng.",
    "Chuẩn hóa các bước làm việc và đào tạo lại cho tổ kỹ thuật.",
    "Theo dõi từ xa và cảnh báo sớm qua tin nhắn.",
)
_OTHER = (
    "Giảm thời gian chờ của khách hàng",
    "Giảm nguy cơ tai nạn lao động",
    "Người lao động bớt phải làm thêm giờ",
    "",
)
_RECOGNISED = (
    "Có tính mới và hiệu quả rõ rệt",
    "Áp dụng được rộng rãi, làm lợi đã được kiểm chứng",
    "Giải pháp thiết thực, chi phí triển khai thấp",
)
_REJECTED = (
    "Trùng với giải pháp đang áp dụng toàn tập đoàn",
    "Chưa chứng minh được hiệu quả kinh tế",
    "Chi phí triển khai vượt lợi ích dự kiến",
)


def seed_initiatives(*, scale, register: Register, people) -> str:
    """Initiatives over several years, as the workflow would have left them."""
    count = scale.count("initiatives")
    keys = [uuid.uuid5(KEYS, f"{scale.seed}:{count}:{n}") for n in range(count)]
    if Initiative.objects.filter(submission_key=keys[-1]).exists():
        return f"initiatives reused ({Initiative.objects.count():,})"
    rng = scale.rng("feedback.initiatives")
    today = scale.today
    by_grassroots: dict[int, list[int]] = {}
    authors = []
    for member, unit, user in register.members:
        grassroots = register.grassroots(unit)
        by_grassroots.setdefault(grassroots, []).append(member)
        authors.append((member, grassroots, user))
    rounds = _Rounds(register)
    plan = [_initiative(rng, register, rounds, authors, today) for _ in keys]
    ids = ids_reserve(Initiative, count)
    copy_rows(
        Initiative._meta.db_table,
        COLUMNS,
        _initiative_rows(ids, keys, plan),
    )
    _related_write(rng, register, rounds, by_grassroots, ids, plan, today)
    _targets_write(rounds, plan)
    recognised = sum(
        item["status"] in (Status.RECOGNISED, Status.APPLIED) for item in plan
    )
    return f"initiatives: {count:,} ({recognised:,} recognised)"


def _initiative_rows(ids, keys, plan) -> list[tuple]:
    """The initiatives' rows, folded as ``initiative_submit`` folds them."""
    fold_cache: dict[tuple, tuple[str, str]] = {}
    rows = []
    for pk, key, item in zip(ids, keys, plan, strict=True):
        texts = (item["title"], item["problem"], item["solution"])
        if texts not in fold_cache:
            fold_cache[texts] = initiative_folded(
                title=texts[0], problem=texts[1], solution=texts[2]
            )
        title_folded, text_folded = fold_cache[texts]
        steps = item["steps"]
        rows.append(
            (
                pk,
                item["member"],
                item["unit"],
                item["title"],
                item["problem"],
                item["solution"],
                item["applied_where"],
                item["expected"],
                item["other"],
                title_folded,
                text_folded,
                key,
                item["status"],
                item["round"],
                item["reason"],
                item["evaluated"],
                item["recognised_on"],
                item["applied_on"],
                steps[0][2],
                steps[-1][2],
            )
        )
    return rows


class _Rounds:
    """The councils' review rounds: one an upper union and year, found or made."""

    def __init__(self, register: Register):
        self.register = register
        self.made: dict[tuple[int, int], int] = {}
        self.criteria: dict[int, list[tuple[int, int]]] = {}
        self.unit_year: dict[int, tuple[int, int]] = {}

    def council(self, grassroots: int) -> int:
        """The upper union over a grassroots union: its council reviews."""
        lineage = self.register.lineage(grassroots)
        return lineage[1] if len(lineage) > 1 else lineage[0]

    def get(self, council: int, year: int) -> int:
        key = (council, year)
        if key not in self.made:
            code = Unit.objects.values_list("code", flat=True).get(pk=council)
            review_round, _created = ReviewRound.objects.get_or_create(
                unit_id=council,
                title=f"Hội đồng sáng kiến {code} năm {year}",
                defaults={
                    "opens_on": date(year, 1, 1),
                    "closes_on": date(year, 12, 31),
                },
            )
            criteria = list(
                review_round.criteria.order_by("order", "pk").values_list(
                    "pk", "max_score"
                )
            )
            if not criteria:
                made = ReviewCriterion.objects.bulk_create(
                    ReviewCriterion(
                        review_round=review_round, name=name, max_score=most, order=n
                    )
                    for n, (name, most) in enumerate(CRITERIA, start=1)
                )
                criteria = [(c.pk, c.max_score) for c in made]
            self.made[key] = review_round.pk
            self.criteria[review_round.pk] = criteria
            self.unit_year[review_round.pk] = key
        return self.made[key]


def _path(status: str) -> list[str]:
    """The steps from submitted to ``status``, one state at a time (``STEPS``)."""
    steps = []
    while status != Status.SUBMITTED:
        steps.insert(0, status)
        status = STEPS[status]
    return steps


def _headed(rng, age: int) -> str:
    for under, weights in HEADED:
        if age < under:
            return rng.choices(list(weights), weights=list(weights.values()))[0]
    raise AssertionError("unreachable")


def _initiative(rng, register, rounds, authors, today: date) -> dict:
    member, grassroots, user = rng.choice(authors)
    # Everything happened before today: no time of day later than now.
    age = 1 + int(YEARS * 365 * rng.random() ** 1.2)
    submitted = today - timedelta(days=age)
    headed = _headed(rng, age)
    officers = register.officers_over(rounds.council(grassroots))
    steps = [("", Status.SUBMITTED, at(submitted, rng), user)]
    day = submitted
    for step in _path(headed):
        fewest, most = _DAYS[step]
        next_day = day + timedelta(days=rng.randint(fewest, most))
        if next_day >= today:
            break
        day = next_day
        steps.append((STEPS[step], step, at(day, rng), rng.choice(officers)))
    status = steps[-1][1]
    expected = rng.randrange(10, 2000) * 1_000_000 if rng.random() < 0.8 else None
    item = {
        "member": member,
        "unit": grassroots,
        "title": nfc(
            f"{rng.choice(_ACTIONS)} {rng.choice(_OBJECTS)} {rng.choice(_PLACES)}"
        ).strip(),
        "problem": rng.choice(_PROBLEMS),
        "solution": rng.choice(_SOLUTIONS),
        "applied_where": "",
        "expected": expected,
        "other": rng.choice(_OTHER),
        "status": status,
        "round": None,
        "reason": "",
        "evaluated": None,
        "recognised_on": None,
        "applied_on": None,
        "steps": steps,
        "officers": officers,
    }
    for _from, step, when, _actor in steps[1:]:
        local = when.date()
        if step == Status.UNDER_REVIEW:
            item["round"] = rounds.get(rounds.council(grassroots), local.year)
        elif step == Status.RECOGNISED:
            base = expected or rng.randrange(10, 500) * 1_000_000
            item["evaluated"] = int(round(base * rng.uniform(0.5, 1.2), -5))
            item["recognised_on"] = local
            item["reason"] = rng.choice(_RECOGNISED)
        elif step == Status.REJECTED:
            item["reason"] = rng.choice(_REJECTED)
        elif step == Status.APPLIED:
            item["applied_on"] = local
    return item


def _related_write(rng, register, rounds, by_grassroots, ids, plan, today) -> None:
    """Co-authors, status changes, scores and benefit follow-ups of the initiatives."""
    coauthors, changes, scores, follow_ups = [], [], [], []
    for pk, item in zip(ids, plan, strict=True):
        team = by_grassroots[item["unit"]]
        if rng.random() < 0.35 and len(team) > 1:
            wanted = min(len(team) - 1, rng.choice((1, 1, 1, 2, 2, 3)))
            chosen: set[int] = set()
            while len(chosen) < wanted:
                other = rng.choice(team)
                if other != item["member"]:
                    chosen.add(other)
            coauthors.extend((pk, other) for other in sorted(chosen))
        for from_status, to_status, when, actor in item["steps"]:
            reason = (
                item["reason"]
                if to_status in (Status.RECOGNISED, Status.REJECTED)
                else ""
            )
            changes.append((pk, from_status, to_status, reason, actor, when))
        reviewed = [s for s in item["steps"] if s[1] == Status.UNDER_REVIEW]
        if reviewed and (item["status"] != Status.UNDER_REVIEW or rng.random() < 0.5):
            scores.extend(_scores(rng, pk, item, rounds, reviewed[0][2], today))
        if item["recognised_on"] is not None:
            follow_ups.extend(_follow_ups(rng, pk, item, today))
    copy_rows(
        InitiativeCoauthor._meta.db_table, ("initiative_id", "member_id"), coauthors
    )
    copy_rows(
        InitiativeStatusChange._meta.db_table,
        ("initiative_id", "from_status", "to_status", "reason", "actor_id", "at"),
        changes,
    )
    copy_rows(
        ReviewScore._meta.db_table,
        ("initiative_id", "criterion_id", "reviewer_id", "score", "note", "scored_at"),
        scores,
    )
    copy_rows(
        BenefitFollowUp._meta.db_table,
        (
            "initiative_id",
            "months",
            "due_on",
            "actual_benefit_vnd",
            "note",
            "recorded_at",
            "recorded_by_id",
        ),
        follow_ups,
    )


def _scores(rng, pk, item, rounds, reviewed_at, today) -> list[tuple]:
    """One or two reviewers' scores on every criterion, while under review."""
    officers = item["officers"]
    reviewers = rng.sample(officers, min(len(officers), rng.choice((1, 2))))
    good = item["status"] in (Status.RECOGNISED, Status.APPLIED)
    rejected = item["status"] == Status.REJECTED
    # Scored before the decision, or before today while still under review.
    decided = item["steps"][2][2] if len(item["steps"]) > 2 else None
    end = decided or datetime.combine(today, clock(0), tzinfo=reviewed_at.tzinfo)
    rows = []
    for reviewer in sorted(reviewers):
        when = reviewed_at + timedelta(hours=rng.randint(1, 24 * 10))
        if when >= end:
            when = end - timedelta(minutes=rng.randint(5, 600))
        when = max(when, reviewed_at)
        for criterion, most in rounds.criteria[item["round"]]:
            low = most * (6 if good else 2 if rejected else 4) // 10
            high = most if not rejected else most * 6 // 10
            rows.append((pk, criterion, reviewer, rng.randint(low, high), "", when))
    return rows


def _follow_ups(rng, pk, item, today) -> list[tuple]:
    rows = []
    for months in FOLLOW_UP_MONTHS:
        due = _months_after(item["recognised_on"], months)
        amount = recorded_at = recorded_by = None
        note = ""
        if due < today and rng.random() < 0.9:
            share = months / 12 * rng.uniform(0.6, 1.3)
            amount = int(round(item["evaluated"] * share, -5))
            recorded = min(
                today - timedelta(days=1), due + timedelta(days=rng.randint(0, 20))
            )
            recorded_at = at(recorded, rng)
            recorded_by = rng.choice(item["officers"])
            note = "Theo báo cáo của phòng Kế toán"
        rows.append((pk, months, due, amount, note, recorded_at, recorded_by))
    return rows


def _targets_write(rounds: _Rounds, plan: list[dict]) -> None:
    """Each council's yearly target: a little above what it recognised."""
    recognised: dict[tuple[int, int], list[int]] = {}
    for item in plan:
        if item["recognised_on"] is not None:
            council, _year = rounds.unit_year[item["round"]]
            key = (council, item["recognised_on"].year)
            recognised.setdefault(key, []).append(item["evaluated"])
    existing = set(InitiativeTarget.objects.values_list("unit_id", "year"))
    InitiativeTarget.objects.bulk_create(
        InitiativeTarget(
            unit_id=unit,
            year=year,
            recognised_count=len(benefits) * 11 // 10 + 1,
            benefit_vnd=int(round(sum(benefits) * 1.1, -8)),
        )
        for (unit, year), benefits in sorted(recognised.items())
        if (unit, year) not in existing
    )
