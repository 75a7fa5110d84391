"""Inspections' records for the scope crawler: the officer's own, and canaries beyond.

VNPT's committee inspects VNPT Hà Nội (the grassroots officer's union) and
VNPT Hồ Chí Minh (the sibling); VTC's committee inspects VTC Đồng Tháp (the
cousin). Each has a checklist answered, a document, a finding and a
recommendation to a person of the inspected unit.
"""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from inspections import services
from inspections.models import ChecklistItem, ChecklistTemplate, Plan


def _checklist() -> ChecklistTemplate:
    template = ChecklistTemplate.objects.create(
        code="canary", title="Bảng kiểm thử", topic="Điều lệ"
    )
    ChecklistItem.objects.create(
        template=template, order=1, text="Đoàn phí", answer_type="yes_no"
    )
    return template


def _plan(unit, year) -> Plan:
    return Plan.objects.filter(inspecting_unit=unit, year=year).first() or (
        services.plan_create(
            actor=None, inspecting_unit=unit, year=year, title=f"Kế hoạch {unit.code}"
        )
    )


def _activity_of(*, plan, unit, lead, contact, owner, checklist, label, today):
    start = max(today, date(plan.year, 1, 1)) + timedelta(days=3)
    activity = services.activity_create(
        actor=None,
        plan=plan,
        inspected_unit=unit,
        kind="inspection",
        mode="online",
        topic=f"Canary Inspection {label}",
        planned_start=start,
        lead=lead,
        contacts=[contact],
        checklist=checklist,
    )
    item = checklist.items.get()
    services.answer_submit(
        user=lead,
        activity=activity,
        item=item,
        values={"verdict": "no", "comment": f"Canary Answer {label}"},
        evidence=SimpleUploadedFile(
            "anh.jpg", b"\xff\xd8\xff", content_type="image/jpeg"
        ),
        client_key=f"canary-{label}",
    )
    services.document_upload(
        user=lead,
        activity=activity,
        title=f"Canary Document {label}",
        file=SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4"),
    )
    finding = services.finding_record(
        actor=lead,
        activity=activity,
        topic=f"Canary Finding {label}",
        description=f"Canary Finding Detail {label}",
    )
    services.recommendation_create(
        actor=lead,
        finding=finding,
        text=f"Canary Recommendation {label}",
        owner=owner,
        due_date=today + timedelta(days=10),
    )
    return {
        "inspection topic": f"Canary Inspection {label}",
        "inspection answer": f"Canary Answer {label}",
        "inspection document": f"Canary Document {label}",
        "inspection finding": f"Canary Finding Detail {label}",
        "inspection recommendation": f"Canary Recommendation {label}",
    }


def scope_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make inspections' records of the officer's unit and of the canary units."""
    checklist = _checklist()
    year = tree.today.year
    vnpt, vtc = _plan(tree.vnpt, year), _plan(tree.vtc, year)
    _activity_of(
        plan=vnpt,
        unit=tree.vnpt_hn,
        lead=tree.upper_officer,
        contact=tree.own_member.user,
        owner=tree.own_member.user,
        checklist=checklist,
        label="Own",
        today=tree.today,
    )
    return {
        "sibling": _activity_of(
            plan=vnpt,
            unit=tree.vnpt_hcm,
            lead=tree.upper_officer,
            contact=tree.sibling.account,
            owner=tree.sibling.account,
            checklist=checklist,
            label="Sibling",
            today=tree.today,
        ),
        "cousin": _activity_of(
            plan=vtc,
            unit=tree.vtc_dt,
            lead=tree.vtc_officer,
            contact=tree.cousin.account,
            owner=tree.cousin.account,
            checklist=checklist,
            label="Cousin",
            today=tree.today,
        ),
    }
