"""Reads of quiz results: a member's grade is their best attempt."""

from decimal import Decimal

from django.db.models import Max

from learning.models import Attempt, Quiz
from members.models import Member


def quiz_grade(*, member: Member, quiz: Quiz) -> Decimal | None:
    """Return the member's best score at the quiz, None before a submitted attempt."""
    return Attempt.objects.filter(
        member=member, quiz=quiz, submitted_at__isnull=False
    ).aggregate(best=Max("score"))["best"]
