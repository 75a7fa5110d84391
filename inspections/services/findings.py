"""Findings and recommendations: repeats flagged, followed up to acceptance."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Activity, Finding, Recommendation
from inspections.services.activities import in_subtree, inspector_units
from members.models import StaffRole, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import notify
from members.text import fold, nfc


def _earlier_finding(*, activity: Activity, topic_key: str) -> Finding | None:
    """The latest finding on the same topic for the same unit in an earlier year."""
    return (
        Finding.objects.filter(
            inspected_unit_id=activity.inspected_unit_id,
            topic_key=topic_key,
            activity__year__lt=activity.year,
        )
        .order_by("-activity__year", "-pk")
        .first()
    )


def _finding_make(*, activity, topic, description, item, user) -> Finding:
    topic = nfc(topic)
    topic_key = fold(topic)
    return Finding.objects.create(
        activity=activity,
        inspected_unit_id=activity.inspected_unit_id,
        item=item,
        topic=topic,
        topic_key=topic_key,
        description=nfc(description),
        repeated_of=_earlier_finding(activity=activity, topic_key=topic_key),
        created_by=user,
    )


def finding_create_for_answer(*, answer) -> Finding:
    """The finding a not compliant answer makes: one an item an activity.

    Its topic is the checklist's topic and the item's question, so that the
    same failing item found again next year is flagged repeated.
    """
    existing = Finding.objects.filter(
        activity=answer.activity, item=answer.item
    ).first()
    if existing is not None:
        if existing.description != answer.comment:
            existing.description = answer.comment
            existing.save(update_fields=["description"])
        return existing
    activity = answer.activity
    return _finding_make(
        activity=activity,
        topic=answer.item.text,
        description=answer.comment,
        item=answer.item,
        user=answer.answered_by,
    )


@transaction.atomic
def finding_record(
    *, actor: User, activity: Activity, topic: str, description: str
) -> Finding:
    """Record a finding the team made outside the checklist."""
    require_unit_in_scope(actor, activity.inspecting_unit)
    if not nfc(topic) or not nfc(description):
        raise ValidationError(_("A finding needs a topic and a description."))
    finding = _finding_make(
        activity=activity, topic=topic, description=description, item=None, user=actor
    )
    audit_record(
        actor=actor,
        action="staff_action",
        obj=finding,
        detail={"action": "inspection_finding_record", "repeated": finding.repeated},
    )
    return finding


def belongs_to(user: User, unit) -> bool:
    """Whether the person's member record or a staff role is in the unit's subtree."""
    return any(in_subtree(own, unit) for own in inspector_units(user))


@transaction.atomic
def recommendation_create(
    *, actor: User, finding: Finding, text: str, owner: User, due_date: date
) -> Recommendation:
    """Address a recommendation to a person of the inspected unit, due by a date."""
    activity = finding.activity
    require_unit_in_scope(actor, activity.inspecting_unit)
    errors = []
    if not nfc(text):
        errors.append(_("Write the recommendation."))
    if not belongs_to(owner, activity.inspected_unit):
        errors.append(
            _("The owner must belong to %(unit)s.") % {"unit": activity.inspected_unit}
        )
    if due_date < timezone.localdate():
        errors.append(_("The due date is in the past."))
    if errors:
        raise ValidationError(errors)
    recommendation = Recommendation.objects.create(
        finding=finding,
        inspected_unit_id=activity.inspected_unit_id,
        inspecting_unit_id=activity.inspecting_unit_id,
        text=nfc(text),
        owner=owner,
        due_date=due_date,
    )
    audit_record(
        actor=actor,
        action="staff_action",
        obj=recommendation,
        detail={"action": "inspection_recommendation_create"},
    )
    notify(
        recipient=owner,
        kind="inspections.recommendation_new",
        dedupe_key=f"recommendation-new:{recommendation.pk}:{owner.pk}",
        title=_("A recommendation for your unit, due %(date)s")
        % {"date": f"{due_date:%d/%m/%Y}"},
        body=recommendation.text[:500],
        link=reverse("inspections:recommendations"),
    )
    return recommendation


@transaction.atomic
def recommendation_respond(
    *,
    user: User,
    recommendation: Recommendation,
    response: str,
    evidence: UploadedFile | None,
) -> Recommendation:
    """The owner says what the unit did, with evidence; the inspectors review it."""
    recommendation = Recommendation.objects.select_for_update().get(
        pk=recommendation.pk
    )
    if recommendation.owner_id != user.pk:
        raise PermissionDenied(_("This recommendation is not addressed to you."))
    if recommendation.status not in Recommendation.WAITING_ON_UNIT:
        raise ValidationError(
            _("This recommendation is %(status)s: no response is expected.")
            % {"status": recommendation.get_status_display()}
        )
    if not nfc(response) or evidence is None:
        raise ValidationError(_("A response needs what was done and evidence of it."))
    recommendation.response = nfc(response)
    recommendation.response_evidence = evidence
    recommendation.responded_by = user
    recommendation.responded_at = timezone.now()
    recommendation.status = Recommendation.Status.RESPONDED
    recommendation.save()
    audit_record(
        actor=user,
        action="staff_action",
        obj=recommendation,
        detail={"action": "inspection_recommendation_respond"},
    )
    return recommendation


@transaction.atomic
def recommendation_review(
    *, actor: User, recommendation: Recommendation, accept: bool, note: str = ""
) -> Recommendation:
    """The inspecting unit accepts the response or returns it with a note."""
    recommendation = Recommendation.objects.select_for_update().get(
        pk=recommendation.pk
    )
    require_unit_in_scope(actor, recommendation.inspecting_unit)
    if recommendation.status != Recommendation.Status.RESPONDED:
        raise ValidationError(_("Only a response sent can be accepted or returned."))
    if not accept and not nfc(note):
        raise ValidationError(_("Say what more is needed."))
    recommendation.status = (
        Recommendation.Status.ACCEPTED if accept else Recommendation.Status.RETURNED
    )
    recommendation.review_note = nfc(note)
    recommendation.reviewed_by = actor
    recommendation.reviewed_at = timezone.now()
    recommendation.save()
    audit_record(
        actor=actor,
        action="staff_action",
        obj=recommendation,
        detail={"action": "inspection_recommendation_review", "accepted": accept},
    )
    notify(
        recipient=recommendation.owner,
        kind="inspections.recommendation_reviewed",
        dedupe_key=(
            f"recommendation-review:{recommendation.pk}:"
            f"{recommendation.reviewed_at:%Y%m%d%H%M%S%f}:{recommendation.owner_id}"
        ),
        title=_("Your response was accepted")
        if accept
        else _("Your response was returned: more is needed"),
        body=recommendation.review_note or recommendation.text[:500],
        link=reverse("inspections:recommendations"),
    )
    return recommendation


def unit_chairs(unit) -> list[int]:
    """Return the ids of the people who answer for a unit: its officers.

    The register has no "chair" role (StaffRole holds officer, care officer
    and viewer): the union officers of the unit stand for its chair, and
    where the unit has none, those of the nearest unit above it.
    """
    from members.models import Unit

    paths = Unit.lineage_paths(unit.path)
    roles = StaffRole.objects.filter(
        role=StaffRole.Role.OFFICER, unit__path__in=paths, user__is_active=True
    ).values_list("unit__path", "user_id")
    by_path: dict[str, list[int]] = {}
    for path, user_id in roles:
        by_path.setdefault(path, []).append(user_id)
    for path in reversed(paths):
        if path in by_path:
            return sorted(by_path[path])
    return []
