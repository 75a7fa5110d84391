"""Reads of consultations: the member's own requests, and what waits for staff."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from members.models import ConsultationRequest
from members.scope import scoped


def my_consultations(*, user) -> QuerySet[ConsultationRequest]:
    """Return the person's own consultation requests, newest first."""
    return scoped(ConsultationRequest.objects.all(), user, portal=True).order_by(
        "-created_at", "-pk"
    )


def consultation_home_block(*, user) -> dict | None:
    """Return the home's block of the person's next appointment, if one is made."""
    upcoming = (
        my_consultations(user=user)
        .filter(
            status=ConsultationRequest.Status.SCHEDULED,
            scheduled_at__gte=timezone.now(),
        )
        .order_by("scheduled_at", "pk")
        .first()
    )
    if upcoming is None:
        return None
    return {
        "template": "members/consultations/home_block.html",
        "order": 20,
        "consultation": upcoming,
    }


def consultations_waiting(*, user, today: date, days: int = 7) -> dict[str, int]:
    """Return the user's requests to schedule, and appointments in ``days`` days."""
    status = ConsultationRequest.Status
    return scoped(ConsultationRequest.objects.all(), user).aggregate(
        requested=Count("pk", filter=Q(status=status.REQUESTED)),
        this_week=Count("pk", filter=appointments_q(today=today, days=days)),
    )


def appointments_q(*, today: date, days: int = 7) -> Q:
    """Return the filter of appointments from today to ``days`` days ahead."""
    start = timezone.make_aware(datetime.combine(today, time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=days), time.min))
    return Q(
        status=ConsultationRequest.Status.SCHEDULED,
        scheduled_at__gte=start,
        scheduled_at__lt=end,
    )
