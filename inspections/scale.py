"""Inspections at the sector's real size, for ``seed_demo --scale full``.

Declared as ``InspectionsConfig.scale_seed``; ``seed(scale=..., people=...)``
writes, over the register already in the database, two years (last year and
this) of inspection and supervision work:

- a plan a year for every inspecting unit (the sector, each upper union, each
  grassroots union), marked by ``SCALE_NOTE`` in its notes; a unit that
  already has a plan for a year (the small demo's) keeps it untouched, and
  the seed plans none of its own for that year;
- ``scale.count("inspection_activities")`` activities spread over them (the
  upper and grassroots unions do most), each inspecting a unit strictly under
  its inspecting unit (the unit itself when it has none below), by kind, mode
  (online shares near the targets, a fifth of the units below them), status
  as the dates make it (done before today, in progress across it, planned
  after; some moved to another quarter, some cancelled), led by an officer of
  the inspecting unit or above who does not belong to the inspected unit,
  some with a team member, some with the inspected unit's staff as contacts;
- the charter checklist answered (and every answer's submission) on part of
  the done inspections;
- findings on about half of the done activities (a finding on a topic the
  same unit had last year points at it, as the services flag repeats), and
  ``RECOMMENDATIONS_PER_ACTIVITY`` recommendations an activity on them, each
  owned by a person of the inspected unit, due 30 to 120 days after the
  activity; a fifth of all overdue (open or returned), the rest open,
  answered, returned or accepted as their dates allow; an activity is closed
  only when all its recommendations are accepted;
- the split's targets when the database has none (the migration's).

All with COPY (``members.bulk.rows_insert``) in one transaction; every draw
from ``scale.rng``. A second run at the same scale finds the activities and
writes nothing; at another scale it deletes the rows it made and writes anew.
"""

import time
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from inspections.demo import TOPICS, charter_checklist
from inspections.models import (
    Activity,
    ActivityDocument,
    AnswerSubmission,
    ChecklistAnswer,
    ChecklistItem,
    Finding,
    Kind,
    Mode,
    Plan,
    Recommendation,
    SplitTarget,
    Verdict,
)
from members.bulk import rows_insert
from members.models import Member, StaffRole, Unit
from members.text import fold

SCALE_NOTE = "Kế hoạch mẫu của dữ liệu quy mô đầy đủ (seed_demo --scale full)."
RECOMMENDATIONS_PER_ACTIVITY = 3
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The share of the activities each level's units carry, split among a level's
# units by the size of their subtree.
LEVEL_SHARES = {
    Unit.Level.SECTOR: 0.04,
    Unit.Level.UPPER: 0.28,
    Unit.Level.GRASSROOTS: 0.68,
}
COMMITTEE_LEVELS = tuple(LEVEL_SHARES)
EVIDENCE = "inspections/recommendations/minh-chung-mau.pdf"
CANCELLED_REASONS = (
    "Đơn vị tổ chức lại, chuyển sang năm sau",
    "Trùng lịch đại hội công đoàn cơ sở",
    "Đơn vị sáp nhập vào đơn vị khác",
)
FINDINGS = (
    ("Thu, nộp đoàn phí", "Đoàn phí quý nộp chậm so với quy định."),
    ("Sổ sách tài chính công đoàn", "Sổ quỹ chưa ghi chép đầy đủ các khoản chi."),
    ("Sinh hoạt công đoàn định kỳ", "Tổ công đoàn không họp định kỳ hằng quý."),
    ("Quy chế dân chủ cơ sở", "Chưa công khai quy chế chi tiêu nội bộ."),
    ("Giải quyết đơn thư", "Một đơn kiến nghị giải quyết quá thời hạn."),
    ("Chế độ chính sách cho đoàn viên", "Chưa thăm hỏi đoàn viên ốm đau kịp thời."),
    ("Hồ sơ đoàn viên", "Danh sách đoàn viên chưa cập nhật người chuyển đi."),
    ("Thỏa ước lao động tập thể", "Chưa tổ chức đối thoại định kỳ với người lao động."),
)
RECOMMENDATIONS = (
    "Khắc phục ngay tồn tại đã nêu và báo cáo kết quả bằng văn bản.",
    "Bổ sung sổ sách, chứng từ theo mẫu quy định.",
    "Xây dựng kế hoạch khắc phục, phân công người chịu trách nhiệm.",
    "Tổ chức họp ban chấp hành để kiểm điểm và rút kinh nghiệm.",
)
RESPONSES = (
    "Đơn vị đã khắc phục, gửi kèm biên bản và chứng từ.",
    "Đã bổ sung sổ sách theo mẫu, gửi bản chụp.",
    "Ban chấp hành đã họp kiểm điểm, gửi kèm nghị quyết.",
)
RETURN_NOTES = (
    "Chứng từ chưa đủ, đề nghị bổ sung.",
    "Biên bản chưa có chữ ký của chủ tịch công đoàn, đề nghị gửi lại.",
)
# The statuses drawn for an overdue recommendation, for one past due and
# answered in time, and for one not yet due.
OVERDUE_STATUSES = ("open",) * 3 + ("returned",)
PAST_DUE_STATUSES = ("accepted",) * 4 + ("responded",)
FUTURE_STATUSES = (
    ("open",) * 9 + ("responded",) * 6 + ("returned",) * 2 + ("accepted",) * 3
)
TEXT_ANSWERS = (
    "Đơn vị chuẩn bị hồ sơ đầy đủ, phối hợp tốt với đoàn.",
    "Đoàn đã làm việc với ban chấp hành và kiểm tra sổ sách.",
)


@dataclass
class _World:
    """The register as the seed needs it: units, their people, the accounts."""

    units: list[tuple[int, str, str, str]]  # pk, path, level, name; by path
    paths: list[str]
    # Officers: (user id, role's unit path); everybody's units: user -> paths.
    officers: list[tuple[int, str]]
    staff_by_path: dict[str, list[int]]
    people_by_path: dict[str, list[int]]
    units_of: dict[int, list[str]]
    fallback_lead: int
    _cache: dict = field(default_factory=dict)

    @classmethod
    def read(cls, people) -> "_World":
        units = sorted(Unit.objects.values_list("pk", "path", "level", "name"))
        units.sort(key=lambda unit: unit[1])
        roles = sorted(
            StaffRole.objects.filter(user__is_active=True).values_list(
                "user_id", "role", "unit__path"
            )
        )
        members = sorted(
            Member.objects.filter(user__isnull=False, user__is_active=True).values_list(
                "user_id", "unit__path"
            )
        )
        units_of: dict[int, list[str]] = {}
        staff_by_path: dict[str, list[int]] = {}
        people_by_path: dict[str, list[int]] = {}
        for user_id, _role, path in roles:
            units_of.setdefault(user_id, []).append(path)
            staff_by_path.setdefault(path, []).append(user_id)
            people_by_path.setdefault(path, []).append(user_id)
        for user_id, path in members:
            units_of.setdefault(user_id, []).append(path)
            people_by_path.setdefault(path, []).append(user_id)
        for users in (*staff_by_path.values(), *people_by_path.values()):
            users[:] = sorted(set(users))
        officers = sorted(
            {(u, p) for u, role, p in roles if role == StaffRole.Role.OFFICER}
        )
        return cls(
            units=units,
            paths=[unit[1] for unit in units],
            officers=officers,
            staff_by_path=staff_by_path,
            people_by_path=people_by_path,
            units_of=units_of,
            fallback_lead=people.admin.pk,
        )

    def below(self, path: str) -> list[tuple]:
        """The units strictly under ``path``."""
        start = bisect_left(self.paths, path) + 1
        end = bisect_left(self.paths, path + "\x7f")
        return self.units[start:end]

    def subtree_paths(self, path: str) -> list[str]:
        start = bisect_left(self.paths, path)
        return self.paths[start : bisect_left(self.paths, path + "\x7f")]

    def belongs(self, user_id: int, path: str) -> bool:
        """The services' rule: a member record or a role in the unit's subtree."""
        return any(own.startswith(path) for own in self.units_of.get(user_id, ()))

    def leads(self, committee: str, inspected: str) -> list[int]:
        """Officers at or above the inspecting unit, none of the inspected unit."""
        key = ("leads", committee, inspected)
        if key not in self._cache:
            found = sorted(
                {
                    user
                    for user, path in self.officers
                    if committee.startswith(path) and not self.belongs(user, inspected)
                }
            )
            self._cache[key] = found or [self.fallback_lead]
        return self._cache[key]

    def _gather(self, kind: str, by_path: dict, path: str) -> list[int]:
        key = (kind, path)
        if key not in self._cache:
            found = set()
            for inner in self.subtree_paths(path):
                found.update(by_path.get(inner, ()))
            self._cache[key] = sorted(found)
        return self._cache[key]

    def contacts(self, inspected: str) -> list[int]:
        """Staff of the inspected unit's subtree: who answers for it."""
        return self._gather("contacts", self.staff_by_path, inspected)

    def owners(self, inspected: str) -> list[int]:
        """People who belong to the inspected unit: who may own a recommendation."""
        return self._gather("owners", self.people_by_path, inspected)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def _between(rng, low: date, high: date) -> date:
    """A day from ``low`` to ``high`` (``low`` when high is before it)."""
    days = max(0, (high - low).days)
    return low + timedelta(days=int(rng.random() * (days + 1)))


def _quarter(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _committees(world: _World, rng) -> list[dict]:
    """The inspecting units: whom they inspect, their weight, their online habit."""
    by_level: dict[str, list] = {}
    for pk, path, level, name in world.units:
        if level in LEVEL_SHARES:
            by_level.setdefault(level, []).append((pk, path, name))
    shares = {level: LEVEL_SHARES[level] for level in by_level}
    total_share = sum(shares.values())
    committees = []
    for level, units in by_level.items():
        sizes = {pk: len(world.below(path)) + 1 for pk, path, _name in units}
        level_size = sum(sizes.values())
        for pk, path, name in units:
            below = world.below(path)
            # A fifth of the units fall short of the targets.
            short = rng.random() < 0.2
            committees.append(
                {
                    "pk": pk,
                    "path": path,
                    "name": name,
                    "targets": [(u[0], u[1]) for u in below] or [(pk, path)],
                    "weight": shares[level] / total_share * sizes[pk] / level_size,
                    "online": {
                        Kind.INSPECTION: rng.uniform(0.52, 0.64)
                        if short
                        else rng.uniform(0.70, 0.76),
                        Kind.SUPERVISION: rng.uniform(0.82, 0.95) if short else 1.0,
                    },
                }
            )
    committees.sort(key=lambda committee: committee["path"])
    return committees


def _already_planned(years) -> set[tuple[int, int]]:
    """(unit, year) of plans not made by this seed: the demo's, an officer's."""
    return set(
        Plan.objects.filter(year__in=years)
        .exclude(notes=SCALE_NOTE)
        .values_list("inspecting_unit_id", "year")
    )


def _targets_ensure() -> None:
    for kind, percent in ((Kind.INSPECTION, 70), (Kind.SUPERVISION, 100)):
        SplitTarget.objects.get_or_create(
            kind=kind, defaults={"online_percent": percent}
        )


def _wipe() -> None:
    """Delete what an earlier run at another scale made, and nothing else.

    Rare (a change of factor): through the ORM, the rows with nothing pointing
    at them first, so that each delete is one statement or close to it.
    """
    mine = {"activity__plan__notes": SCALE_NOTE}
    Finding.objects.filter(repeated_of__activity__plan__notes=SCALE_NOTE).update(
        repeated_of=None
    )
    Recommendation.objects.filter(finding__activity__plan__notes=SCALE_NOTE).delete()
    for model in (
        ChecklistAnswer,
        AnswerSubmission,
        ActivityDocument,
        Activity.team.through,
        Activity.contacts.through,
        Finding,
    ):
        model.objects.filter(**mine).delete()
    Activity.objects.filter(plan__notes=SCALE_NOTE).delete()
    Plan.objects.filter(notes=SCALE_NOTE).delete()


def seed(*, scale, people) -> str:
    """Write two years of inspections at ``scale``; reuse them when already there."""
    started = time.perf_counter()
    wanted = scale.count("inspection_activities")
    made = Activity.objects.filter(plan__notes=SCALE_NOTE).count()
    if made == wanted:
        recommendations = Recommendation.objects.filter(
            finding__activity__plan__notes=SCALE_NOTE
        ).count()
        return (
            f"inspections: reused {made:,} activities and {recommendations:,} "
            "recommendations seeded earlier at this scale"
        )
    with transaction.atomic():
        if made or Plan.objects.filter(notes=SCALE_NOTE).exists():
            _wipe()
        _targets_ensure()
        counts = _write(scale, people, wanted)
    seconds = time.perf_counter() - started
    return (
        f"inspections: {counts['plans']:,} plans, {counts['activities']:,} "
        f"activities ({counts['online']:,} online, {counts['cancelled']:,} "
        f"cancelled, {counts['moved']:,} moved), {counts['answers']:,} checklist "
        f"answers, {counts['findings']:,} findings, "
        f"{counts['recommendations']:,} recommendations "
        f"({counts['overdue']:,} overdue) in {seconds:.1f} s"
    )


def _write(scale, people, wanted: int) -> dict[str, int]:
    today = scale.today
    years = (today.year - 1, today.year)
    world = _World.read(people)
    committees = _committees(world, scale.rng("inspections.committees"))
    if not committees:
        raise RuntimeError("The register has no sector, upper or grassroots union.")
    taken = _already_planned(years)
    plans = {
        (c["pk"], year): Plan(
            inspecting_unit_id=c["pk"],
            year=year,
            title=f"Kế hoạch kiểm tra, giám sát năm {year} của {c['name']}",
            notes=SCALE_NOTE,
        )
        for c in committees
        for year in years
        if (c["pk"], year) not in taken
    }
    if not plans:
        raise RuntimeError("Every inspecting unit has its plans already.")
    rows_insert(Plan, list(plans.values()))
    checklist = charter_checklist()
    items = list(ChecklistItem.objects.filter(template=checklist).order_by("order"))
    activities, teams, contacts = _activities(
        scale, world, committees, plans, wanted, checklist.pk
    )
    answers, submissions = _answers(scale, activities, items)
    findings, recommendations = _findings(scale, world, activities)
    _close(scale, activities, findings, recommendations)
    rows_insert(Activity, activities)
    rows_insert(
        Activity.team.through,
        [{"activity_id": activities[i].pk, "user_id": u} for i, u in teams],
    )
    rows_insert(
        Activity.contacts.through,
        [{"activity_id": activities[i].pk, "user_id": u} for i, u in contacts],
    )
    for row in (*answers, *submissions):
        row["activity_id"] = activities[row.pop("index")].pk
    rows_insert(ChecklistAnswer, answers)
    rows_insert(AnswerSubmission, submissions)
    # Last year's findings first: this year's repeats point at them.
    latest: dict[tuple[int, str], Finding] = {}
    for year in years:
        batch = [f for f in findings if activities[f.index].year == year]
        for finding in batch:
            activity = activities[finding.index]
            finding.activity_id = activity.pk
            earlier = latest.get((activity.inspected_unit_id, finding.topic_key))
            finding.repeated_of_id = earlier.pk if earlier is not None else None
        rows_insert(Finding, batch)
        for finding in batch:
            latest[(finding.inspected_unit_id, finding.topic_key)] = finding
    for row in recommendations:
        row["finding_id"] = findings[row["finding"]].pk
    if any(row["response_evidence"] for row in recommendations):
        _evidence_ensure()
    rows_insert(Recommendation, recommendations)
    return {
        "plans": len(plans),
        "activities": len(activities),
        "online": sum(a.mode == Mode.ONLINE for a in activities),
        "cancelled": sum(a.status == Activity.Status.CANCELLED for a in activities),
        "moved": sum(a.original_start != a.planned_start for a in activities),
        "answers": len(answers),
        "findings": len(findings),
        "recommendations": len(recommendations),
        "overdue": sum(
            r["status"] in Recommendation.WAITING_ON_UNIT and r["due_date"] < today
            for r in recommendations
        ),
    }


def _activities(scale, world, committees, plans, wanted, checklist_id):
    """The activities (unsaved), and their team and contacts as (index, user)."""
    rng = scale.rng("inspections.activities")
    today = scale.today
    years = (today.year - 1, today.year)
    cumulative, running = [], 0.0
    for committee in committees:
        running += committee["weight"]
        cumulative.append(running)
    activities, teams, contacts = [], [], []
    while len(activities) < wanted:
        committee = rng.choices(committees, cum_weights=cumulative)[0]
        year = rng.choice(years)
        if (committee["pk"], year) not in plans:
            year = years[0] if year == years[1] else years[1]
            if (committee["pk"], year) not in plans:
                continue
        inspected_pk, inspected_path = rng.choice(committee["targets"])
        kind = Kind.INSPECTION if rng.random() < 0.55 else Kind.SUPERVISION
        online = rng.random() < committee["online"][kind]
        length = rng.randint(0, 4)
        first_day, last_day = date(year, 1, 1), date(year, 12, 31)
        start = _between(rng, first_day, last_day - timedelta(days=length))
        end = start + timedelta(days=length)
        original = start
        if rng.random() < 0.06:
            # Moved here from another quarter of the same year.
            quarter = rng.choice([q for q in (1, 2, 3, 4) if q != _quarter(start)])
            low = date(year, 3 * quarter - 2, 1)
            high = (
                date(year, 3 * quarter + 1, 1) - timedelta(days=1)
                if quarter < 4
                else last_day
            )
            original = _between(rng, low, high)
        if rng.random() < 0.04:
            status = Activity.Status.CANCELLED
        elif end < today:
            status = Activity.Status.CONCLUDED
        elif start <= today:
            status = Activity.Status.IN_PROGRESS
        else:
            status = Activity.Status.PLANNED
        done = status == Activity.Status.CONCLUDED
        leads = world.leads(committee["path"], inspected_path)
        lead = rng.choice(leads)
        index = len(activities)
        others = [user for user in leads if user != lead]
        if others and rng.random() < 0.3:
            teams.append((index, rng.choice(others)))
        answering = world.contacts(inspected_path)
        if answering and rng.random() < 0.5:
            for user in rng.sample(answering, min(2, len(answering))):
                contacts.append((index, user))
        with_checklist = kind == Kind.INSPECTION and rng.random() < 0.3
        activities.append(
            Activity(
                plan_id=plans[(committee["pk"], year)].pk,
                inspecting_unit_id=committee["pk"],
                year=year,
                inspected_unit_id=inspected_pk,
                kind=kind,
                mode=Mode.ONLINE if online else Mode.IN_PERSON,
                topic=rng.choice(TOPICS[kind]),
                planned_start=start,
                planned_end=end,
                original_start=original,
                actual_start=start
                if status in (Activity.Status.CONCLUDED, Activity.Status.IN_PROGRESS)
                else None,
                actual_end=end if done else None,
                status=status,
                lead_id=lead,
                checklist_id=checklist_id if with_checklist else None,
                minutes="Đoàn đã làm việc theo kế hoạch." if done else "",
                cancelled_reason=rng.choice(CANCELLED_REASONS)
                if status == Activity.Status.CANCELLED
                else "",
            )
        )
        activities[-1].inspected_path = inspected_path
    return activities, teams, contacts


def _answers(scale, activities, items):
    """The charter checklist answered by the lead, for half the done inspections."""
    rng = scale.rng("inspections.answers")
    answers, submissions = [], []
    for index, activity in enumerate(activities):
        if activity.checklist_id is None or activity.status != "concluded":
            continue
        if rng.random() >= 0.5:
            continue
        answered_at = _at(activity.actual_start, 10)
        offline = activity.mode == Mode.IN_PERSON and rng.random() < 0.5
        for item in items:
            values = {"verdict": "", "score": None, "text": "", "comment": ""}
            if item.answer_type == ChecklistItem.AnswerType.YES_NO:
                values["verdict"] = (
                    Verdict.COMPLIANT if rng.random() < 0.85 else Verdict.NOT_APPLICABLE
                )
            elif item.answer_type == ChecklistItem.AnswerType.SCORE:
                values["score"] = rng.randint(item.max_score // 2, item.max_score)
            else:
                values["text"] = rng.choice(TEXT_ANSWERS)
            common = {
                "index": index,
                "item_id": item.pk,
                "evidence": "",
                "answered_at": answered_at,
                **values,
            }
            answers.append(
                {**common, "answered_by_id": activity.lead_id, "revision": 1}
            )
            submissions.append(
                {
                    **common,
                    "index": index,
                    "submitted_by_id": activity.lead_id,
                    "source": AnswerSubmission.Source.OFFLINE
                    if offline
                    else AnswerSubmission.Source.PORTAL,
                    "device": f"may-tinh-bang-{activity.lead_id}" if offline else "",
                    "client_key": f"{index}-{item.pk}",
                    "base_revision": 0,
                    "outcome": AnswerSubmission.Outcome.APPLIED,
                    "resolved_by_id": None,
                    "resolved_at": None,
                }
            )
    return answers, submissions


def _findings(scale, world, activities):
    """Findings on half the done activities; the recommendations spread on them."""
    rng = scale.rng("inspections.findings")
    today = scale.today
    findings: list[Finding] = []
    # The findings whose inspected unit has somebody to own a recommendation.
    ownable: list[int] = []
    for index, activity in enumerate(activities):
        if activity.status != "concluded" or rng.random() >= 0.5:
            continue
        for topic, description in rng.sample(FINDINGS, rng.choice((1, 1, 2))):
            finding = Finding(
                inspected_unit_id=activity.inspected_unit_id,
                topic=topic,
                topic_key=fold(topic),
                description=description,
                created_by_id=activity.lead_id,
            )
            finding.index = index
            if world.owners(activity.inspected_path):
                ownable.append(len(findings))
            findings.append(finding)
    total = RECOMMENDATIONS_PER_ACTIVITY * len(activities) if ownable else 0
    chosen = ownable[:total] + [
        rng.choice(ownable) for _ in range(max(0, total - len(ownable)))
    ]
    chosen.sort()
    recommendations = []
    for number in chosen:
        finding = findings[number]
        activity = activities[finding.index]
        due = activity.actual_end + timedelta(days=rng.randint(30, 120))
        recommendations.append(
            {
                "finding": number,
                "inspected_unit_id": activity.inspected_unit_id,
                "inspecting_unit_id": activity.inspecting_unit_id,
                "text": rng.choice(RECOMMENDATIONS),
                "owner_id": rng.choice(world.owners(activity.inspected_path)),
                "due_date": due,
                "reviewer": activity.lead_id,
                "since": activity.actual_end,
            }
        )
    past = [i for i, row in enumerate(recommendations) if row["due_date"] < today]
    overdue = set(rng.sample(past, min(len(past), round(0.2 * len(recommendations)))))
    for i, row in enumerate(recommendations):
        if i in overdue:
            status = rng.choice(OVERDUE_STATUSES)
        elif row["due_date"] < today:
            status = rng.choice(PAST_DUE_STATUSES)
        else:
            status = rng.choice(FUTURE_STATUSES)
        _follow_up(rng, row, status, today)
    return findings, recommendations


def _follow_up(rng, row: dict, status: str, today: date) -> None:
    """The response and the review a recommendation of ``status`` has had."""
    since, reviewer = row.pop("since"), row.pop("reviewer")
    row.update(
        status=status,
        response="",
        response_evidence="",
        responded_by_id=None,
        responded_at=None,
        review_note="",
        reviewed_by_id=None,
        reviewed_at=None,
    )
    if status == "open":
        return
    last = min(row["due_date"], today - timedelta(days=1))
    responded = _between(rng, since, last)
    row.update(
        response=rng.choice(RESPONSES),
        response_evidence=EVIDENCE,
        responded_by_id=row["owner_id"],
        responded_at=_at(responded, 9),
    )
    if status == "responded":
        return
    reviewed = _between(
        rng, responded, min(responded + timedelta(days=14), today - timedelta(days=1))
    )
    row.update(
        reviewed_by_id=reviewer,
        reviewed_at=_at(max(reviewed, responded), 15),
        review_note=rng.choice(RETURN_NOTES) if status == "returned" else "",
    )


def _close(scale, activities, findings, recommendations) -> None:
    """Close the follow-up of half the done activities with nothing left to accept."""
    rng = scale.rng("inspections.close")
    waiting = {
        findings[row["finding"]].index
        for row in recommendations
        if row["status"] != Recommendation.Status.ACCEPTED
    }
    for index, activity in enumerate(activities):
        if (
            activity.status == Activity.Status.CONCLUDED
            and index not in waiting
            and rng.random() < 0.5
        ):
            activity.status = Activity.Status.CLOSED


def _evidence_ensure() -> None:
    """The one file every seeded response points at, as an upload would leave it."""
    if not default_storage.exists(EVIDENCE):
        default_storage.save(EVIDENCE, ContentFile(b"%PDF-1.4\n% minh chung mau\n"))
