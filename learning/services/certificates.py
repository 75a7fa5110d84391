"""Certificates: issued once when a course completes, revoked by staff with a reason."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Certificate, Enrolment
from learning.models.text import nfc_text
from members.models import AuditEvent, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record


def certificate_issue(*, enrolment: Enrolment, now=None) -> Certificate:
    """Return the enrolment's certificate, issuing it if it has none yet.

    One an enrolment (a unique key): a second call, or a racing one, gets the
    certificate the first issued.
    """
    if enrolment.completed_at is None:
        raise ValidationError(
            _("The course is not completed yet."), code="not_completed"
        )
    existing = Certificate.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _certificate_create(enrolment=enrolment, issued_at=now)
    except IntegrityError:
        # Another issue won the race on the unique enrolment: theirs stands.
        return Certificate.objects.get(enrolment=enrolment)


def _certificate_create(*, enrolment: Enrolment, issued_at) -> Certificate:
    return Certificate.objects.create(
        enrolment=enrolment,
        member_id=enrolment.member_id,
        course_id=enrolment.course_id,
        issued_at=issued_at or enrolment.completed_at,
    )


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, actor: User | None, reason: str
) -> Certificate:
    """Revoke a certificate of a member in the actor's scope; audited."""
    certificate = (
        Certificate.objects.select_for_update()
        .select_related("member__unit")
        .get(pk=certificate.pk)
    )
    require_unit_in_scope(actor, certificate.member.unit)
    reason = nfc_text(reason or "")
    if not reason:
        raise ValidationError(
            {"reason": _("Say why the certificate is revoked.")}, code="no_reason"
        )
    if certificate.revoked_at is not None:
        raise ValidationError(
            _("This certificate is already revoked."), code="already_revoked"
        )
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = (
        actor if actor is not None and actor.is_authenticated else None
    )
    certificate.revoke_reason = reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=certificate,
        detail={
            "action": "certificate_revoke",
            "certificate": str(certificate.uuid),
            "reason": reason,
        },
    )
    return certificate
