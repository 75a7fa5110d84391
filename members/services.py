"""Writes to the register: each a function with keyword arguments, one transaction."""

from datetime import date

from django.db import transaction

from members.models import Member, Unit
from members.text import fold, nfc


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Unit | None = None,
    is_employer: bool = False,
) -> Unit:
    """Create a unit under ``parent``, or as a root of the tree when it is None."""
    fields = {
        "code": nfc(code),
        "name": nfc(name),
        "level": level,
        "is_employer": is_employer,
    }
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(parent, fields)


def _member_build(
    *,
    employer: Unit,
    employee_code: str,
    unit: Unit,
    full_name: str,
    national_id: str | None = None,
    date_of_birth: date | None = None,
    gender: str = "",
    phone: str = "",
    email: str = "",
    position: str = "",
    union_joined_on: date | None = None,
    card_number: str = "",
) -> Member:
    """Return an unsaved, validated member with its text normalised to NFC."""
    full_name = nfc(full_name)
    member = Member(
        employer=employer,
        employee_code=nfc(employee_code),
        unit=unit,
        full_name=full_name,
        full_name_folded=fold(full_name),
        national_id=national_id or None,
        date_of_birth=date_of_birth,
        gender=gender,
        phone=phone,
        email=email.lower(),
        position=nfc(position),
        union_joined_on=union_joined_on,
        card_number=card_number,
    )
    member.full_clean(validate_unique=False, validate_constraints=False)
    return member


@transaction.atomic
def member_create(**fields) -> Member:
    """Create one member; the database's constraints keep one person one member."""
    member = _member_build(**fields)
    member.validate_unique()
    member.validate_constraints()
    member.save()
    return member


@transaction.atomic
def members_bulk_create(*, rows: list[dict], batch_size: int = 1000) -> list[Member]:
    """Create many members in batches; a duplicate key fails the whole call."""
    members = [_member_build(**row) for row in rows]
    return Member.objects.bulk_create(members, batch_size=batch_size)
