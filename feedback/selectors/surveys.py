"""Reads of surveys: what a member may answer, the home's block, staff counts.

The results, under k-suppression, are in ``survey_results`` (a sub-topic).
"""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models.surveys import (
    Survey,
    SurveyParticipation,
    SurveyQuestion,
)
from members.models import Member, Unit
from members.scope import scoped

# Members who may answer: not those who left, retired or moved away.
ANSWERING_STATUSES = (Member.Status.ACTIVE, Member.Status.DUES_EXEMPT)
CACHE_SECONDS = 24 * 3600
YES_NO = {1: "yes", 0: "no"}


# What members may answer -----------------------------------------------------------


def surveys_open_q(*, now=None) -> Q:
    now = now or timezone.now()
    return Q(status=Survey.Status.PUBLISHED, opens_at__lte=now, closes_at__gt=now)


def surveys_open_to(*, member: Member) -> QuerySet[Survey]:
    """Return the open surveys whose audience takes the member in."""
    if member.status not in ANSWERING_STATUSES:
        return Survey.objects.none()
    lineage = Unit.lineage_paths(member.unit.path)
    meant = Survey.objects.filter(audience_units__path__in=lineage).values("pk")
    return Survey.objects.filter(surveys_open_q(), pk__in=meant)


def survey_open_to(*, survey: Survey, member: Member) -> bool:
    return surveys_open_to(member=member).filter(pk=survey.pk).exists()


def member_surveys(*, member: Member) -> list[Survey]:
    """Return the open surveys for the member, each marked ``answered``."""
    taken = SurveyParticipation.objects.filter(survey=OuterRef("pk"), member=member)
    return list(
        surveys_open_to(member=member)
        .annotate(answered=Exists(taken))
        .order_by("answered", "closes_at", "pk")
    )


def survey_for_member(*, member: Member, survey_id: int) -> Survey | None:
    """Return an open survey meant for the member, or None."""
    taken = SurveyParticipation.objects.filter(survey=OuterRef("pk"), member=member)
    return (
        surveys_open_to(member=member)
        .filter(pk=survey_id)
        .annotate(answered=Exists(taken))
        .first()
    )


def surveys_home_block(*, user) -> dict | None:
    """The home's block of open surveys the person has not answered yet."""
    member = getattr(user, "member", None)
    if member is None:
        return None
    waiting = [s for s in member_surveys(member=member) if not s.answered]
    if not waiting:
        return None
    return {
        "template": "feedback/surveys/home_block.html",
        "order": 25,
        "surveys": waiting[:3],
        "count": len(waiting),
    }


def member_actions(*, member: Member):
    """The published actions of the surveys the member took part in."""
    from feedback.models.surveys import SurveyAction

    taken = SurveyParticipation.objects.filter(member=member).values("survey_id")
    return (
        SurveyAction.objects.filter(published_at__isnull=False, survey_id__in=taken)
        .select_related("survey")
        .order_by("-published_at", "pk")
    )


def question_applies(
    *, question: SurveyQuestion, given: dict, questions: list[SurveyQuestion]
) -> bool:
    """Return whether a question is asked, given the answers to earlier ones."""
    if question.show_if_question_id is None:
        return True
    by_id = {q.pk: q for q in questions}
    parent = by_id.get(question.show_if_question_id)
    if parent is None:
        return True
    if not question_applies(question=parent, given=given, questions=questions):
        return False
    answer = given.get(parent.pk)
    if answer is None:
        return False
    return question.show_if_answer.strip().casefold() in answer_labels(
        question=parent, answer=answer
    )


def answer_labels(*, question: SurveyQuestion, answer) -> set[str]:
    """The answer's values as a branching condition names them (casefolded)."""
    if question.kind in SurveyQuestion.CHOICE_KINDS:
        labels = question.choice_list
        return {labels[i].casefold() for i in answer.choices if 0 <= i < len(labels)}
    if question.kind == SurveyQuestion.Kind.YES_NO and answer.number in YES_NO:
        label = _("Yes") if answer.number == 1 else _("No")
        return {YES_NO[answer.number], label.casefold()}
    if answer.number is not None:
        return {str(answer.number)}
    return set()


# Staff -------------------------------------------------------------------------------


def surveys_closing(*, user, today: date, days: int = 7) -> int:
    """Count the published surveys of the user's scope closing in ``days`` days."""
    now = timezone.now()
    return (
        scoped(Survey.objects.all(), user)
        .filter(
            status=Survey.Status.PUBLISHED,
            closes_at__gt=now,
            closes_at__lt=now + timedelta(days=days),
        )
        .count()
    )
