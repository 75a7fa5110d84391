"""Staff roles: who sees which part of the tree."""

from django.db import transaction

from members.models import StaffRole, Unit, User
from members.scope import require_unit_in_scope, scope_forget


@transaction.atomic
def staff_role_grant(
    *, user: User, unit: Unit, role: str, actor: User | None = None
) -> StaffRole:
    """Give a user a role in a unit; it makes them staff for that subtree."""
    require_unit_in_scope(actor, unit)
    staff_role, _created = StaffRole.objects.get_or_create(
        user=user, unit=unit, role=role
    )
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    scope_forget(user)
    return staff_role


@transaction.atomic
def staff_role_revoke(*, staff_role: StaffRole, actor: User | None = None) -> None:
    """Take a role away; a user left with no role loses the admin."""
    require_unit_in_scope(actor, staff_role.unit)
    user = staff_role.user
    staff_role.delete()
    if not user.is_superuser and not user.staff_roles.exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    scope_forget(user)
