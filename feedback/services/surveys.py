"""Writes of surveys: the builder's rules, answering, themes, actions, reminders.

Answering writes the participation and the response in one transaction and
logs nothing of the answers; an anonymous survey's participation never points
at its response. Task arguments are ids only.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models.surveys import (
    Survey,
    SurveyAction,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
)
from feedback.selectors.survey_results import survey_family
from feedback.selectors.surveys import (
    question_applies,
    survey_open_to,
)
from members.cache import cache_bump_on_commit
from members.models import AuditEvent, Member, Unit
from members.queue import enqueue_on_commit
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import notify
from members.signals import survey_answered
from members.text import nfc

__all__ = [
    "action_notify",
    "action_publish",
    "survey_answer",
    "survey_audience_check",
    "survey_loosening_errors",
    "survey_tighten",
]

logger = logging.getLogger(__name__)

# Longest free-text answers kept.
TEXT_MAX = {
    SurveyQuestion.Kind.SHORT_TEXT: 300,
    SurveyQuestion.Kind.LONG_TEXT: 4000,
}


# The builder ------------------------------------------------------------------


def survey_loosening_errors(
    *, survey: Survey, anonymous: bool, k_min: int, k_text: int
) -> dict[str, str]:
    """Return the fields whose change would loosen a survey that has responses.

    Read from the database, not the instance the form filled: once a response
    exists an anonymous survey stays anonymous and k may only grow.
    """
    if survey.pk is None:
        return {}
    # Locks the survey's row until the builder's transaction ends: a first
    # response (which bumps the row's count) waits, so none slips in between.
    stored = (
        Survey.objects.select_for_update()
        .filter(pk=survey.pk)
        .values("anonymous", "k_min", "k_text")
        .first()
    )
    answered = SurveyResponse.objects.filter(survey_id=survey.pk).exists()
    if stored is None or not answered:
        return {}
    errors = {}
    if stored["anonymous"] and not anonymous:
        errors["anonymous"] = _(
            "This survey has responses: it stays anonymous, as its respondents "
            "were promised."
        )
    if k_min < stored["k_min"]:
        errors["k_min"] = _(
            "This survey has responses: the minimum group size may not go below %(k)s."
        ) % {"k": stored["k_min"]}
    if k_text < stored["k_text"]:
        errors["k_text"] = _(
            "This survey has responses: the minimum group size for free text may "
            "not go below %(k)s."
        ) % {"k": stored["k_text"]}
    return errors


def survey_audience_check(*, user, owner_unit: Unit, units) -> None:
    """Refuse an owner or audience unit outside the user's scope."""
    require_unit_in_scope(user, owner_unit)
    for unit in units:
        require_unit_in_scope(user, unit)


@transaction.atomic
def survey_tighten(*, survey: Survey) -> None:
    """Unlink the responses of a named survey made anonymous (tightening is allowed)."""
    if survey.anonymous:
        SurveyParticipation.objects.filter(
            survey=survey, response__isnull=False
        ).update(response=None)


# Answering --------------------------------------------------------------------


@dataclass(frozen=True)
class GivenAnswer:
    """One question's answer as the form cleaned it: choices, a number or a text."""

    question_id: int
    choices: tuple[int, ...] = ()
    number: int | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.choices and self.number is None and not self.text


def _answer_rows(
    *, questions: list[SurveyQuestion], given: dict[int, GivenAnswer]
) -> list[SurveyAnswer]:
    """Check each answer against its question and the branching; return the rows."""
    unknown = set(given) - {question.pk for question in questions}
    if unknown:
        raise ValidationError(_("Some answers are for questions of another survey."))
    rows: list[SurveyAnswer] = []
    for question in questions:
        answer = given.get(question.pk) or GivenAnswer(question_id=question.pk)
        if not question_applies(question=question, given=given, questions=questions):
            # A hidden question's answer is dropped, never stored.
            continue
        if answer.empty:
            if question.required:
                raise ValidationError(
                    _("Answer the question “%(question)s”.")
                    % {"question": question.text}
                )
            continue
        rows.extend(_rows_of(question=question, answer=answer))
    return rows


def _rows_of(*, question: SurveyQuestion, answer: GivenAnswer) -> list[SurveyAnswer]:
    kind = SurveyQuestion.Kind
    wrong = ValidationError(
        _("The answer to “%(question)s” is not one it takes.")
        % {"question": question.text}
    )
    if question.kind in SurveyQuestion.CHOICE_KINDS:
        count = len(question.choice_list)
        choices = answer.choices
        if (
            not choices
            or answer.number is not None
            or answer.text
            or len(set(choices)) != len(choices)
            or any(not 0 <= c < count for c in choices)
            or (question.kind == kind.SINGLE and len(choices) != 1)
        ):
            raise wrong
        return [SurveyAnswer(question=question, choice=c) for c in sorted(choices)]
    if question.kind in SurveyQuestion.NUMBER_KINDS:
        allowed = range(1, 6) if question.kind == kind.SCALE else (0, 1)
        if answer.choices or answer.text or answer.number not in allowed:
            raise wrong
        return [SurveyAnswer(question=question, number=answer.number)]
    text = nfc(answer.text).strip()
    if (
        answer.choices
        or answer.number is not None
        or len(text) > TEXT_MAX[question.kind]
    ):
        raise wrong
    return [SurveyAnswer(question=question, text=text)] if text else []


def survey_answer(
    *, survey: Survey, member: Member, given: dict[int, GivenAnswer]
) -> None:
    """Store the member's answers to the survey, once, unlinkably if anonymous.

    The participation and the response are written in one transaction; a
    second submission (another tab, a double click, a concurrent request) finds
    the participation's unique key taken and changes nothing. Refusals are
    logged with the survey's id and the reason, never with an answer.
    """
    if not survey_open_to(survey=survey, member=member):
        logger.warning(
            "survey %s: refused an answer: not open to the member", survey.pk
        )
        raise ValidationError(_("This survey is not open to you."))
    if SurveyParticipation.objects.filter(survey=survey, member=member).exists():
        raise ValidationError(_("You have already answered this survey."))
    questions = list(survey.questions.order_by("order", "pk"))
    try:
        rows = _answer_rows(questions=questions, given=given)
    except ValidationError:
        logger.warning("survey %s: refused an answer: invalid answers", survey.pk)
        raise
    try:
        with transaction.atomic():
            _answer_write(survey=survey, member=member, rows=rows)
    except IntegrityError as error:
        logger.warning("survey %s: refused an answer: answered already", survey.pk)
        raise ValidationError(_("You have already answered this survey.")) from error


def _answer_write(*, survey: Survey, member: Member, rows: list[SurveyAnswer]) -> None:
    # The participation first: its unique key is the claim, a second writer
    # waits on it and fails, so no second response is ever written.
    participation = SurveyParticipation.objects.create(survey=survey, member=member)
    response = SurveyResponse.objects.create(
        survey=survey, unit_id=member.unit_id, submitted_on=timezone.localdate()
    )
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows, batch_size=500)
    if not survey.anonymous:
        participation.response = response
        participation.save(update_fields=["response"])
    Survey.objects.filter(pk=survey.pk).update(response_count=F("response_count") + 1)
    # The results of the scopes above the respondent's unit count it anew.
    unit = member.unit if Member.unit.is_cached(member) else None
    cache_bump_on_commit(
        survey_family(survey.pk), paths=[unit.path] if unit is not None else None
    )
    survey_id, member_id, anonymous = survey.pk, member.pk, survey.anonymous
    transaction.on_commit(
        lambda: survey_answered.send_robust(
            sender=Survey,
            survey_id=survey_id,
            member_id=member_id,
            anonymous=anonymous,
        )
    )


def survey_staff_audit(*, user, name: str, obj, **detail) -> None:
    """Record a staff action on a survey, a theme or an action in the audit trail."""
    audit_record(
        actor=user,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=obj,
        detail={"action": name, **detail},
    )


# "You said, we did" -----------------------------------------------------------


@transaction.atomic
def action_publish(*, action: SurveyAction, actor) -> SurveyAction:
    """Publish an action and notify the survey's respondents, through participation."""
    require_unit_in_scope(actor, action.survey.owner_unit)
    locked = SurveyAction.objects.select_for_update().get(pk=action.pk)
    if locked.published_at is not None:
        raise ValidationError(_("This action is published already."))
    if locked.themes.exclude(question__survey_id=locked.survey_id).exists():
        raise ValidationError(_("An action links only themes of its own survey."))
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_at"])
    survey_staff_audit(user=actor, name="survey_action_publish", obj=locked)
    from feedback.tasks import survey_action_notify

    enqueue_on_commit(survey_action_notify, action_id=locked.pk)
    return locked


def action_notify(*, action_id: int) -> int:
    """Notify each respondent of a published action once; return how many were."""
    from django.urls import reverse

    action = SurveyAction.objects.select_related("survey").get(pk=action_id)
    if action.published_at is None:
        return 0
    users = (
        SurveyParticipation.objects.filter(
            survey_id=action.survey_id,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .select_related("member__user")
        .order_by("pk")
    )
    link = reverse("feedback:survey_actions")
    title = _("You said, we did: %(survey)s") % {"survey": action.survey.title}
    sent = 0
    for participation in users.iterator(chunk_size=2000):
        user = participation.member.user
        notify(
            recipient=user,
            kind="feedback.survey_action",
            dedupe_key=f"survey-action:{action.pk}:{user.pk}",
            title=title,
            body=action.we_did[:300],
            link=link,
            mandatory=False,
        )
        sent += 1
    return sent
