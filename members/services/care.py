"""Care cases and the visits and support logged in them."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import CareCase, CareVisit, Member, Relative, User
from members.scope import require_unit_in_scope
from members.text import nfc


@transaction.atomic
def care_case_open(
    *,
    member: Member,
    kind: str,
    summary: str,
    opened_on: date | None = None,
    relative: Relative | None = None,
    details: str = "",
    follow_up_on: date | None = None,
    actor: User | None = None,
) -> CareCase:
    """Open a care case for a member, or for one of the member's relatives."""
    require_unit_in_scope(actor, member.unit)
    if relative is not None and relative.member_id != member.pk:
        raise ValidationError(
            {"relative": _("This relative belongs to another member.")}
        )
    case = CareCase(
        member=member,
        relative=relative,
        kind=kind,
        summary=nfc(summary),
        details=(details or "").strip(),
        opened_on=opened_on or timezone.localdate(),
        follow_up_on=follow_up_on,
        created_by=actor,
    )
    case.full_clean()
    case.save()
    return case


@transaction.atomic
def care_visit_log(
    *,
    case: CareCase,
    visited_on: date,
    visited_by: str,
    amount: int = 0,
    note: str = "",
    actor: User | None = None,
) -> CareVisit:
    """Record a visit or support in a case and move its last-visit date."""
    case = (
        CareCase.objects.select_for_update()
        .select_related("member__unit")
        .get(pk=case.pk)
    )
    require_unit_in_scope(actor, case.member.unit)
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("A visit cannot be in the future.")})
    if visited_on < case.opened_on:
        raise ValidationError(
            {"visited_on": _("A visit cannot come before the case was opened.")}
        )
    visit = CareVisit(
        case=case,
        visited_on=visited_on,
        visited_by=nfc(visited_by),
        amount=amount,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    visit.full_clean()
    visit.save()
    if case.last_visit_on is None or visited_on > case.last_visit_on:
        case.last_visit_on = visited_on
        case.save(update_fields=["last_visit_on"])
    return visit


@transaction.atomic
def care_case_close(
    *, case: CareCase, closed_on: date | None = None, actor: User | None = None
) -> CareCase:
    """Close a care case; its visits stay."""
    require_unit_in_scope(actor, case.member.unit)
    case.status = CareCase.Status.CLOSED
    case.closed_on = closed_on or timezone.localdate()
    if case.closed_on < case.opened_on:
        raise ValidationError({"closed_on": _("A case cannot close before it opened.")})
    case.save(update_fields=["status", "closed_on"])
    return case


@transaction.atomic
def care_case_reopen(*, case: CareCase, actor: User | None = None) -> CareCase:
    """Open a closed care case again."""
    require_unit_in_scope(actor, case.member.unit)
    case.status = CareCase.Status.OPEN
    case.closed_on = None
    case.save(update_fields=["status", "closed_on"])
    return case
