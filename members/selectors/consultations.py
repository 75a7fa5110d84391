"""Reads of consultations for the portal: the member's own requests."""

from django.db.models import QuerySet
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
