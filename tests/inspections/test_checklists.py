"""Answering a checklist: not compliant needs evidence, conflicts go to the lead."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from inspections import services
from inspections.models import (
    AnswerSubmission,
    ChecklistAnswer,
    ChecklistTemplate,
    Finding,
)
from tests.conftest import require_service
from tests.inspections.factories import make_activity, make_plan

pytestmark = pytest.mark.django_db


def photo(name="anh.jpg"):
    return SimpleUploadedFile(
        name, b"\xff\xd8\xff fake jpeg", content_type="image/jpeg"
    )


@pytest.fixture
def activity(tree, plan, inspector, checklist):
    return make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        team=[tree.sibling_officer],
        contacts=[tree.grassroots_officer],
        checklist=checklist,
        mode="in_person",
    )


def items(activity):
    return list(activity.checklist.items.all())


def submit(activity, user, item, *, key, base=0, evidence=None, device="", **values):
    return services.answer_submit(
        user=user,
        activity=activity,
        item=item,
        values=values,
        evidence=evidence,
        client_key=key,
        base_revision=base,
        device=device,
    )


def test_not_compliant_needs_a_comment_and_evidence_and_makes_a_finding(
    activity, inspector
):
    yes_no = items(activity)[0]
    with pytest.raises(ValidationError, match="nhận xét và minh chứng"):
        submit(activity, inspector, yes_no, key="a", verdict="no", comment="Chậm")
    with pytest.raises(ValidationError, match="nhận xét và minh chứng"):
        submit(activity, inspector, yes_no, key="b", verdict="no", evidence=photo())
    assert not ChecklistAnswer.objects.exists()
    assert not Finding.objects.exists()

    submit(
        activity,
        inspector,
        yes_no,
        key="c",
        verdict="no",
        comment="Nộp chậm 45 ngày",
        evidence=photo(),
    )
    answer = ChecklistAnswer.objects.get()
    assert answer.verdict == "no"
    assert answer.evidence
    finding = Finding.objects.get()
    assert finding.item == yes_no
    assert finding.description == "Nộp chậm 45 ngày"
    assert finding.inspected_unit == activity.inspected_unit


def test_a_finding_on_the_same_topic_a_year_later_is_flagged_repeated(
    tree, inspector, checklist
):
    earlier = make_activity(
        plan=make_plan(unit=tree.vnpt, year=2025),
        inspected=tree.vnpt_hn,
        lead=inspector,
        checklist=checklist,
    )
    later = make_activity(
        plan=make_plan(unit=tree.vnpt, year=2026),
        inspected=tree.vnpt_hn,
        lead=inspector,
        checklist=checklist,
    )
    other_unit = make_activity(
        plan=make_plan(unit=tree.vnpt, year=2026),
        inspected=tree.vnpt_hcm,
        lead=inspector,
        checklist=checklist,
    )
    item = items(earlier)[0]
    for n, activity in enumerate((earlier, later, other_unit)):
        submit(
            activity,
            inspector,
            item,
            key=f"k{n}",
            verdict="no",
            comment="Chậm",
            evidence=photo(),
        )
    first, second, third = (
        Finding.objects.get(activity=a) for a in (earlier, later, other_unit)
    )
    assert first.repeated_of is None
    assert second.repeated_of == first
    assert third.repeated_of is None
    # A finding typed by hand, the topic spelt without diacritics, is the same topic.
    typed = services.finding_record(
        actor=inspector,
        activity=later,
        topic="thu, nop doan phi dung han",
        description="Lại chậm",
    )
    assert typed.repeated_of == first


def test_a_second_devices_conflicting_answer_goes_to_the_lead(
    activity, inspector, tree
):
    score = items(activity)[1]
    submit(activity, inspector, score, key="p1", score=8, device="phone-1")
    # The other inspector's phone answered offline, having seen no answer.
    conflict = submit(
        activity, tree.sibling_officer, score, key="p2", score=3, device="phone-2"
    )
    assert conflict.outcome == AnswerSubmission.Outcome.CONFLICT
    answer = ChecklistAnswer.objects.get(item=score)
    assert (answer.score, answer.answered_by, answer.revision) == (8, inspector, 1)
    # The same answer as the current one is no conflict.
    same = submit(activity, tree.sibling_officer, score, key="p3", score=8, device="p2")
    assert same.outcome == AnswerSubmission.Outcome.APPLIED

    with pytest.raises(Exception, match="trưởng đoàn"):
        services.conflict_resolve(
            actor=tree.sibling_officer, submission=conflict, take=True
        )
    services.conflict_resolve(actor=inspector, submission=conflict, take=True)
    answer.refresh_from_db()
    assert (answer.score, answer.answered_by, answer.revision) == (
        3,
        tree.sibling_officer,
        2,
    )
    conflict.refresh_from_db()
    assert conflict.outcome == AnswerSubmission.Outcome.TAKEN
    assert conflict.resolved_by == inspector


def test_an_answer_synced_twice_is_recorded_once(activity, inspector):
    text = items(activity)[2]
    first = submit(activity, inspector, text, key="same", text="Tốt")
    again = submit(activity, inspector, text, key="same", text="Tốt")
    assert first.pk == again.pk
    assert AnswerSubmission.objects.count() == 1
    assert ChecklistAnswer.objects.get().revision == 1


def test_the_same_device_editing_its_own_answer_is_no_conflict(activity, inspector):
    text = items(activity)[2]
    submit(activity, inspector, text, key="e1", text="Một", device="phone-1")
    second = submit(activity, inspector, text, key="e2", text="Hai", device="phone-1")
    assert second.outcome == AnswerSubmission.Outcome.APPLIED
    assert ChecklistAnswer.objects.get().text == "Hai"


def test_contacts_answer_online_activities_only_and_outsiders_never(
    activity, tree, plan, inspector, checklist
):
    text = items(activity)[2]
    # In person: the unit's contact does not answer.
    with pytest.raises(Exception, match="không trả lời bảng kiểm"):
        submit(activity, tree.grassroots_officer, text, key="c", text="x")
    online = make_activity(
        plan=plan,
        inspected=tree.vnpt_hn,
        lead=inspector,
        contacts=[tree.grassroots_officer],
        checklist=checklist,
        mode="online",
        start=date(2026, 5, 5),
    )
    submit(online, tree.grassroots_officer, text, key="c", text="Đã nộp")
    with pytest.raises(Exception, match="không trả lời bảng kiểm"):
        submit(online, tree.vtc_officer, text, key="v", text="x")


def test_a_template_in_use_is_revised_as_a_new_version(activity, checklist):
    revised = services.checklist_template_revise(template=checklist)
    assert revised.pk != checklist.pk
    assert (revised.code, revised.version) == (checklist.code, 2)
    assert revised.items.count() == checklist.items.count()
    activity.refresh_from_db()
    assert activity.checklist == checklist
    unused = ChecklistTemplate.objects.create(code="moi", title="Mới", topic="Mới")
    assert services.checklist_template_revise(template=unused) == unused


@pytest.mark.django_db(transaction=True)
def test_two_devices_at_once_one_applies_one_conflicts(tree, inspector, checklist):
    require_service(
        connection.vendor == "postgresql", "row locks between writers need PostgreSQL"
    )
    activity = make_activity(
        plan=make_plan(unit=tree.vnpt),
        inspected=tree.vnpt_hn,
        lead=inspector,
        team=[tree.sibling_officer],
        checklist=checklist,
    )
    score = items(activity)[1]
    barrier = threading.Barrier(2)
    outcomes = []

    def answer(user, value, device):
        barrier.wait()
        try:
            outcomes.append(
                submit(
                    activity, user, score, key=device, score=value, device=device
                ).outcome
            )
        finally:
            connection.close()

    threads = [
        threading.Thread(target=answer, args=(inspector, 7, "a")),
        threading.Thread(target=answer, args=(tree.sibling_officer, 2, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied", "conflict"]
    assert ChecklistAnswer.objects.get(item=score).revision == 1
