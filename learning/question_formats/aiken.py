"""Read and write the Aiken format: one-line multiple choice with one right answer."""

import re
from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from learning.question_formats.questions import (
    WHOLE_FILE,
    Answer,
    Export,
    ParseError,
    ParseResult,
    Question,
    QuestionType,
    Refusal,
    TextFormat,
    default_name,
    no_questions_message,
    read_source,
)

OPTION = re.compile(r"^[A-Z][).][ \t]?")
# Vietnamese trainers write the key as ĐÁP ÁN: (read after NFC normalising).
KEY = re.compile(r"^(?:ANSWER|ĐÁP ÁN):")
KEY_VALUE = re.compile(r"^([A-Za-z])\s*[).]?$")
MAX_OPTIONS = 26
PLAIN = TextFormat.PLAIN


def parse_aiken(data: str | bytes) -> ParseResult:
    """Read an Aiken file: every question, every error with its line."""
    result = ParseResult()
    text, error = read_source(data)
    if error:
        result.errors.append(error)
        return result
    question: Question | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if len(line) < 2:
            continue
        key = KEY.match(line)
        if OPTION.match(line) or key:
            if question is None:
                result.errors.append(ParseError(number, not_started_message()))
            elif key:
                finish(question, line[key.end() :].strip(), number, result)
                question = None
            else:
                answer = Answer(line[2:].strip(), Decimal(0), "", PLAIN, format=PLAIN)
                question.answers.append(answer)
            continue
        if question is not None:
            result.errors.append(
                ParseError(
                    number,
                    _(
                        "The question before this line has no ANSWER: line, so it "
                        "is not imported."
                    ),
                )
            )
        question = Question(
            type=QuestionType.MULTICHOICE,
            name=default_name(line),
            text=line,
            line=number,
            format=PLAIN,
            general_feedback_format=PLAIN,
            single=True,
        )
    if question is not None:
        result.errors.append(
            ParseError(question.line, _("The question has no ANSWER: line."))
        )
    if not (result.questions or result.errors):
        result.errors.append(ParseError(WHOLE_FILE, no_questions_message()))
    return result


def not_started_message() -> str:
    return _(
        "This answer line belongs to no question: write the question text on the "
        "line before its answers."
    )


def finish(question: Question, value: str, line: int, result: ParseResult) -> None:
    """Mark the right answer named on an ANSWER: line and keep the question."""
    if len(question.answers) < 2:
        message = _("The question needs at least two answers before this line.")
        result.errors.append(ParseError(line, message))
        return
    match = KEY_VALUE.match(value)
    if not match:
        message = _("Write one answer letter after ANSWER:, for example ANSWER: B.")
        result.errors.append(ParseError(line, message))
        return
    index = ord(match.group(1).upper()) - ord("A")
    if index >= len(question.answers):
        message = _("The question has no answer %(letter)s.") % {
            "letter": match.group(1).upper()
        }
        result.errors.append(ParseError(line, message))
        return
    if any(not answer.text for answer in question.answers):
        message = _("One of the answers of this question is empty.")
        result.errors.append(ParseError(line, message))
        return
    question.answers[index].fraction = Decimal(100)
    result.questions.append(question)


def aiken_export(questions: Iterable[Question]) -> Export:
    """Write the questions Aiken can hold; refuse the others with a reason.

    Aiken keeps no names, feedback, categories or text formats: a question read
    back has plain text and a name made from its text.
    """
    blocks: list[str] = []
    refused: list[Refusal] = []
    for question in questions:
        reason = aiken_refusal(question)
        if reason:
            refused.append(Refusal(question, reason))
            continue
        lines = [question.text]
        for index, answer in enumerate(question.answers):
            letter = chr(ord("A") + index)
            lines.append(f"{letter}) {answer.text}")
            if answer.fraction == 100:
                right = letter
        lines.append(f"ANSWER: {right}")
        blocks.append("\n".join(lines))
    return Export("\n\n".join(blocks) + "\n" if blocks else "", refused)


def aiken_refusal(question: Question) -> str | None:
    """Say why Aiken cannot hold this question, or None when it can."""
    if question.type != QuestionType.MULTICHOICE:
        return _(
            "Aiken holds only multiple choice questions; this is a %(type)s question."
        ) % {"type": question.type.label}
    if not question.single:
        return _("Aiken holds one right answer; this question accepts several.")
    fractions = [answer.fraction for answer in question.answers]
    if fractions.count(Decimal(100)) != 1 or any(f not in (0, 100) for f in fractions):
        return _(
            "Aiken has no partial marks: exactly one answer is right and the others "
            "are worth nothing."
        )
    if len(question.answers) > MAX_OPTIONS:
        return _("Aiken holds at most 26 answers (A to Z).")
    formats = {question.format, *(answer.format for answer in question.answers)}
    if formats & {TextFormat.HTML, TextFormat.MARKDOWN}:
        return _(
            "Aiken holds plain text; this question is written in HTML or Markdown."
        )
    texts = [question.text, *(answer.text for answer in question.answers)]
    if any("\n" in text for text in texts):
        return _("Aiken holds each text on one line; this question has longer ones.")
    if any(not answer.text.strip() for answer in question.answers):
        return _("One of the answers of this question is empty.")
    text = question.text.strip()
    if len(text) < 2 or OPTION.match(text) or KEY.match(text):
        return _("Aiken would not read this question's text back as a question.")
    return None
