"""Transfers between units: one side proposes, the side that did not completes it.

A unit that asks for a member (its HRM file brought the member's CCCD) proposes
from the receiving side, and the sending unit, or an officer above both,
releases the member; a unit that offers its member proposes from the sending
side, and the receiving unit accepts. Until the member is theirs, the staff of
a receiving unit that asked see only that the person belongs to another unit,
not who. Every rule of who may act, and who may know whom, is here.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.models import Member, StaffRole, Transfer, Unit, User
from members.reminders import ReminderTarget
from members.scope import require_unit_in_scope, staff_unit_paths, unit_in_scope
from members.services.notifications import notifications_store
from members.text import nfc

Side = Transfer.Side
AWAITING_KIND = "transfer.awaiting"


# Sides ----------------------------------------------------------------------


def transfer_deciding_side(transfer: Transfer) -> str:
    """Return the side that must confirm: the one that did not propose."""
    if transfer.proposer_side == Side.SENDING:
        return Side.RECEIVING
    return Side.SENDING


def _side_unit_id(transfer: Transfer, side: str) -> int:
    return transfer.from_unit_id if side == Side.SENDING else transfer.to_unit_id


def transfer_acts_for(*, transfer: Transfer, user: User | None, side: str) -> bool:
    """Return whether the user acts for a side (the system, None, for both).

    An officer whose subtree holds both units acts for either side.
    """
    unit = transfer.from_unit if side == Side.SENDING else transfer.to_unit
    return user is None or unit_in_scope(user, unit)


def _require_side(transfer: Transfer, actor: User | None, side: str, why: str):
    if not transfer_acts_for(transfer=transfer, user=actor, side=side):
        raise PermissionDenied(why)


# Who may know the member ----------------------------------------------------


def transfer_member_known_q(user) -> Q | None:
    """Return the filter of transfers whose member ``user`` may know; None for all.

    The sending side knows its member; a member the sending side offered is
    shown to the receiving side; once moved, the member is the receiving
    side's own. A receiving side that asked sees nobody until then.
    """
    paths = staff_unit_paths(user)
    if paths is None:
        return None
    q = Q(proposer_side=Side.SENDING)
    for path in paths:
        q |= Q(from_unit__path__startswith=path)
        q |= Q(member__unit__path__startswith=path)
    return q


def transfers_with_member_known(queryset: QuerySet, *, user) -> QuerySet:
    """Annotate each transfer with ``member_known`` for ``user``."""
    q = transfer_member_known_q(user)
    if q is None:
        known = Value(True, output_field=BooleanField())
    else:
        known = Case(
            When(q, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    return queryset.annotate(member_known=known)


def transfer_member_label(transfer: Transfer) -> str:
    """Name the member, or only what the proposer knew, for a ``member_known`` row."""
    member = transfer.member
    if getattr(transfer, "member_known", False):
        return str(member)
    if transfer.to_employer_id and member.national_id:
        # The CCCD came in the proposer's own file.
        return _("A person with CCCD %(id)s, already a member of another unit") % {
            "id": member.national_id
        }
    if not transfer.to_employer_id and member.employee_code:
        # Same employer: the code came in the proposer's own file.
        return _("Employee %(code)s, already a member of another unit") % {
            "code": member.employee_code
        }
    return _("A member of another unit")


# Writes ---------------------------------------------------------------------


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
    """Offer a member to another unit (the sending side); the receiving unit accepts."""
    member = Member.objects.select_for_update().select_related("unit").get(pk=member.pk)
    require_unit_in_scope(actor, member.unit)
    transfer_check(member=member, to_unit=to_unit)
    transfer = Transfer(
        member=member,
        from_unit=member.unit,
        to_unit=to_unit,
        transfer_on=transfer_on,
        reason=nfc(reason),
        proposer_side=Side.SENDING,
        requested_by=actor,
    )
    transfer.full_clean()
    transfer.save()
    transfers_awaiting_notify(transfers=[transfer])
    return transfer


def _locked(transfer: Transfer) -> Transfer:
    """Return the transfer as stored, its row locked: two clicks decide it once."""
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("from_unit", "to_unit")
        .get(pk=transfer.pk)
    )


def _decide(transfer: Transfer, actor: User | None, state: str) -> Transfer:
    if transfer.state != Transfer.State.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
    transfer.state = state
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["state", "decided_by", "decided_at"])
    return transfer


@transaction.atomic
def transfer_confirm(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Release or accept: the side that did not propose completes the transfer.

    The member moves with their history (relatives, care cases).
    """
    transfer = _locked(transfer)
    _require_side(
        transfer,
        actor,
        transfer_deciding_side(transfer),
        _(
            "Only the other unit can confirm this transfer: the sending unit "
            "releases a member asked for, the receiving unit accepts one offered."
        ),
    )
    if transfer.state != Transfer.State.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
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
    return _decide(transfer, actor, Transfer.State.CONFIRMED)


@transaction.atomic
def transfer_reject(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Refuse a transfer (the side that did not propose); the member stays."""
    transfer = _locked(transfer)
    _require_side(
        transfer,
        actor,
        transfer_deciding_side(transfer),
        _("Only the other unit can refuse this transfer; its proposer withdraws it."),
    )
    return _decide(transfer, actor, Transfer.State.REJECTED)


@transaction.atomic
def transfer_cancel(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Withdraw a transfer before the other side decides (the proposing side)."""
    transfer = _locked(transfer)
    _require_side(
        transfer,
        actor,
        transfer.proposer_side,
        _("Only the unit that proposed this transfer can withdraw it."),
    )
    return _decide(transfer, actor, Transfer.State.CANCELLED)


# Who is told ----------------------------------------------------------------


def _officers_nearest(unit_ids: Iterable[int]) -> dict[int, list[int]]:
    """Return, for each unit, the active officers of it or of the nearest unit above.

    Officers higher up see the unit too, but are told only when nobody nearer is.
    """
    paths = dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    lineage = {pk: Unit.lineage_paths(path) for pk, path in paths.items()}
    roles = StaffRole.objects.filter(
        role=StaffRole.Role.OFFICER,
        user__is_active=True,
        unit__path__in={p for paths_ in lineage.values() for p in paths_},
    ).values_list("unit__path", "user_id")
    by_path = defaultdict(set)
    for path, user_id in roles:
        by_path[path].add(user_id)
    officers = {}
    for pk, paths_ in lineage.items():
        nearest = next((by_path[p] for p in reversed(paths_) if by_path[p]), set())
        officers[pk] = sorted(nearest)
    return officers


def transfers_awaiting_notify(*, transfers: list[Transfer]) -> int:
    """Tell the officers of the side that must act, once per officer and batch.

    The notice names nobody (it may go out by e-mail): the list shows the rest
    to those who may see it. Returns how many notifications were stored.
    """
    transfers = [t for t in transfers if t.state == Transfer.State.PENDING]
    if not transfers:
        return 0
    deciding = {t.pk: _side_unit_id(t, transfer_deciding_side(t)) for t in transfers}
    officers = _officers_nearest(deciding.values())
    waiting = defaultdict(list)
    for transfer in transfers:
        for user_id in officers[deciding[transfer.pk]]:
            waiting[user_id].append(transfer.pk)
    link = reverse("admin:members_transfer_changelist") + "?state__exact=pending"
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Open the transfers waiting for your unit, check each one, and "
            "confirm or refuse it."
        )
        targets = [
            ReminderTarget(
                recipient_id=user_id,
                # A batch of new transfers is named by its first one.
                dedupe_key=f"transfer-awaiting:{min(pks)}:{user_id}",
                title=ngettext(
                    "%(count)s transfer waits for your unit's decision",
                    "%(count)s transfers wait for your unit's decision",
                    len(pks),
                )
                % {"count": len(pks)},
                body=body,
                link=link,
            )
            for user_id, pks in waiting.items()
        ]
    return notifications_store(kind=AWAITING_KIND, targets=targets, mandatory=True)
