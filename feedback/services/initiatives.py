"""Writes of initiatives: submission, the review workflow, scores and benefits."""

import logging
import unicodedata
import uuid
from datetime import date
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import (
    BenefitFollowUp,
    Initiative,
    InitiativeAttachment,
    InitiativeCoauthor,
    InitiativeStatusChange,
    ReviewCriterion,
    ReviewScore,
)
from feedback.selectors.initiatives import (
    coauthor_find,
    initiative_folded,
    unit_grassroots,
)
from members.models import AuditEvent, Member
from members.money import vnd
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import notify
from members.signals import initiative_recognised
from members.text import nfc

logger = logging.getLogger(__name__)

__all__ = [
    "benefit_actual_record",
    "initiative_coauthors_resolve",
    "initiative_decide",
    "initiative_submit",
    "review_scores_record",
]

Status = Initiative.Status
# Each state is reached from one state only: nothing is skipped.
STEPS = {
    Status.UNDER_REVIEW: Status.SUBMITTED,
    Status.RECOGNISED: Status.UNDER_REVIEW,
    Status.REJECTED: Status.UNDER_REVIEW,
    Status.APPLIED: Status.RECOGNISED,
}
FOLLOW_UP_MONTHS = (6, 12)
COAUTHORS_MAX = 10
ATTACHMENTS_MAX = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_EXTENSIONS = (
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".ppt",
    ".pptx",
    ".jpg",
    ".jpeg",
    ".png",
)
# A yearly benefit above a hundred thousand billion đồng is a typing error.
BENEFIT_MAX_VND = 10**14
NOTIFY_KIND = "feedback.initiative_decision"


def _text(value) -> str:
    """Return a long text in NFC, trimmed, its lines kept."""
    return unicodedata.normalize("NFC", value or "").strip()


def _benefit_check(value, *, field: str, required: bool = False) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("Give the money benefit in đồng.")})
        return None
    if not isinstance(value, int) or value < 0 or value > BENEFIT_MAX_VND:
        raise ValidationError(
            {field: _("A money benefit is a whole number of đồng, 0 or more.")}
        )
    return value


def attachments_check(files) -> None:
    """Refuse more than five files, a file over 10 MB or of a kind not taken."""
    if len(files) > ATTACHMENTS_MAX:
        raise ValidationError(
            {
                "attachments": _("Attach at most %(count)s files.")
                % {"count": ATTACHMENTS_MAX}
            }
        )
    for upload in files:
        name = PurePath(upload.name).name
        if PurePath(name.lower()).suffix not in ATTACHMENT_EXTENSIONS:
            raise ValidationError(
                {
                    "attachments": _(
                        "%(name)s: attach PDF, Word, Excel, PowerPoint, JPEG or "
                        "PNG files."
                    )
                    % {"name": name}
                }
            )
        if upload.size > ATTACHMENT_MAX_BYTES:
            raise ValidationError(
                {"attachments": _("%(name)s is larger than 10 MB.") % {"name": name}}
            )


def initiative_coauthors_resolve(*, member: Member, entries) -> list[Member]:
    """Return the co-authors the entries name, or refuse them all with reasons."""
    entries = [nfc(e) for e in entries if nfc(e)]
    if len(entries) > COAUTHORS_MAX:
        raise ValidationError(
            {
                "coauthors": _("Name at most %(count)s co-authors.")
                % {"count": COAUTHORS_MAX}
            }
        )
    found, errors = [], []
    for entry in entries:
        try:
            coauthor = coauthor_find(member=member, entry=entry)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if coauthor not in found:
            found.append(coauthor)
    if errors:
        raise ValidationError({"coauthors": errors})
    return found


@transaction.atomic
def initiative_submit(
    *,
    member: Member,
    title: str,
    problem: str,
    solution: str,
    applied_where: str = "",
    expected_benefit_vnd: int | None = None,
    other_benefits: str = "",
    coauthors=(),
    files=(),
    submission_key: uuid.UUID,
) -> Initiative:
    """Store a member's initiative, its co-authors and files, once per form key.

    ``coauthors`` are entries as the author typed them (``coauthor_find``).
    A second submission with the same key (a double click) returns the
    initiative the first stored. Refused input raises ValidationError and
    stores nothing.
    """
    existing = Initiative.objects.filter(
        member=member, submission_key=submission_key
    ).first()
    if existing is not None:
        return existing
    title, problem, solution = nfc(title), _text(problem), _text(solution)
    errors = {}
    if not title:
        errors["title"] = _("Give the initiative a title.")
    if not problem:
        errors["problem"] = _("Say what problem the initiative solves.")
    if not solution:
        errors["solution"] = _("Say how the initiative solves it.")
    if errors:
        logger.info("initiative refused for member %s: %s", member.pk, sorted(errors))
        raise ValidationError(errors)
    expected = _benefit_check(expected_benefit_vnd, field="expected_benefit_vnd")
    try:
        team = initiative_coauthors_resolve(member=member, entries=coauthors)
        attachments_check(files)
    except ValidationError as error:
        logger.info("initiative refused for member %s: %s", member.pk, error.messages)
        raise
    title_folded, text_folded = initiative_folded(
        title=title, problem=problem, solution=solution
    )
    try:
        with transaction.atomic():
            initiative = Initiative.objects.create(
                member=member,
                unit=unit_grassroots(member.unit),
                title=title[:255],
                problem=problem,
                solution=solution,
                applied_where=_text(applied_where),
                expected_benefit_vnd=expected,
                other_benefits=_text(other_benefits),
                title_folded=title_folded,
                text_folded=text_folded,
                submission_key=submission_key,
            )
    except IntegrityError:
        # The same form posted twice at once: the first one stored it.
        return Initiative.objects.get(member=member, submission_key=submission_key)
    InitiativeCoauthor.objects.bulk_create(
        InitiativeCoauthor(initiative=initiative, member=m) for m in team
    )
    for upload in files:
        name = PurePath(upload.name).name[:200]
        attachment = InitiativeAttachment(
            initiative=initiative, name=name, size=upload.size
        )
        attachment.file.save(f"{uuid.uuid4().hex}{PurePath(name).suffix}", upload)
    InitiativeStatusChange.objects.create(
        initiative=initiative, to_status=Status.SUBMITTED, actor=member.user
    )
    audit_record(
        actor=member.user,
        action=AuditEvent.Action.MEMBER_ACTION,
        obj=initiative,
        detail={"action": "initiative_submit", "coauthors": [m.pk for m in team]},
    )
    return initiative


def initiative_authors(initiative: Initiative) -> list[Member]:
    """Return the author and the co-authors, the author first."""
    coauthors = [
        c.member
        for c in initiative.coauthors.select_related("member__user").order_by("pk")
    ]
    return [initiative.member, *coauthors]


def _decision_notify(initiative: Initiative, authors: list[Member], to: str) -> None:
    titles = {
        Status.UNDER_REVIEW: _("Your initiative is under council review"),
        Status.RECOGNISED: _("Your initiative was recognised"),
        Status.REJECTED: _("Your initiative was not recognised"),
        Status.APPLIED: _("Your initiative is applied"),
    }
    body = _("“%(title)s”") % {"title": initiative.title}
    if to == Status.RECOGNISED and initiative.evaluated_benefit_vnd is not None:
        body += " " + _("Evaluated money benefit: %(amount)s a year.") % {
            "amount": vnd(initiative.evaluated_benefit_vnd)
        }
    if initiative.decision_reason and to in (Status.RECOGNISED, Status.REJECTED):
        body += " " + _("Reasons: %(reason)s") % {"reason": initiative.decision_reason}
    link = reverse("feedback:initiative", args=[initiative.pk])
    for author in authors:
        if author.user_id is None:
            continue
        notify(
            recipient=author.user,
            kind=NOTIFY_KIND,
            dedupe_key=f"initiative-decision:{initiative.pk}:{to}:{author.user_id}",
            title=str(titles[to]),
            body=body,
            link=link,
        )


def _recognised_send(initiative_id: int, authors, benefit, recognised_on) -> None:
    for author in authors:
        initiative_recognised.send_robust(
            sender=Initiative,
            initiative_id=initiative_id,
            member_id=author.pk,
            benefit_vnd=benefit,
            recognised_on=recognised_on,
        )


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@transaction.atomic
def initiative_decide(
    *,
    initiative: Initiative,
    to_status: str,
    actor,
    reason: str = "",
    review_round=None,
    evaluated_benefit_vnd: int | None = None,
    on: date | None = None,
) -> Initiative:
    """Move an initiative one step on, once; record, audit and tell its authors.

    submitted > under council review (into a review round of the scope) >
    recognised (with the evaluated benefit) or rejected (with reasons), by
    staff of the round's council > applied. Any other step is refused. The
    step is claimed by one UPDATE on the expected state, so two clicks or two
    officers at once make one step and the other is refused. Recognition
    schedules the 6- and 12-month benefit follow-ups and, after commit,
    sends ``initiative_recognised`` once per author.
    """
    to_status = Status(to_status) if to_status in Status.values else None
    if to_status is None or to_status not in STEPS:
        raise ValidationError(_("This is not a step of the review."))
    require_unit_in_scope(actor, initiative.unit)
    before = STEPS[to_status]
    reason = _text(reason)
    today = on or timezone.localdate()
    changes = {"status": to_status, "updated_at": timezone.now()}
    if to_status == Status.UNDER_REVIEW:
        if review_round is None:
            raise ValidationError({"review_round": _("Choose the review round.")})
        require_unit_in_scope(actor, review_round.unit)
        if not initiative.unit.path.startswith(review_round.unit.path):
            raise ValidationError(
                {"review_round": _("This round's council does not cover the unit.")}
            )
        changes["review_round"] = review_round
    if to_status in (Status.RECOGNISED, Status.REJECTED) and initiative.review_round:
        # The council decides: its unit must be the officer's too.
        require_unit_in_scope(actor, initiative.review_round.unit)
    if to_status == Status.REJECTED and not reason:
        raise ValidationError({"reason": _("Give the reasons of the rejection.")})
    if to_status == Status.RECOGNISED:
        changes["evaluated_benefit_vnd"] = _benefit_check(
            evaluated_benefit_vnd, field="evaluated_benefit_vnd", required=True
        )
        changes["recognised_on"] = today
    if to_status in (Status.RECOGNISED, Status.REJECTED):
        changes["decision_reason"] = reason
    if to_status == Status.APPLIED:
        changes["applied_on"] = today
    claimed = Initiative.objects.filter(pk=initiative.pk, status=before).update(
        **changes
    )
    if not claimed:
        current = Initiative.objects.filter(pk=initiative.pk).first()
        state = current.get_status_display() if current else ""
        raise ValidationError(
            _("This initiative is %(state)s: it cannot be moved to “%(step)s” now.")
            % {"state": str(state).lower(), "step": to_status.label}
        )
    initiative.refresh_from_db()
    InitiativeStatusChange.objects.create(
        initiative=initiative,
        from_status=before,
        to_status=to_status,
        reason=reason,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=initiative,
        detail={
            "action": "initiative_decide",
            "from": before,
            "to": to_status,
            "evaluated_benefit_vnd": initiative.evaluated_benefit_vnd,
        },
    )
    authors = initiative_authors(initiative)
    if to_status == Status.RECOGNISED:
        BenefitFollowUp.objects.bulk_create(
            BenefitFollowUp(
                initiative=initiative,
                months=months,
                due_on=_months_after(today, months),
            )
            for months in FOLLOW_UP_MONTHS
        )
        initiative_id = initiative.pk
        benefit, recognised_on = initiative.evaluated_benefit_vnd, today
        transaction.on_commit(
            lambda: _recognised_send(initiative_id, authors, benefit, recognised_on)
        )
    _decision_notify(initiative, authors, to_status)
    return initiative


@transaction.atomic
def review_scores_record(*, initiative: Initiative, reviewer, scores: dict) -> int:
    """Store a reviewer's scores of an initiative under council review.

    ``scores`` maps criteria of the initiative's round to 0..maximum; the
    reviewer's earlier scores of those criteria are replaced. Returns how
    many were stored.
    """
    require_unit_in_scope(reviewer, initiative.unit)
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.status != Status.UNDER_REVIEW or initiative.review_round is None:
        raise ValidationError(_("Only an initiative under council review is scored."))
    criteria = {
        c.pk: c
        for c in ReviewCriterion.objects.filter(review_round=initiative.review_round)
    }
    stored = 0
    for key, value in scores.items():
        criterion = criteria.get(getattr(key, "pk", key))
        if criterion is None:
            raise ValidationError(_("This criterion is not one of the round's."))
        if value is None or not 0 <= int(value) <= criterion.max_score:
            raise ValidationError(
                _("Score “%(criterion)s” from 0 to %(max)s.")
                % {"criterion": criterion.name, "max": criterion.max_score}
            )
        ReviewScore.objects.update_or_create(
            initiative=initiative,
            criterion=criterion,
            reviewer=reviewer,
            defaults={"score": int(value)},
        )
        stored += 1
    audit_record(
        actor=reviewer,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=initiative,
        detail={"action": "initiative_score", "criteria": sorted(criteria)},
    )
    return stored


@transaction.atomic
def benefit_actual_record(
    *, follow_up: BenefitFollowUp, actual_benefit_vnd: int, note: str = "", actor
) -> BenefitFollowUp:
    """Record the actual money benefit measured at a follow-up."""
    initiative = follow_up.initiative
    require_unit_in_scope(actor, initiative.unit)
    amount = _benefit_check(
        actual_benefit_vnd, field="actual_benefit_vnd", required=True
    )
    if timezone.localdate() < follow_up.due_on:
        raise ValidationError(
            _("This follow-up falls due on %(date)s.")
            % {"date": f"{follow_up.due_on:%d/%m/%Y}"}
        )
    BenefitFollowUp.objects.filter(pk=follow_up.pk).update(
        actual_benefit_vnd=amount,
        note=_text(note),
        recorded_at=timezone.now(),
        recorded_by=actor,
    )
    follow_up.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=initiative,
        detail={
            "action": "initiative_benefit_actual",
            "months": follow_up.months,
            "actual_benefit_vnd": amount,
        },
    )
    return follow_up
