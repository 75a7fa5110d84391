"""Quiz attempts: started within the limit, answered in time, scored on the server.

The member's enrolment row is the lock that serialises their attempts at a
course's quizzes: starting, submitting and the lesson and course completion a
pass brings all take it first, so two starts at once cannot pass the number
of attempts allowed, and the locks are always taken in the same order.
"""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from learning.grading import attempt_score, text_fold
from learning.models import Attempt, Enrolment, Question, Quiz
from learning.services.progress import lesson_completion_record
from learning.services.xp import xp_quiz_submitted
from members.models import Member

# Answers that reach the server this long after the time limit still count:
# the member pressed "submit" in time, the network was slow.
GRACE = timedelta(seconds=30)
MAX_TEXT = 255
MAX_ITEMS = 50

_random = secrets.SystemRandom()


def _enrolment_locked(*, member: Member, quiz: Quiz) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("course")
        .filter(member=member, course__modules__lessons__quiz=quiz)
        .first()
    )
    if enrolment is None:
        raise ValidationError(
            _("Enrol in this course before you take its quizzes."),
            code="not_enrolled",
        )
    if not enrolment.course.is_published:
        raise ValidationError(_("This course is closed."), code="unpublished")
    return enrolment


def _attempts_used(*, member: Member, quiz: Quiz) -> int:
    return Attempt.objects.filter(member=member, quiz=quiz).count()


def _in_time(attempt: Attempt, now) -> bool:
    return attempt.deadline is None or now <= attempt.deadline + GRACE


def _draw(quiz: Quiz) -> list[int]:
    """Return the ids of the questions of one attempt: fixed ones, then draws."""
    slots = list(quiz.slots.all())
    taken = {slot.question_id for slot in slots if slot.question_id}
    drawn: list[int] = []
    for slot in slots:
        if slot.question_id:
            drawn.append(slot.question_id)
            continue
        pool = list(
            Question.objects.filter(category_id=slot.category_id)
            .exclude(pk__in=taken)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if len(pool) < slot.draw_count:
            raise ValidationError(
                _(
                    "This quiz cannot start: it draws %(wanted)s questions from "
                    "a category that has %(count)s left. Tell the course's staff."
                )
                % {"wanted": slot.draw_count, "count": len(pool)},
                code="pool_too_small",
            )
        picked = _random.sample(pool, slot.draw_count)
        taken.update(picked)
        drawn += picked
    if not drawn:
        raise ValidationError(_("This quiz has no questions yet."), code="empty")
    if quiz.shuffle_questions:
        _random.shuffle(drawn)
    return drawn


def attempt_layout(quiz: Quiz) -> list[dict]:
    """Draw an attempt's questions and the order of their options, to be stored."""
    ids = _draw(quiz)
    questions = Question.objects.prefetch_related("answers").in_bulk(ids)
    layout = []
    for pk in ids:
        question = questions[pk]
        answers = list(question.answers.all())
        entry = {"question": pk, "mark": str(question.mark), "answers": []}
        if question.type == Question.Type.MATCHING:
            pairs = [answer.pk for answer in answers if answer.text]
            # One choice a distinct match; their order never gives a pair away.
            choices = list(
                {text_fold(a.match_text): a.pk for a in reversed(answers)}.values()
            )
            _random.shuffle(choices)
            if quiz.shuffle_answers:
                _random.shuffle(pairs)
            entry.update(answers=pairs, choices=choices)
        elif question.type == Question.Type.MULTICHOICE:
            options = [answer.pk for answer in answers]
            if quiz.shuffle_answers:
                _random.shuffle(options)
            entry["answers"] = options
        elif question.type == Question.Type.TRUEFALSE:
            entry["answers"] = [answer.pk for answer in answers]
        layout.append(entry)
    return layout


def _finish(attempt: Attempt, *, member: Member, now, late: bool) -> Attempt:
    """Score the stored answers, close the attempt; a pass completes the lesson."""
    quiz = attempt.quiz
    attempt.score = attempt_score(layout=attempt.layout, responses=attempt.responses)
    attempt.passed = attempt.score >= quiz.pass_mark
    attempt.submitted_at = now
    attempt.late = late
    attempt.save(
        update_fields=[
            "responses",
            "responses_saved_at",
            "score",
            "passed",
            "submitted_at",
            "late",
        ]
    )
    # The enrolment keeps the learner's best score and when they started.
    Enrolment.objects.filter(member=member, course__modules__lessons__quiz=quiz).update(
        best_score=Greatest(Coalesce("best_score", attempt.score), attempt.score),
        started_at=Coalesce("started_at", now),
    )
    xp_quiz_submitted(attempt=attempt, now=now)
    if attempt.passed:
        lesson_completion_record(member=member, lesson=quiz.lesson, now=now)
    return attempt


@transaction.atomic
def attempt_start(*, quiz: Quiz, member: Member) -> Attempt:
    """Start an attempt, or return the one in progress; refuse past the limit."""
    _enrolment_locked(member=member, quiz=quiz)
    now = timezone.now()
    current = (
        Attempt.objects.select_for_update()
        .select_related("quiz__lesson")
        .filter(member=member, quiz=quiz, submitted_at__isnull=True)
        .first()
    )
    if current is not None:
        if _in_time(current, now):
            return current
        # Abandoned after its time ran out: scored on what was saved in time.
        _finish(current, member=member, now=now, late=True)
    used = _attempts_used(member=member, quiz=quiz)
    if quiz.attempts_allowed and used >= quiz.attempts_allowed:
        raise ValidationError(
            ngettext(
                "You have used the %(count)s attempt this quiz allows.",
                "You have used all %(count)s attempts this quiz allows.",
                quiz.attempts_allowed,
            )
            % {"count": quiz.attempts_allowed},
            code="attempts_used",
        )
    deadline = None
    if quiz.time_limit_minutes:
        deadline = now + timedelta(minutes=quiz.time_limit_minutes)
    return Attempt.objects.create(
        member=member,
        quiz=quiz,
        number=used + 1,
        started_at=now,
        deadline=deadline,
        layout=attempt_layout(quiz),
    )


def _bounded(value):
    """Return an answer as stored: text, an id, a list of ids or pairs, cut short."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list):
        return [item for item in value[:MAX_ITEMS] if isinstance(item, int | str)]
    if isinstance(value, dict):
        return {
            str(key)[:32]: item
            for key, item in list(value.items())[:MAX_ITEMS]
            if isinstance(item, int | str)
        }
    return None


def _responses_merge(attempt: Attempt, responses) -> None:
    """Store the answers to the attempt's own questions; anything else is dropped."""
    if not isinstance(responses, dict):
        raise ValidationError(_("The answers could not be read."), code="responses")
    shown = {str(entry["question"]) for entry in attempt.layout}
    merged = dict(attempt.responses)
    for key, value in responses.items():
        # A posted score, another quiz's question: not an answer of this attempt.
        if str(key) in shown:
            merged[str(key)] = _bounded(value)
    attempt.responses = merged


def _attempt_locked(*, attempt: Attempt, member: Member) -> Attempt:
    if attempt.member_id != member.pk:
        raise PermissionDenied(_("This attempt is not yours."))
    locked = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz__lesson", "member")
        .get(pk=attempt.pk)
    )
    if locked.submitted_at is not None:
        raise ValidationError(
            _("This attempt has been submitted already."), code="submitted"
        )
    return locked


@transaction.atomic
def attempt_save(*, attempt: Attempt, member: Member, responses) -> Attempt:
    """Store answers of an attempt in progress, while its time lasts."""
    attempt = _attempt_locked(attempt=attempt, member=member)
    now = timezone.now()
    if not _in_time(attempt, now):
        raise ValidationError(
            _("Time is up: answers sent after the time limit are not counted."),
            code="time_up",
        )
    _responses_merge(attempt, responses)
    attempt.responses_saved_at = now
    attempt.save(update_fields=["responses", "responses_saved_at"])
    return attempt


@transaction.atomic
def attempt_submit(
    *, attempt: Attempt, member: Member, responses: dict | None = None
) -> Attempt:
    """Submit an attempt: its answers are scored here, from what is stored.

    Answers sent with it count if they arrive within the time limit (and its
    grace); after it, only those saved in time are scored.
    """
    if attempt.member_id != member.pk:
        raise PermissionDenied(_("This attempt is not yours."))
    _enrolment_locked(member=member, quiz=attempt.quiz)
    attempt = _attempt_locked(attempt=attempt, member=member)
    now = timezone.now()
    in_time = _in_time(attempt, now)
    if responses is not None and in_time:
        _responses_merge(attempt, responses)
        attempt.responses_saved_at = now
    return _finish(attempt, member=member, now=now, late=not in_time)
