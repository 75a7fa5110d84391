"""Initiatives for the scope crawler: the officer's unit's own, and canaries beyond."""

import uuid
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from feedback import services
from feedback.models import (
    BenefitFollowUp,
    Initiative,
    InitiativeTarget,
    ReviewCriterion,
    ReviewRound,
)
from members.models import Member, User

Status = Initiative.Status


def _system_officer() -> User:
    """A superuser who takes the council's steps in every unit."""
    user, _created = User.objects.get_or_create(
        email="hoidong.sangkien@example.vn",
        defaults={"name": "Hội đồng sáng kiến", "is_staff": True, "is_superuser": True},
    )
    return user


def _initiatives_of(unit, member, label: str, today, *, coauthor=None) -> dict:
    """An initiative under review and a recognised one, in the unit; their strings."""
    member = Member.objects.get(pk=member.pk)
    chair = _system_officer()
    review_round = ReviewRound.objects.create(
        unit=unit,
        title=f"Canary Round {label}",
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )
    criterion = ReviewCriterion.objects.create(
        review_round=review_round, name=f"Canary Criterion {label}"
    )
    pending = services.initiative_submit(
        member=member,
        title=f"Canary Initiative {label}",
        problem=f"Canary Problem {label}",
        solution="Giải pháp",
        coauthors=[coauthor.employee_code] if coauthor else [],
        files=[
            SimpleUploadedFile(
                f"canary-{label.lower()}.pdf", b"%PDF canary", "application/pdf"
            )
        ],
        submission_key=uuid.uuid4(),
    )
    services.initiative_decide(
        initiative=pending,
        to_status=Status.UNDER_REVIEW,
        actor=chair,
        review_round=review_round,
    )
    services.review_scores_record(
        initiative=pending, reviewer=chair, scores={criterion.pk: 7}
    )
    # Recognised: its title is public within the union, its reasons are not.
    recognised = services.initiative_submit(
        member=member,
        title=f"Sáng kiến đã công nhận {unit.code}",
        problem="Vấn đề",
        solution="Giải pháp",
        submission_key=uuid.uuid4(),
    )
    services.initiative_decide(
        initiative=recognised,
        to_status=Status.UNDER_REVIEW,
        actor=chair,
        review_round=review_round,
    )
    services.initiative_decide(
        initiative=recognised,
        to_status=Status.RECOGNISED,
        actor=chair,
        evaluated_benefit_vnd=77_310_000,
        reason=f"Canary Reason {label}",
        on=today - timedelta(days=200),
    )
    BenefitFollowUp.objects.filter(initiative=recognised, months=6).update(
        note=f"Canary Benefit Note {label}"
    )
    InitiativeTarget.objects.create(
        unit=unit, year=today.year, recognised_count=10, benefit_vnd=1_000_000_000
    )
    return {
        "initiative": pending.title,
        "initiative problem": pending.problem,
        "initiative attachment": f"canary-{label.lower()}.pdf",
        "review round": review_round.title,
        "review criterion": criterion.name,
        "decision reason": f"Canary Reason {label}",
    }


def initiatives_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make initiatives of the officer's unit and of the canary units."""
    _initiatives_of(
        tree.vnpt_hn, tree.own_member, "Own", tree.today, coauthor=tree.group_member
    )
    return {
        "sibling": {
            f"initiatives {key}": value
            for key, value in _initiatives_of(
                tree.vnpt_hcm, tree.sibling.member, "Sibling", tree.today
            ).items()
        },
        "cousin": {
            f"initiatives {key}": value
            for key, value in _initiatives_of(
                tree.vtc_dt, tree.cousin.member, "Cousin", tree.today
            ).items()
        },
    }
