"""Transfers between units, confirmed by the receiving unit."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import Member, Transfer, Unit, User
from members.scope import require_unit_in_scope
from members.text import nfc


def transfer_check(*, member: Member, to_unit: Unit) -> None:
    """Raise ValidationError if the member cannot be sent to ``to_unit`` now."""
    if to_unit.pk == member.unit_id:
        raise ValidationError({"to_unit": _("The member is already in this unit.")})
    if not to_unit.is_active or to_unit.level not in {
        Unit.Level.GRASSROOTS,
        Unit.Level.GROUP,
    }:
        raise ValidationError(
            {"to_unit": _("Choose an active grassroots union or union group.")}
        )
    if member.transfers.filter(state=Transfer.State.PENDING).exists():
        raise ValidationError(
            _("This member already has a transfer waiting for confirmation.")
        )


@transaction.atomic
def transfer_request(
    *,
    member: Member,
    to_unit: Unit,
    transfer_on: date,
    reason: str = "",
    actor: User | None = None,
) -> Transfer:
    """Ask another unit to take a member in; the receiving unit confirms."""
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    require_unit_in_scope(actor, member.unit)
    transfer_check(member=member, to_unit=to_unit)
    transfer = Transfer(
        member=member,
        from_unit=member.unit,
        to_unit=to_unit,
        transfer_on=transfer_on,
        reason=nfc(reason),
        requested_by=actor,
    )
    transfer.full_clean()
    transfer.save()
    return transfer


def _transfer_decide(transfer: Transfer, actor: User | None, state: str) -> Transfer:
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.state != Transfer.State.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
    transfer.state = state
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["state", "decided_by", "decided_at"])
    return transfer


@transaction.atomic
def transfer_confirm(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Take the member into the receiving unit; their history goes with them."""
    require_unit_in_scope(actor, transfer.to_unit)
    transfer = _transfer_decide(transfer, actor, Transfer.State.CONFIRMED)
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    if member.unit_id != transfer.from_unit_id:
        raise ValidationError(_("The member has moved since the transfer was asked."))
    member.unit = transfer.to_unit
    fields = ["unit", "updated_at"]
    if transfer.to_employer_id:
        # A move to another employer (found in its HRM file): the new natural key.
        member.employer_id = transfer.to_employer_id
        member.employee_code = transfer.to_employee_code
        member.hrm_hash, member.hrm_absent_since = "", None
        member.validate_constraints()
        fields += ["employer", "employee_code", "hrm_hash", "hrm_absent_since"]
    member.save(update_fields=fields)
    return transfer


@transaction.atomic
def transfer_reject(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Refuse a transfer; the member stays where they are."""
    require_unit_in_scope(actor, transfer.to_unit)
    return _transfer_decide(transfer, actor, Transfer.State.REJECTED)


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Withdraw a transfer before the receiving unit decides."""
    require_unit_in_scope(actor, transfer.from_unit)
    return _transfer_decide(transfer, actor, Transfer.State.CANCELLED)
