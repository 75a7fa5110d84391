"""Reads of consultations for the portal: the member's own requests."""

from django.db.models import QuerySet

from members.models import ConsultationRequest
from members.scope import scoped


def my_consultations(*, user) -> QuerySet[ConsultationRequest]:
    """Return the person's own consultation requests, newest first."""
    return scoped(ConsultationRequest.objects.all(), user, portal=True).order_by(
        "-created_at", "-pk"
    )
