"""Reads of quiz results: a member's grade is their best attempt."""

from decimal import Decimal

from django.db.models import Max

from learning.models import Attempt, Question, Quiz
from members.models import Member


def quiz_grade(*, member: Member, quiz: Quiz) -> Decimal | None:
    """Return the member's best score at the quiz, None before a submitted attempt."""
    return Attempt.objects.filter(
        member=member, quiz=quiz, submitted_at__isnull=False
    ).aggregate(best=Max("score"))["best"]


def attempt_questions(*, attempt: Attempt) -> list[dict]:
    """Return the attempt's questions as drawn, in its order, with the answers given.

    Each item: ``question``, ``options`` (the answers in the order shown),
    ``pairs`` (matching: each sub-question with the match chosen, ``chosen``)
    and ``choices`` (the matches, shuffled), ``response`` (what is stored for
    it). Answers not drawn are not shown.
    """
    ids = [entry["question"] for entry in attempt.layout]
    questions = Question.objects.prefetch_related("answers").in_bulk(ids)
    items = []
    for entry in attempt.layout:
        question = questions.get(entry["question"])
        if question is None:
            continue
        answers = {answer.pk: answer for answer in question.answers.all()}
        shown = [answers[pk] for pk in entry.get("answers", []) if pk in answers]
        response = attempt.responses.get(str(question.pk))
        chosen = response if isinstance(response, dict) else {}
        items.append(
            {
                "question": question,
                "options": shown,
                "pairs": [
                    {"answer": answer, "chosen": chosen.get(str(answer.pk))}
                    for answer in shown
                ]
                if question.type == Question.Type.MATCHING
                else [],
                "choices": [
                    answers[pk] for pk in entry.get("choices", []) if pk in answers
                ],
                "response": response,
            }
        )
    return items
