"""Reads of activities, findings and recommendations, through the scope."""

from datetime import date, timedelta

from django.db.models import Q, QuerySet

from inspections.models import Activity, Finding, Recommendation
from members.scope import scoped


def recommendations_overdue(*, user, today: date, queryset=None) -> QuerySet:
    """Recommendations in the user's scope past due, the unit still to act.

    ``queryset``: rows already scoped (the admin's changelist) to narrow.
    """
    overdue = Q(status__in=Recommendation.WAITING_ON_UNIT, due_date__lt=today)
    if queryset is not None:
        return queryset.filter(overdue)
    return scoped(Recommendation.objects.filter(overdue), user)


def recommendations_overdue_page(*, user, today: date, limit: int = 100) -> list:
    """The overdue list's first page: oldest due first, with unit and owner."""
    return list(
        recommendations_overdue(user=user, today=today)
        .select_related("inspected_unit", "inspecting_unit", "owner")
        .order_by("due_date", "pk")[:limit]
    )


def recommendations_overdue_naive(*, user, today: date, limit: int = 100) -> list:
    """The same page read row by row: the benchmark's baseline only."""
    rows = []
    queryset = scoped(Recommendation.objects.all(), user).order_by("due_date", "pk")
    for recommendation in queryset.iterator():
        if (
            recommendation.status in Recommendation.WAITING_ON_UNIT
            and recommendation.due_date < today
        ):
            rows.append(
                (
                    recommendation,
                    recommendation.inspected_unit.name,
                    recommendation.owner.email,
                )
            )
            if len(rows) >= limit:
                break
    return rows


def activities_week(*, user, today: date) -> QuerySet:
    """Activities in the user's scope starting in the coming seven days."""
    return scoped(
        Activity.objects.filter(
            status__in=(Activity.Status.PLANNED, Activity.Status.IN_PROGRESS),
            planned_start__gte=today,
            planned_start__lt=today + timedelta(days=7),
        ),
        user,
    )


def activities_of_person(*, user) -> QuerySet:
    """The activities the person leads, is on the team of, or answers for."""
    return scoped(Activity.objects.all(), user, portal=True).select_related(
        "inspected_unit", "inspecting_unit"
    )


def activity_for_person(*, user, pk: int) -> Activity | None:
    return activities_of_person(user=user).filter(pk=pk).first()


def recommendations_of_owner(*, user) -> QuerySet:
    return scoped(Recommendation.objects.all(), user, portal=True).select_related(
        "finding__activity", "inspecting_unit"
    )


def findings_repeated(*, user) -> QuerySet:
    return scoped(Finding.objects.filter(repeated_of__isnull=False), user)
