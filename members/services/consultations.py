"""Consultations: a member asks, a care officer makes the appointment, then the outcome.

Only the outcome is recorded (held, referred, no-show): never medical details.
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from members.models import ConsultationRequest, Member, StaffRole, Unit, User
from members.scope import require_unit_in_scope, unit_in_scope
from members.services.notifications import notify
from members.text import nfc

Status = ConsultationRequest.Status
OPEN_STATUSES = (Status.REQUESTED, Status.SCHEDULED)


def local_time(moment: datetime) -> str:
    """Return an aware datetime as Vietnam reads it: 14:30 25/03/2026."""
    return f"{timezone.localtime(moment):%H:%M %d/%m/%Y}"


def appointment_text(consultation: ConsultationRequest) -> str:
    """Return an appointment in a line: topic, mode, adviser and place."""
    return _("%(topic)s, %(mode)s with %(adviser)s. %(place)s") % {
        "topic": consultation.get_topic_display(),
        "mode": consultation.get_mode_display(),
        "adviser": consultation.adviser,
        "place": consultation.place,
    }


def care_officers_of(unit: Unit) -> list[User]:
    """Return the active care officers of a unit and of the grassroots union above."""
    path = Unit.objects.values_list("path", flat=True).get(pk=unit.pk)
    ancestors = Unit.lineage_paths(path)
    roles = StaffRole.objects.filter(
        role=StaffRole.Role.CARE_OFFICER,
        user__is_active=True,
        unit__path__in=ancestors,
        unit__level__in=[Unit.Level.GRASSROOTS, Unit.Level.GROUP],
    ).select_related("user")
    return list({role.user_id: role.user for role in roles.order_by("pk")}.values())


def _require_member_or_staff(actor: User | None, member: Member) -> None:
    if actor is None or member.user_id == actor.pk or unit_in_scope(actor, member.unit):
        return
    raise PermissionDenied(_("This consultation is not yours."))


@transaction.atomic
def consultation_request(
    *,
    member: Member,
    topic: str,
    subject: str,
    mode: str,
    preferred_times: str,
    actor: User | None = None,
) -> ConsultationRequest:
    """Ask for a consultation; the member's care officers are told."""
    _require_member_or_staff(actor, member)
    consultation = ConsultationRequest(
        member=member,
        topic=topic,
        subject=nfc(subject),
        mode=mode,
        preferred_times=nfc(preferred_times),
    )
    consultation.full_clean()
    consultation.save()
    link = reverse("admin:members_consultationrequest_change", args=[consultation.pk])
    with translation.override(settings.LANGUAGE_CODE):
        # The subject stays out of the message: it may say something of health.
        title = _("Consultation request from %(name)s (%(topic)s)") % {
            "name": member.full_name,
            "topic": consultation.get_topic_display(),
        }
        body = _("Preferred: %(mode)s, %(times)s. Please make an appointment.") % {
            "mode": consultation.get_mode_display(),
            "times": consultation.preferred_times,
        }
        for officer in care_officers_of(member.unit):
            notify(
                recipient=officer,
                kind="consultation.requested",
                dedupe_key=f"consultation-requested:{consultation.pk}:{officer.pk}",
                title=title,
                body=body,
                link=link,
            )
    return consultation


def _locked(consultation: ConsultationRequest) -> ConsultationRequest:
    return (
        ConsultationRequest.objects.select_for_update(of=("self",))
        .select_related("member__unit", "member__user")
        .get(pk=consultation.pk)
    )


@transaction.atomic
def consultation_schedule(
    *,
    consultation: ConsultationRequest,
    scheduled_at: datetime,
    adviser: str,
    place: str = "",
    actor: User | None = None,
) -> ConsultationRequest:
    """Make (or move) the appointment and put it in the member's inbox."""
    consultation = _locked(consultation)
    require_unit_in_scope(actor, consultation.member.unit)
    if consultation.status not in OPEN_STATUSES:
        raise ValidationError(_("This consultation is already closed."))
    if timezone.is_naive(scheduled_at):
        raise ValidationError({"scheduled_at": _("Give the time with its time zone.")})
    if scheduled_at <= timezone.now():
        raise ValidationError({"scheduled_at": _("The appointment must be ahead.")})
    consultation.adviser = nfc(adviser)
    consultation.place = nfc(place)
    if not consultation.adviser:
        raise ValidationError({"adviser": _("Name the adviser.")})
    consultation.scheduled_at = scheduled_at
    consultation.status = Status.SCHEDULED
    consultation.scheduled_by = actor
    consultation.full_clean()
    consultation.save()
    user = consultation.member.user
    if user is not None:
        with translation.override(settings.LANGUAGE_CODE):
            notify(
                recipient=user,
                kind="consultation.scheduled",
                dedupe_key=(
                    f"consultation-scheduled:{consultation.pk}:"
                    f"{scheduled_at.isoformat()}"
                ),
                title=_("Your consultation: %(when)s")
                % {"when": local_time(scheduled_at)},
                body=appointment_text(consultation),
                link=reverse("members:consultations"),
            )
    return consultation


@transaction.atomic
def consultation_outcome_record(
    *, consultation: ConsultationRequest, outcome: str, actor: User | None = None
) -> ConsultationRequest:
    """Record whether an appointment was held, referred on, or missed."""
    consultation = _locked(consultation)
    require_unit_in_scope(actor, consultation.member.unit)
    if outcome not in ConsultationRequest.OUTCOMES:
        raise ValidationError({"status": _("Choose held, referred or no-show.")})
    if consultation.status != Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled consultation has an outcome."))
    if consultation.scheduled_at > timezone.now():
        raise ValidationError(_("The appointment has not taken place yet."))
    consultation.status = outcome
    consultation.outcome_recorded_by = actor
    consultation.save(update_fields=["status", "outcome_recorded_by", "updated_at"])
    return consultation


@transaction.atomic
def consultation_cancel(
    *, consultation: ConsultationRequest, actor: User | None = None
) -> ConsultationRequest:
    """Cancel a consultation before it takes place (the member or staff)."""
    consultation = _locked(consultation)
    _require_member_or_staff(actor, consultation.member)
    if consultation.status not in OPEN_STATUSES:
        raise ValidationError(_("This consultation is already closed."))
    consultation.status = Status.CANCELLED
    consultation.save(update_fields=["status", "updated_at"])
    return consultation
