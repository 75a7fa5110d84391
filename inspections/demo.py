"""The demo's inspections: VNPT's plan for the year, run by the demo officer.

Called by ``seed_demo`` through ``InspectionsConfig.demo_seed``; makes what is
missing, through the services, the same way on every run.
"""

from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.db import transaction

from inspections import services
from inspections.models import (
    Activity,
    ChecklistItem,
    ChecklistTemplate,
    Finding,
    Kind,
    Mode,
    Plan,
)
from members.models import StaffRole, Unit

CHARTER_ITEMS = (
    ("Ban chấp hành họp định kỳ theo quy chế", ChecklistItem.AnswerType.YES_NO),
    ("Thu, nộp đoàn phí đúng tỷ lệ và thời hạn", ChecklistItem.AnswerType.YES_NO),
    ("Sổ sách tài chính công đoàn ghi chép đầy đủ", ChecklistItem.AnswerType.YES_NO),
    ("Giải quyết đơn thư, khiếu nại đúng thời hạn", ChecklistItem.AnswerType.YES_NO),
    ("Mức độ tuân thủ Điều lệ Công đoàn", ChecklistItem.AnswerType.SCORE),
    ("Ghi chú của đoàn kiểm tra", ChecklistItem.AnswerType.TEXT),
)
TOPICS = {
    Kind.INSPECTION: (
        "Kiểm tra việc chấp hành Điều lệ Công đoàn",
        "Kiểm tra tài chính và thu, nộp đoàn phí",
        "Kiểm tra giải quyết khiếu nại, tố cáo",
    ),
    Kind.SUPERVISION: (
        "Giám sát thực hiện quy chế dân chủ cơ sở",
        "Giám sát thực hiện chế độ, chính sách cho đoàn viên",
    ),
}


def charter_checklist() -> ChecklistTemplate:
    """The charter checklist, version 1, made once (the scale seed uses it too)."""
    template, created = ChecklistTemplate.objects.get_or_create(
        code="dieu-le",
        version=1,
        defaults={
            "title": "Bảng kiểm chấp hành Điều lệ Công đoàn",
            "topic": "Chấp hành Điều lệ Công đoàn",
        },
    )
    if created:
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, order=n, text=text, answer_type=kind)
            for n, (text, kind) in enumerate(CHARTER_ITEMS, start=1)
        )
    return template


def _schedule(year: int) -> list[tuple[str, str, date]]:
    """Two activities a month: inspections 7 online in 10, supervision all online."""
    rows = []
    for month in range(1, 13):
        rows.append(
            (
                Kind.INSPECTION,
                Mode.IN_PERSON if month % 3 == 0 else Mode.ONLINE,
                date(year, month, 8),
            )
        )
        rows.append((Kind.SUPERVISION, Mode.ONLINE, date(year, month, 20)))
    return rows


def seed(*, people, today: date) -> str:
    """Make VNPT's plan for this year, its activities, findings and follow-up."""
    officer = people.officer
    role = StaffRole.objects.filter(user=officer).select_related("unit").first()
    if role is None:
        return "inspections: no demo officer, nothing made"
    upper = role.unit
    if Plan.objects.filter(inspecting_unit=upper, year=today.year).exists():
        return "inspections: the demo plan is there already"
    targets = list(
        Unit.objects.filter(path__startswith=upper.path, depth=upper.depth + 1)
        .exclude(pk=people.member.unit_id)
        .order_by("path")[:5]
    )
    home = people.member.unit
    targets = [home, *targets]
    with transaction.atomic():
        plan = services.plan_create(
            actor=officer,
            inspecting_unit=upper,
            year=today.year,
            title=f"Kế hoạch kiểm tra, giám sát năm {today.year} của {upper.name}",
        )
        checklist = charter_checklist()
        carers = [people.carer] if people.carer else []
        for index, (kind, mode, start) in enumerate(_schedule(today.year)):
            unit = targets[index % len(targets)]
            activity = services.activity_create(
                actor=officer,
                plan=plan,
                inspected_unit=unit,
                kind=kind,
                mode=mode,
                topic=TOPICS[kind][index % len(TOPICS[kind])],
                planned_start=start,
                planned_end=start + timedelta(days=1),
                lead=officer,
                contacts=carers if unit == home else (),
                checklist=checklist if kind == Kind.INSPECTION else None,
            )
            if index == 5:
                # Moved a month on, and into the next quarter.
                services.activity_update(
                    actor=officer,
                    activity=activity,
                    planned_start=start + timedelta(days=30),
                    planned_end=start + timedelta(days=31),
                )
                activity.refresh_from_db()
            if index == 9:
                services.activity_status_set(
                    actor=officer,
                    activity=activity,
                    status=Activity.Status.CANCELLED,
                    reason="Đơn vị tổ chức lại, chuyển sang năm sau",
                )
                continue
            if activity.planned_end < today:
                services.activity_status_set(
                    actor=officer,
                    activity=activity,
                    status=Activity.Status.CONCLUDED,
                    on=activity.planned_end,
                )
        _findings(people, plan, today)
    count = Activity.objects.filter(plan=plan).count()
    return f"inspections: {count} activities in {plan.title}"


def _findings(people, plan: Plan, today: date) -> None:
    """Findings on the member's unit, one recommendation overdue, one answered."""
    done = (
        Activity.objects.filter(
            plan=plan, inspected_unit=people.member.unit, status__in=Activity.DONE
        )
        .order_by("planned_start")
        .first()
    )
    if done is None or Finding.objects.filter(activity=done).exists():
        return
    finding = services.finding_record(
        actor=people.officer,
        activity=done,
        topic="Thu, nộp đoàn phí đúng tỷ lệ và thời hạn",
        description="Đoàn phí quý I nộp chậm 45 ngày so với quy định.",
    )
    owner = people.member_user
    overdue = services.recommendation_create(
        actor=people.officer,
        finding=finding,
        text="Nộp đủ đoàn phí còn thiếu và lập kế hoạch thu đúng hạn.",
        owner=owner,
        due_date=today,
    )
    # Its due date has passed: the demo shows an overdue recommendation.
    overdue.due_date = today - timedelta(days=20)
    overdue.save(update_fields=["due_date"])
    answered = services.recommendation_create(
        actor=people.officer,
        finding=finding,
        text="Bổ sung sổ theo dõi thu, nộp đoàn phí theo mẫu.",
        owner=owner,
        due_date=today + timedelta(days=30),
    )
    services.recommendation_respond(
        user=owner,
        recommendation=answered,
        response="Đã lập sổ theo dõi theo mẫu từ tháng này.",
        evidence=ContentFile(b"%PDF-1.4 demo\n", name="so-theo-doi.pdf"),
    )
