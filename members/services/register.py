"""Units and members: create, move, normalise and save."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members.cache import REGISTER, cache_bump_on_commit
from members.identifiers import national_id_clean, phone_clean
from members.models import Member, Unit, User, birthday_key
from members.scope import require_unit_in_scope
from members.text import fold, nfc

MEMBER_TEXT_FIELDS = ("employee_code", "full_name", "position", "employment_status")


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Unit | None = None,
    is_employer: bool = False,
    employer_name: str = "",
    actor: User | None = None,
) -> Unit:
    """Create a unit under ``parent``, or as a root of the tree when it is None.

    An employer without ``employer_name`` is named by its union's name with
    the union's words taken off (``Unit.employer_name_from``).
    """
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise PermissionDenied(_("Only an administrator can add a top-level unit."))
    else:
        require_unit_in_scope(actor, parent)
    fields = {
        "code": nfc(code),
        "name": nfc(name),
        "level": level,
        "is_employer": is_employer,
        "employer_name": nfc(employer_name)
        or (Unit.employer_name_from(name) if is_employer else ""),
    }
    if Unit.objects.filter(code=fields["code"]).exists():
        raise ValidationError({"code": _("A unit with this code already exists.")})
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(Unit.objects.get(pk=parent.pk), fields)


@transaction.atomic
def unit_move(*, unit: Unit, new_parent: Unit, actor: User | None = None) -> Unit:
    """Move a unit with its whole subtree under another unit."""
    require_unit_in_scope(actor, unit)
    require_unit_in_scope(actor, new_parent)
    unit = Unit.objects.get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(unit.path):
        raise ValidationError(_("A unit cannot move under itself or its own subtree."))
    Unit.objects.move(unit, new_parent, "sorted-child")
    return Unit.objects.get(pk=unit.pk)


def unit_employer(unit: Unit) -> Unit | None:
    """Return the nearest unit at or above ``unit`` that is an employer."""
    # The stored path: a unit held in memory may predate a move of its subtree.
    path = Unit.objects.values_list("path", flat=True).get(pk=unit.pk)
    return (
        Unit.objects.filter(path__in=Unit.lineage_paths(path), is_employer=True)
        .order_by("-depth")
        .first()
    )


def member_normalise(member: Member) -> Member:
    """Clean a member's fields in place: NFC text, CCCD, phone, search and birthday.

    Raises ValidationError keyed by field, with every problem found.
    """
    errors = {}
    for field in MEMBER_TEXT_FIELDS:
        setattr(member, field, nfc(getattr(member, field)))
    member.full_name_folded = fold(member.full_name)
    member.email = (member.email or "").strip().lower()
    member.card_number = nfc(member.card_number)
    member.birthday_key = birthday_key(member.date_of_birth)
    # The retention period of a member who left runs from this date.
    if member.status == Member.Status.LEFT:
        member.left_on = member.left_on or timezone.localdate()
    else:
        member.left_on = None
    if member.national_id:
        try:
            member.national_id = national_id_clean(
                member.national_id,
                date_of_birth=member.date_of_birth,
                gender=member.gender,
            )
        except ValidationError as error:
            errors["national_id"] = error.messages
    else:
        member.national_id = None
    if member.phone:
        try:
            member.phone = phone_clean(member.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if member.unit_id and not member.employer_id:
        member.employer = unit_employer(member.unit)
        if member.employer is None:
            errors["unit"] = [_("No employer unit lies above this unit.")]
    if member.unit_id and member.unit.level not in {
        Unit.Level.GRASSROOTS,
        Unit.Level.GROUP,
    }:
        errors["unit"] = [_("A member belongs to a grassroots union or a union group.")]
    if errors:
        raise ValidationError(errors)
    return member


@transaction.atomic
def member_save(*, member: Member, actor: User | None = None) -> Member:
    """Save a new or changed member, normalised and validated.

    A member changes unit only through a transfer, never by an edit.
    """
    if member.pk is not None:
        stored_unit = Member.objects.filter(pk=member.pk).values_list("unit", flat=True)
        if stored_unit.first() != member.unit_id:
            raise ValidationError(
                {"unit": _("A member changes unit through a transfer, not an edit.")}
            )
    require_unit_in_scope(actor, member.unit)
    member_normalise(member)
    member.full_clean()
    member.save()
    return member


def member_create(*, actor: User | None = None, **fields) -> Member:
    """Create one member; the database's constraints keep one person one member."""
    return member_save(member=Member(**fields), actor=actor)


@transaction.atomic
def members_bulk_create(*, rows: list[dict], batch_size: int = 1000) -> list[Member]:
    """Create many members in batches; a duplicate key fails the whole call."""
    members = []
    for row in rows:
        member = member_normalise(Member(**row))
        member.full_clean(validate_unique=False, validate_constraints=False)
        members.append(member)
    created = Member.objects.bulk_create(members, batch_size=batch_size)
    # Bulk writes send no signal (members.receivers.register).
    cache_bump_on_commit(REGISTER)
    return created
