"""Reads of HRM imports that the admin and the staff home reuse."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from members.models import HrmDepartment, ImportHeldRow, ImportRun, Unit
from members.scope import scoped

RUNS_WAITING = (
    ImportRun.Status.QUEUED,
    ImportRun.Status.RUNNING,
    ImportRun.Status.NEEDS_CONFIRMATION,
)
RUNS_FAILED = (ImportRun.Status.REFUSED, ImportRun.Status.FAILED)
# A refused or failed run stays on the staff home this long.
FAILED_RECENT_DAYS = 7


def departments_mapped(*, employer: Unit, limit: int = 2) -> list[tuple[str, str]]:
    """Return (code, name) of a few of an employer's departments mapped to a unit."""
    return list(
        HrmDepartment.objects.filter(employer=employer, unit__isnull=False)
        .order_by("code")
        .values_list("code", "name")[:limit]
    )


def held_rows_open_count(*, user) -> int:
    """Return how many held rows of the user's employers wait for a review."""
    return (
        scoped(ImportHeldRow.objects.all(), user)
        .filter(status=ImportHeldRow.Status.OPEN)
        .count()
    )


def import_runs_attention_q(*, today: date) -> Q:
    """Return the filter of runs someone should look at.

    Those not finished (queued, running, stopped at the safety limits for a
    confirmation) and those refused or failed in the last
    ``FAILED_RECENT_DAYS`` days.
    """
    since = timezone.make_aware(
        datetime.combine(today - timedelta(days=FAILED_RECENT_DAYS), time.min)
    )
    return Q(status__in=RUNS_WAITING) | Q(status__in=RUNS_FAILED, created_at__gte=since)


def import_runs_attention(*, user, today: date) -> dict[str, int]:
    """Return how many of the user's runs wait and how many failed lately."""
    return scoped(ImportRun.objects.all(), user).aggregate(
        waiting=Count("pk", filter=Q(status__in=RUNS_WAITING)),
        failed=Count(
            "pk",
            filter=import_runs_attention_q(today=today) & Q(status__in=RUNS_FAILED),
        ),
    )
