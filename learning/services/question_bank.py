"""A course's question bank from and to Moodle's GIFT and Aiken files."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from learning import question_formats as qf
from learning.models import Answer, Course, Question, QuestionCategory
from members.models import AuditEvent, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record

# Questions a file files under no `$CATEGORY:` go here (a bank category's name).
DEFAULT_CATEGORY = "Mặc định"


def _answers(question: qf.Question) -> list[Answer]:
    if question.type == qf.QuestionType.MATCHING:
        rows = [
            Answer(text=pair.question, match_text=pair.answer, text_format=pair.format)
            for pair in question.pairs
        ]
        rows += [Answer(text="", match_text=extra) for extra in question.extra_answers]
        return rows
    rows = []
    for answer in question.answers:
        row = Answer(
            text=answer.text,
            fraction=answer.fraction,
            feedback=answer.feedback,
            feedback_format=answer.feedback_format,
            text_format=answer.format or "",
        )
        if question.type == qf.QuestionType.NUMERICAL and answer.text != "*":
            row.value = Decimal(answer.text)
            row.tolerance = answer.tolerance or Decimal(0)
        rows.append(row)
    return rows


def questions_import(
    *,
    course: Course,
    result: qf.ParseResult,
    actor: User | None,
    valid_only: bool = False,
) -> dict[str, int]:
    """Save a parsed file's questions in the course's bank; return counts by type.

    A file with errors is refused whole unless ``valid_only``; then its valid
    questions are saved and the errors skipped. All or nothing either way.
    """
    require_unit_in_scope(actor, course.owner_unit)
    if result.errors and not valid_only:
        raise ValidationError(
            ngettext(
                "The file has %(count)d error; nothing was imported.",
                "The file has %(count)d errors; nothing was imported.",
                len(result.errors),
            )
            % {"count": len(result.errors)},
            code="file_errors",
        )
    if not result.questions:
        raise ValidationError(
            _("The file holds no question that can be imported."), code="empty"
        )
    with transaction.atomic():
        categories: dict[str, QuestionCategory] = {}
        answers = []
        for parsed in result.questions:
            name = parsed.category or DEFAULT_CATEGORY
            if name not in categories:
                categories[name], _created = QuestionCategory.objects.get_or_create(
                    course=course, name=name
                )
            question = Question.objects.create(
                category=categories[name],
                type=parsed.type,
                single=parsed.single is not False,
                name=parsed.name,
                text=parsed.text,
                text_format=parsed.format,
                general_feedback=parsed.general_feedback,
                general_feedback_format=parsed.general_feedback_format,
            )
            for order, answer in enumerate(_answers(parsed), start=1):
                answer.question, answer.order = question, order
                answers.append(answer)
        Answer.objects.bulk_create(answers)
        counts = result.counts()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STAFF_ACTION,
            obj=course,
            unit=course.owner_unit,
            detail={
                "action": "questions_import",
                "questions": len(result.questions),
                "types": counts,
                "categories": sorted(categories),
                "errors_skipped": len(result.errors),
                "unsupported_skipped": len(result.unsupported),
            },
        )
    return counts


def _plain(value: Decimal) -> Decimal:
    """Return the number without the trailing zeros its column adds (1822, 0.5)."""
    return (
        value.quantize(Decimal(1))
        if value == value.to_integral()
        else value.normalize()
    )


def _parsed_answer(question: Question, answer: Answer) -> qf.Answer:
    parsed = qf.Answer(
        text=answer.text,
        fraction=_plain(answer.fraction),
        feedback=answer.feedback,
        feedback_format=qf.TextFormat(answer.feedback_format),
    )
    if question.type == Question.Type.MULTICHOICE:
        parsed.format = qf.TextFormat(answer.text_format or qf.TextFormat.MOODLE)
    if question.type == Question.Type.NUMERICAL and answer.value is not None:
        value, tolerance = _plain(answer.value), _plain(answer.tolerance)
        parsed.text = answer.text or str(value)
        parsed.tolerance = tolerance
        parsed.min, parsed.max = value - tolerance, value + tolerance
    return parsed


def bank_questions(*, course: Course) -> list[qf.Question]:
    """Return the course's bank as the formats' questions, in the order saved."""
    bank = (
        Question.objects.filter(category__course=course)
        .select_related("category")
        .prefetch_related("answers")
        .order_by("pk")
    )
    questions = []
    for row in bank:
        answers = list(row.answers.all())
        question = qf.Question(
            type=qf.QuestionType(row.type),
            name=row.name,
            text=row.text,
            format=qf.TextFormat(row.text_format),
            general_feedback=row.general_feedback,
            general_feedback_format=qf.TextFormat(row.general_feedback_format),
            category=row.category.name,
        )
        if row.type == Question.Type.MATCHING:
            question.pairs = [
                qf.MatchPair(
                    question=a.text,
                    answer=a.match_text,
                    format=qf.TextFormat(a.text_format or qf.TextFormat.MOODLE),
                )
                for a in answers
                if a.text
            ]
            question.extra_answers = [a.match_text for a in answers if not a.text]
        else:
            question.answers = [_parsed_answer(row, a) for a in answers]
        if row.type == Question.Type.MULTICHOICE:
            question.single = row.single
        elif row.type == Question.Type.TRUEFALSE:
            question.correct = any(a.text == "true" and a.fraction > 0 for a in answers)
        elif row.type == Question.Type.SHORTANSWER:
            question.case_sensitive = False  # answers are compared without case
        questions.append(question)
    return questions


def bank_export(*, course: Course, format: str, actor: User | None) -> qf.Export:
    """Write the course's bank as GIFT or Aiken; Aiken lists what it cannot hold."""
    require_unit_in_scope(actor, course.owner_unit)
    return qf.export(bank_questions(course=course), format=format)
