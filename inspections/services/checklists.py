"""Answering a checklist: online or synced from a device offline, conflicts kept."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import (
    Activity,
    AnswerSubmission,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    Mode,
    Verdict,
)
from inspections.services.findings import finding_create_for_answer
from members.services.audit import audit_record
from members.text import nfc

# Who answers which checklist: the team always; the inspected unit's contacts
# only for an online activity (in person, the team fills it in on site).
ANSWERING_STATUSES = (Activity.Status.PLANNED, Activity.Status.IN_PROGRESS)


def activity_roles(*, user, activity: Activity) -> set[str]:
    """Return what the user is on the activity: "lead", "team", "contact"."""
    roles = set()
    if activity.lead_id == user.pk:
        roles.add("lead")
    if activity.team.filter(pk=user.pk).exists():
        roles.add("team")
    if activity.contacts.filter(pk=user.pk).exists():
        roles.add("contact")
    return roles


def may_answer(*, user, activity: Activity) -> bool:
    roles = activity_roles(user=user, activity=activity)
    if roles & {"lead", "team"}:
        return True
    return "contact" in roles and activity.mode == Mode.ONLINE


def _clean(item: ChecklistItem, values: dict, evidence, current) -> dict:
    """Return the answer's fields, or raise ValidationError saying what is missing."""
    verdict = values.get("verdict") or ""
    comment = nfc(values.get("comment") or "")
    text = (values.get("text") or "").strip()
    score = values.get("score")
    cleaned = {"verdict": "", "score": None, "text": "", "comment": comment}
    if item.answer_type == ChecklistItem.AnswerType.YES_NO:
        if verdict not in Verdict.values:
            raise ValidationError(
                _("Choose compliant, not compliant or not applicable: %(item)s")
                % {"item": item.text}
            )
        cleaned["verdict"] = verdict
        if verdict == Verdict.NOT_COMPLIANT:
            has_evidence = evidence is not None or (
                current is not None
                and current.verdict == Verdict.NOT_COMPLIANT
                and bool(current.evidence)
            )
            if not comment or not has_evidence:
                raise ValidationError(
                    _("A not compliant answer needs a comment and evidence: %(item)s")
                    % {"item": item.text}
                )
    elif item.answer_type == ChecklistItem.AnswerType.SCORE:
        try:
            score = int(score)
        except (TypeError, ValueError):
            score = -1
        if not 0 <= score <= item.max_score:
            raise ValidationError(
                _("Give a score from 0 to %(max)s: %(item)s")
                % {"max": item.max_score, "item": item.text}
            )
        cleaned["score"] = score
    else:
        if not text:
            raise ValidationError(_("Write an answer: %(item)s") % {"item": item.text})
        cleaned["text"] = text
    return cleaned


def _same(answer: ChecklistAnswer, cleaned: dict, evidence) -> bool:
    return evidence is None and all(
        getattr(answer, name) == value for name, value in cleaned.items()
    )


def _apply(activity, item, cleaned, evidence, user, answered_at, current):
    answer = current or ChecklistAnswer(activity=activity, item=item, revision=0)
    for name, value in cleaned.items():
        setattr(answer, name, value)
    if evidence is not None:
        answer.evidence = evidence
    elif cleaned["verdict"] != Verdict.NOT_COMPLIANT and answer.evidence:
        answer.evidence = ""
    answer.answered_by = user
    answer.answered_at = answered_at
    answer.revision += 1
    answer.save()
    if answer.verdict == Verdict.NOT_COMPLIANT:
        finding_create_for_answer(answer=answer)
    return answer


@transaction.atomic
def answer_submit(
    *,
    user,
    activity: Activity,
    item: ChecklistItem,
    values: dict,
    evidence: UploadedFile | None = None,
    answered_at: datetime | None = None,
    source: str = AnswerSubmission.Source.PORTAL,
    device: str = "",
    client_key: str,
    base_revision: int = 0,
) -> AnswerSubmission:
    """Record an answer; apply it unless another device changed the item meanwhile.

    ``base_revision`` is the answer's revision the device last saw. The
    answer applies when nobody else changed it since (or it equals the
    current one); otherwise the submission is kept as a conflict for the
    lead, and the current answer stays. The same ``client_key`` sent twice
    (a retry) is recorded once.
    """
    # One writer an activity at a time: answers of one activity are compared
    # against each other.
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not may_answer(user=user, activity=activity):
        raise PermissionDenied(_("You do not answer this activity's checklist."))
    if activity.status not in ANSWERING_STATUSES:
        raise ValidationError(_("This activity is done: its checklist is closed."))
    if item.template_id != activity.checklist_id:
        raise ValidationError(_("This question is not on the activity's checklist."))
    client_key = (client_key or "").strip()[:64]
    if not client_key:
        raise ValidationError(_("The answer has no key; send it again."))
    done = AnswerSubmission.objects.filter(
        activity=activity, submitted_by=user, client_key=client_key
    ).first()
    if done is not None:
        return done
    current = ChecklistAnswer.objects.filter(activity=activity, item=item).first()
    cleaned = _clean(item, values, evidence, current)
    now = timezone.now()
    answered_at = min(answered_at or now, now)
    submission = AnswerSubmission(
        activity=activity,
        item=item,
        submitted_by=user,
        answered_at=answered_at,
        source=source,
        device=(device or "")[:64],
        client_key=client_key,
        base_revision=base_revision,
        **cleaned,
    )
    if evidence is not None:
        submission.evidence = evidence
    conflict = (
        current is not None
        and current.revision != base_revision
        and not _same(current, cleaned, evidence)
        and not _last_applied_by(current, user=user, device=device)
    )
    if conflict:
        submission.outcome = AnswerSubmission.Outcome.CONFLICT
        submission.save()
        return submission
    submission.outcome = AnswerSubmission.Outcome.APPLIED
    submission.save()
    if current is None or not _same(current, cleaned, evidence):
        _apply(
            activity,
            item,
            cleaned,
            submission.evidence or None,
            user,
            answered_at,
            current,
        )
    return submission


def _last_applied_by(answer: ChecklistAnswer, *, user, device: str) -> bool:
    """Whether the same person on the same device wrote the current answer.

    A device's own later edit of an item it answered is no conflict, even
    when it had not yet heard back about the first.
    """
    last = (
        AnswerSubmission.objects.filter(
            activity_id=answer.activity_id,
            item_id=answer.item_id,
            outcome__in=(
                AnswerSubmission.Outcome.APPLIED,
                AnswerSubmission.Outcome.TAKEN,
            ),
        )
        .order_by("-pk")
        .values_list("submitted_by_id", "device")
        .first()
    )
    return last is not None and last == (user.pk, device) and bool(device)


@transaction.atomic
def conflict_resolve(*, actor, submission: AnswerSubmission, take: bool) -> None:
    """The lead keeps the current answer or takes the conflicting one."""
    submission = AnswerSubmission.objects.select_for_update().get(pk=submission.pk)
    activity = Activity.objects.select_for_update().get(pk=submission.activity_id)
    if activity.lead_id != actor.pk:
        raise PermissionDenied(_("Only the team lead settles conflicting answers."))
    if submission.outcome != AnswerSubmission.Outcome.CONFLICT:
        raise ValidationError(_("This conflict is settled already."))
    if take:
        current = ChecklistAnswer.objects.filter(
            activity=activity, item=submission.item
        ).first()
        cleaned = {
            "verdict": submission.verdict,
            "score": submission.score,
            "text": submission.text,
            "comment": submission.comment,
        }
        _apply(
            activity,
            submission.item,
            cleaned,
            submission.evidence or None,
            submission.submitted_by,
            submission.answered_at,
            current,
        )
    submission.outcome = (
        AnswerSubmission.Outcome.TAKEN if take else AnswerSubmission.Outcome.KEPT
    )
    submission.resolved_by = actor
    submission.resolved_at = timezone.now()
    submission.save(update_fields=["outcome", "resolved_by", "resolved_at"])
    audit_record(
        actor=actor,
        action="staff_action",
        obj=activity,
        detail={
            "action": "inspection_conflict_resolve",
            "submission": submission.pk,
            "taken": take,
        },
    )


@transaction.atomic
def checklist_template_revise(
    *, template: ChecklistTemplate, title: str | None = None
) -> ChecklistTemplate:
    """Return a template to edit: itself if no activity uses it, else a new version.

    The new version copies the items; activities keep the version they use.
    """
    if not template.activities.exists():
        return template
    latest = (
        ChecklistTemplate.objects.filter(code=template.code)
        .order_by("-version")
        .first()
    )
    revised = ChecklistTemplate.objects.create(
        code=template.code,
        version=latest.version + 1,
        title=title or template.title,
        topic=template.topic,
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(
            template=revised,
            order=item.order,
            text=item.text,
            answer_type=item.answer_type,
            max_score=item.max_score,
        )
        for item in template.items.all()
    )
    return revised


def template_in_use(template: ChecklistTemplate) -> bool:
    return template.activities.exists()
