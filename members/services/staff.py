"""Staff roles: who sees which part of the tree, and what they may do there.

A role gives a user two things: the scope (the subtree of the unit, see
members.scope) and a permission group, one per role. Each app declares, on its
AppConfig, ``staff_role_permissions = {role: ["view_member", ...]}`` with
codenames of its own models; the groups are kept in step after ``migrate``.
Admins may add permissions to a group in the admin; installing never removes any.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from members.models import AuditEvent, StaffRole, Unit, User
from members.scope import require_unit_in_scope, scope_forget
from members.services.audit import audit_record


def role_group(role: str) -> Group:
    """Return the permission group of a role, named the same in every language."""
    group, _created = Group.objects.get_or_create(name=f"role:{StaffRole.Role(role)}")
    return group


@transaction.atomic
def role_groups_install(*, app_label: str | None = None) -> None:
    """Give each role's group the permissions the apps declare (or one app's)."""
    configs = [apps.get_app_config(app_label)] if app_label else apps.get_app_configs()
    for config in configs:
        for role, codenames in getattr(config, "staff_role_permissions", {}).items():
            permissions = Permission.objects.filter(
                content_type__app_label=config.label, codename__in=codenames
            )
            role_group(role).permissions.add(*permissions)


@transaction.atomic
def staff_role_grant(
    *, user: User, unit: Unit, role: str, actor: User | None = None
) -> StaffRole:
    """Give a user a role in a unit: staff status, its group, the unit's subtree."""
    require_unit_in_scope(actor, unit)
    staff_role, created = StaffRole.objects.get_or_create(
        user=user, unit=unit, role=role
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.ROLE_GRANTED,
            obj=staff_role,
            detail={"role": role, "user": user.pk},
        )
    user.groups.add(role_group(role))
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
    role = staff_role.role
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ROLE_REVOKED,
        obj=staff_role,
        detail={"role": role, "user": user.pk},
    )
    staff_role.delete()
    if not user.staff_roles.filter(role=role).exists():
        user.groups.remove(role_group(role))
    if not user.is_superuser and not user.staff_roles.exists():
        user.is_staff = False
        user.save(update_fields=["is_staff"])
    scope_forget(user)
