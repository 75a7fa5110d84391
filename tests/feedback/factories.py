"""Builders of feedback test data: surveys, their questions, members answering."""

from datetime import timedelta

from django.utils import timezone

from feedback import services
from feedback.models import Survey, SurveyQuestion
from feedback.services.surveys import GivenAnswer
from members.models import Member, Unit
from tests.members.factories import make_member

Kind = SurveyQuestion.Kind


def make_survey(
    *,
    owner_unit: Unit,
    audience: tuple[Unit, ...] = (),
    title: str = "Khảo sát điều kiện làm việc",
    anonymous: bool = True,
    k_min: int = 5,
    k_text: int = 5,
    days_left: int = 10,
    questions: tuple = (),
) -> Survey:
    """A published survey open now; ``questions``: (kind, text, choices) triples."""
    now = timezone.now()
    survey = Survey.objects.create(
        title=title,
        owner_unit=owner_unit,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=days_left),
        status=Survey.Status.PUBLISHED,
        anonymous=anonymous,
        k_min=k_min,
        k_text=k_text,
    )
    survey.audience_units.set(audience or (owner_unit,))
    for order, (kind, text, choices) in enumerate(
        questions
        or (
            (Kind.SINGLE, "Anh/chị làm ca nào?", "Ca ngày\nCa đêm"),
            (Kind.SCALE, "Mức hài lòng?", ""),
            (Kind.LONG_TEXT, "Ý kiến khác?", ""),
        ),
        start=1,
    ):
        SurveyQuestion.objects.create(
            survey=survey, order=order, kind=kind, text=text, choices=choices
        )
    return survey


def question(survey: Survey, order: int) -> SurveyQuestion:
    return survey.questions.get(order=order)


def members_of(unit: Unit, count: int, *, name: str = "Đoàn viên") -> list[Member]:
    return [
        make_member(unit=unit, full_name=f"{name} {index}", phone="", national_id="")
        for index in range(count)
    ]


def answer(survey: Survey, member: Member, **by_order) -> None:
    """Answer through the service: ``q1=0`` (a choice), ``q2=4``, ``q3="text"``."""
    given = {}
    for key, value in by_order.items():
        q = question(survey, int(key[1:]))
        if q.kind in SurveyQuestion.CHOICE_KINDS:
            choices = tuple(value) if isinstance(value, (list, tuple)) else (value,)
            given[q.pk] = GivenAnswer(q.pk, choices=choices)
        elif q.kind in SurveyQuestion.NUMBER_KINDS:
            given[q.pk] = GivenAnswer(q.pk, number=value)
        else:
            given[q.pk] = GivenAnswer(q.pk, text=value)
    services.survey_answer(survey=survey, member=member, given=given)
