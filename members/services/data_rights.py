"""Members' data rights: requests with their legal deadlines, and consents.

A request is acknowledged within 2 working days (Monday to Friday, counted in
Vietnam's time from the day it arrives) and done within 15 days of receipt.
Public holidays are not counted out: the deadlines are the stricter for it.
Every step is written to the audit trail.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import AuditEvent, Consent, DataRightsRequest, Member, User
from members.scope import require_unit_in_scope, unit_in_scope
from members.selectors.privacy import consent_in_force
from members.services.audit import audit_record

DEADLINE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
ACKNOWLEDGE_WORKING_DAYS = 2
COMPLETE_DAYS = 15
Status = DataRightsRequest.Status


def working_days_after(day: date, count: int) -> date:
    """Return the date ``count`` working days (Monday to Friday) after ``day``."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def request_deadlines(received_at: datetime) -> tuple[date, date]:
    """Return the last days to acknowledge and to complete a request."""
    received_on = timezone.localtime(received_at, DEADLINE_ZONE).date()
    return (
        working_days_after(received_on, ACKNOWLEDGE_WORKING_DAYS),
        received_on + timedelta(days=COMPLETE_DAYS),
    )


def _require_member_or_staff(actor: User | None, member: Member) -> None:
    """Let the member themself, staff in scope or the system (None) through."""
    if actor is None or member.user_id == actor.pk or unit_in_scope(actor, member.unit):
        return
    raise PermissionDenied(_("You may act only on your own data."))


def _audit(request: DataRightsRequest, actor: User | None, step: str) -> None:
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DATA_REQUEST,
        obj=request,
        detail={"step": step, "kind": request.kind, "member": request.member_id},
    )


def data_rights_request_check(*, member: Member, kind: str) -> None:
    """Raise ValidationError if the member cannot file a request of this kind now."""
    if member.erased_at is not None:
        raise ValidationError(_("This member's personal data has been erased."))
    if DataRightsRequest.objects.filter(
        member=member, kind=kind, status__in=DataRightsRequest.OPEN
    ).exists():
        raise ValidationError(
            {"kind": _("A request of this kind is already being handled.")}
        )


@transaction.atomic
def data_rights_request_submit(
    *,
    member: Member,
    kind: str,
    details: str = "",
    actor: User | None,
    received_at: datetime | None = None,
) -> DataRightsRequest:
    """Record a request of the member's, received now (or at ``received_at``)."""
    _require_member_or_staff(actor, member)
    data_rights_request_check(member=member, kind=kind)
    received_at = received_at or timezone.now()
    acknowledge_by, complete_by = request_deadlines(received_at)
    request = DataRightsRequest(
        member=member,
        kind=kind,
        details=(details or "").strip(),
        received_at=received_at,
        acknowledge_by=acknowledge_by,
        complete_by=complete_by,
        submitted_by=actor,
    )
    # The check above refused an open request of the kind; one stored since
    # is the database's to catch (the constraint), and answers this one.
    request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        first = _open_request_sent_meanwhile(request)
        if first is None:
            raise
        return first
    _audit(request, actor, "received")
    return request


def _open_request_sent_meanwhile(
    request: DataRightsRequest,
) -> DataRightsRequest | None:
    """Return the open request of the kind stored since the check, with these details.

    The unique constraint made this insert wait for the other one to commit
    (two tabs, a double tap): the member's request is that one, and what
    this one said is added to it rather than lost.
    """
    first = (
        DataRightsRequest.objects.select_for_update()
        .filter(
            member=request.member, kind=request.kind, status__in=DataRightsRequest.OPEN
        )
        .first()
    )
    if first is not None and request.details and request.details not in first.details:
        first.details = "\n\n".join(filter(None, [first.details, request.details]))
        first.save(update_fields=["details"])
    return first


def _locked(request: DataRightsRequest, actor: User | None) -> DataRightsRequest:
    request = (
        DataRightsRequest.objects.select_for_update()
        .select_related("member__unit")
        .get(pk=request.pk)
    )
    require_unit_in_scope(actor, request.member.unit)
    return request


@transaction.atomic
def data_rights_request_acknowledge(
    *, request: DataRightsRequest, actor: User | None
) -> DataRightsRequest:
    """Tell the member their request is being handled."""
    request = _locked(request, actor)
    if request.status != Status.RECEIVED:
        raise ValidationError(_("Only a request just received can be acknowledged."))
    request.status = Status.ACKNOWLEDGED
    request.acknowledged_at = timezone.now()
    request.handled_by = actor
    request.save(update_fields=["status", "acknowledged_at", "handled_by"])
    _audit(request, actor, "acknowledged")
    return request


def _close(
    request: DataRightsRequest, actor: User | None, status: str, response: str
) -> DataRightsRequest:
    now = timezone.now()
    request.status = status
    request.closed_at = now
    request.acknowledged_at = request.acknowledged_at or now
    request.handled_by = actor
    request.response = (response or "").strip() or request.response
    request.save(
        update_fields=[
            "status",
            "closed_at",
            "acknowledged_at",
            "handled_by",
            "response",
        ]
    )
    _audit(request, actor, status)
    return request


@transaction.atomic
def data_rights_request_complete(
    *, request: DataRightsRequest, actor: User | None, response: str = ""
) -> DataRightsRequest:
    """Close a request as done; an erasure request needs the erasure done first."""
    request = _locked(request, actor)
    if request.status not in DataRightsRequest.OPEN:
        raise ValidationError(_("This request is already closed."))
    if (
        request.kind == DataRightsRequest.Kind.ERASURE
        and request.member.erased_at is None
    ):
        raise ValidationError(
            _("Erase the member's personal data before closing an erasure request.")
        )
    return _close(request, actor, Status.DONE, response)


@transaction.atomic
def data_rights_request_refuse(
    *, request: DataRightsRequest, actor: User | None, response: str = ""
) -> DataRightsRequest:
    """Close a request as refused; the member is told why (``response``)."""
    request = _locked(request, actor)
    if request.status not in DataRightsRequest.OPEN:
        raise ValidationError(_("This request is already closed."))
    if not ((response or "").strip() or request.response):
        raise ValidationError(
            {"response": _("Write the reason for the refusal to the member.")}
        )
    return _close(request, actor, Status.REFUSED, response)


@transaction.atomic
def data_rights_request_erase(
    *, request: DataRightsRequest, actor: User | None, response: str = ""
) -> DataRightsRequest:
    """Erase the member's personal data and close their erasure request."""
    from members.services.erasure import member_erase

    request = _locked(request, actor)
    if request.kind != DataRightsRequest.Kind.ERASURE:
        raise ValidationError(_("Only an erasure request erases data."))
    if request.status not in DataRightsRequest.OPEN:
        raise ValidationError(_("This request is already closed."))
    request.member = member_erase(member=request.member, actor=actor, reason="request")
    return _close(request, actor, Status.DONE, response)


# Consents ----------------------------------------------------------------------


def _require_self(actor: User | None, member: Member) -> None:
    # Consent is the person's own act: staff cannot give it for them.
    if actor is None or member.user_id != actor.pk:
        raise PermissionDenied(_("Only the member can give or withdraw consent."))


@transaction.atomic
def consent_give(*, member: Member, purpose: str, actor: User | None) -> Consent:
    """Record the member's consent to a purpose, in the wording's current version."""
    _require_self(actor, member)
    purpose = Consent.Purpose(purpose)
    current = Consent.objects.filter(
        member=member, purpose=purpose, withdrawn_at__isnull=True
    ).first()
    if current is not None:
        return current
    consent = Consent.objects.create(
        member=member,
        purpose=purpose,
        version=Consent.VERSIONS[purpose],
        given_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CONSENT,
        obj=consent,
        detail={"purpose": purpose, "given": True, "version": consent.version},
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, member: Member, purpose: str, actor: User | None
) -> Consent | None:
    """Withdraw the member's consent to a purpose from now on (None: none to)."""
    _require_self(actor, member)
    purpose = Consent.Purpose(purpose)
    now = timezone.now()
    consent = (
        Consent.objects.select_for_update()
        .filter(member=member, purpose=purpose, withdrawn_at__isnull=True)
        .first()
    )
    if consent is not None:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
    elif consent_in_force(member=member, purpose=purpose):
        # In force by default, never given: the withdrawal is the record.
        consent = Consent.objects.create(
            member=member,
            purpose=purpose,
            version=Consent.VERSIONS[purpose],
            withdrawn_at=now,
        )
    else:
        return Consent.objects.filter(member=member, purpose=purpose).first()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CONSENT,
        obj=consent,
        detail={"purpose": purpose, "given": False, "version": consent.version},
    )
    return consent
