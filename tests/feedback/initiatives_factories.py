"""Initiatives for tests: submitted through the service, moved on by officers."""

import uuid
from datetime import date

from feedback import services
from feedback.models import Initiative, ReviewCriterion, ReviewRound
from members.models import Unit


def make_initiative(*, member, title: str, coauthors=(), **fields) -> Initiative:
    """Submit an initiative as ``member``; problem and solution get defaults."""
    defaults = {
        "problem": f"Vấn đề của {title}",
        "solution": f"Giải pháp của {title}",
        "applied_where": "Phòng Kỹ thuật",
        "expected_benefit_vnd": 50_000_000,
    }
    return services.initiative_submit(
        member=member,
        title=title,
        coauthors=coauthors,
        submission_key=uuid.uuid4(),
        **{**defaults, **fields},
    )


def make_round(*, unit: Unit, title: str = "Hội đồng sáng kiến 2026") -> ReviewRound:
    review_round = ReviewRound.objects.create(
        unit=unit, title=title, opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31)
    )
    ReviewCriterion.objects.create(review_round=review_round, name="Tính mới", order=1)
    ReviewCriterion.objects.create(
        review_round=review_round, name="Hiệu quả", max_score=20, order=2
    )
    return review_round


def recognise(initiative, *, officer, review_round, benefit=120_000_000, on=None):
    """Move an initiative through the council to recognition."""
    services.initiative_decide(
        initiative=initiative,
        to_status=Initiative.Status.UNDER_REVIEW,
        actor=officer,
        review_round=review_round,
    )
    return services.initiative_decide(
        initiative=initiative,
        to_status=Initiative.Status.RECOGNISED,
        actor=officer,
        evaluated_benefit_vnd=benefit,
        reason="Có tính mới, áp dụng được",
        on=on,
    )
