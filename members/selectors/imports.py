"""Reads of HRM imports that the admin and the staff home reuse."""

from members.models import HrmDepartment, Unit


def departments_mapped(*, employer: Unit, limit: int = 2) -> list[tuple[str, str]]:
    """Return (code, name) of a few of an employer's departments mapped to a unit."""
    return list(
        HrmDepartment.objects.filter(employer=employer, unit__isnull=False)
        .order_by("code")
        .values_list("code", "name")[:limit]
    )
