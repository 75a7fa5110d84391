"""Write questions as GIFT that reads back to the same questions."""

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from learning.question_formats.questions import (
    Answer,
    Export,
    Question,
    QuestionType,
    Refusal,
    TextFormat,
)

CATEGORY = "$CATEGORY:"


def gift_export(questions: Iterable[Question]) -> Export:
    """Write ``questions`` as GIFT, with `$CATEGORY:` lines where it changes."""
    blocks: list[str] = []
    refused: list[Refusal] = []
    category = ""
    for question in questions:
        reason = gift_refusal(question)
        if reason:
            refused.append(Refusal(question, reason))
            continue
        if question.category != category:
            category = question.category
            blocks.append(f"{CATEGORY} {escape(category)}".rstrip())
        header = f"::{escape(question.name)}::"
        header += formatted(question.text, question.format, TextFormat.MOODLE)
        blocks.append(header + WRITERS[question.type](question))
    return Export("\n\n".join(blocks) + "\n" if blocks else "", refused)


def gift_refusal(question: Question) -> str | None:
    """Say why GIFT cannot hold this question, or None when it can."""
    if question.type == QuestionType.MATCHING and any(
        "->" in pair.question for pair in question.pairs
    ):
        return _("GIFT cannot write -> inside the question side of a matching pair.")
    if question.type == QuestionType.SHORTANSWER and any(
        "->" in answer.text or "->" in answer.feedback for answer in question.answers
    ):
        return _(
            "GIFT would read a short answer question whose answers contain -> as a "
            "matching question."
        )
    return None


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in "#=~{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def formatted(text: str, text_format: TextFormat | None, default: TextFormat) -> str:
    """Escape a text, naming its format when it differs from ``default``.

    A text that itself starts with `[` always gets the prefix, so that `[html]`
    written as words is not taken for a format.
    """
    text_format = text_format or default
    prefix = f"[{text_format}]" if text_format != default or text[:1] == "[" else ""
    return prefix + escape(text)


def number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def feedback(answer: Answer, default: TextFormat) -> str:
    if not answer.feedback:
        return ""
    return "#" + formatted(answer.feedback, answer.feedback_format, default)


def answer_block(question: Question, lines: list[str], opening: str = "{") -> str:
    """Close a block of answer lines, with the general feedback last."""
    if question.general_feedback:
        general = formatted(
            question.general_feedback,
            question.general_feedback_format,
            question.format,
        )
        lines = [*lines, "####" + general]
    return opening + "\n" + "".join(f"\t{line}\n" for line in lines) + "}"


def write_multichoice(question: Question) -> str:
    lines = []
    # A single-answer question needs one `=` to stay single and one `~` to stay
    # multiple choice: if every answer is worth full marks, the last gets `~`.
    keep_tilde = all(answer.fraction == 100 for answer in question.answers)
    last = len(question.answers) - 1
    for index, answer in enumerate(question.answers):
        text = formatted(answer.text, answer.format, question.format)
        full = answer.fraction == 100 and not (keep_tilde and index == last)
        if question.single and full:
            mark = "="
        elif answer.fraction == 0 and not text.startswith("%"):
            mark = "~"
        else:
            mark = f"~%{number(answer.fraction)}%"
        lines.append(mark + text + feedback(answer, question.format))
    return answer_block(question, lines)


def write_shortanswer(question: Question) -> str:
    lines = [
        f"=%{number(answer.fraction)}%"
        + formatted(answer.text, None, TextFormat.MOODLE)
        + feedback(answer, question.format)
        for answer in question.answers
    ]
    return answer_block(question, lines)


def write_numerical(question: Question) -> str:
    lines = []
    for answer in question.answers:
        value = answer.text
        if answer.tolerance is not None:
            value += ":" + number(answer.tolerance)
        lines.append(
            f"=%{number(answer.fraction)}%" + value + feedback(answer, question.format)
        )
    return answer_block(question, lines, opening="{#")


def write_matching(question: Question) -> str:
    lines = [
        "="
        + formatted(pair.question, pair.format, question.format)
        + " -> "
        + escape(pair.answer)
        for pair in question.pairs
    ]
    lines += [f"= -> {escape(answer)}" for answer in question.extra_answers]
    return answer_block(question, lines)


def write_truefalse(question: Question) -> str:
    true, false = question.answers
    right, wrong = (true, false) if question.correct else (false, true)
    out = "{" + ("TRUE" if question.correct else "FALSE")
    if wrong.feedback or right.feedback:
        out += feedback(wrong, question.format) or "#"
    out += feedback(right, question.format)
    if question.general_feedback:
        out += "####" + formatted(
            question.general_feedback,
            question.general_feedback_format,
            question.format,
        )
    return out + "}"


WRITERS = {
    QuestionType.MULTICHOICE: write_multichoice,
    QuestionType.SHORTANSWER: write_shortanswer,
    QuestionType.NUMERICAL: write_numerical,
    QuestionType.MATCHING: write_matching,
    QuestionType.TRUEFALSE: write_truefalse,
}
