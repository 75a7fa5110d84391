"""Builders of inspection records for the tests, through the services."""

from datetime import date, timedelta

from inspections import services
from inspections.models import Activity, ChecklistItem, ChecklistTemplate, Plan


def make_checklist(
    *, code: str = "dieu-le", title: str = "Bảng kiểm Điều lệ"
) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(
        code=code, version=1, title=title, topic="Chấp hành Điều lệ"
    )
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(
                template=template,
                order=1,
                text="Thu, nộp đoàn phí đúng hạn",
                answer_type=ChecklistItem.AnswerType.YES_NO,
            ),
            ChecklistItem(
                template=template,
                order=2,
                text="Mức độ tuân thủ",
                answer_type=ChecklistItem.AnswerType.SCORE,
                max_score=10,
            ),
            ChecklistItem(
                template=template,
                order=3,
                text="Ghi chú",
                answer_type=ChecklistItem.AnswerType.TEXT,
            ),
        ]
    )
    return template


def make_plan(*, unit, year: int = 2026, actor=None) -> Plan:
    plan = Plan.objects.filter(inspecting_unit=unit, year=year).first()
    return plan or services.plan_create(
        actor=actor,
        inspecting_unit=unit,
        year=year,
        title=f"Kế hoạch {year} {unit.name}",
    )


def make_activity(
    *,
    plan: Plan,
    inspected,
    lead,
    kind: str = "inspection",
    mode: str = "online",
    start: date | None = None,
    team=(),
    contacts=(),
    checklist=None,
    topic: str = "Kiểm tra chấp hành Điều lệ",
    status: str | None = None,
    done_on: date | None = None,
) -> Activity:
    start = start or date(plan.year, 3, 10)
    activity = services.activity_create(
        actor=None,
        plan=plan,
        inspected_unit=inspected,
        kind=kind,
        mode=mode,
        topic=topic,
        planned_start=start,
        planned_end=start + timedelta(days=1),
        lead=lead,
        team=team,
        contacts=contacts,
        checklist=checklist,
    )
    if status == Activity.Status.CANCELLED:
        services.activity_status_set(
            actor=None, activity=activity, status=status, reason="Đơn vị sáp nhập"
        )
    elif status is not None:
        services.activity_status_set(
            actor=None,
            activity=activity,
            status=status,
            on=done_on or activity.planned_end,
        )
    activity.refresh_from_db()
    return activity
