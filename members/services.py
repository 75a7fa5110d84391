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
        return Unit.add_root(**fields)
    return parent.add_child(**fields)


@transaction.atomic
def member_create(
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
    """Create a member, with the name stored in NFC and its folded search form."""
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
    member.full_clean()
    member.save()
    return member
