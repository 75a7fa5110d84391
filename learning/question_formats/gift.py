"""Read Moodle's GIFT format the way Moodle's own importer classifies it."""

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

from learning.question_formats.questions import (
    WHOLE_FILE,
    Answer,
    MatchPair,
    ParseError,
    ParseResult,
    Question,
    QuestionType,
    TextFormat,
    Unsupported,
    default_name,
    grade_match,
    no_questions_message,
    read_source,
)

# An escaped control character stands in as a Unicode noncharacter while the
# question is cut up, so that `\=` never splits answers; it is put back after.
ESCAPES = {
    ":": "\ufdd0",
    "#": "\ufdd1",
    "=": "\ufdd2",
    "{": "\ufdd3",
    "}": "\ufdd4",
    "~": "\ufdd5",
    "n": "\ufdd6",
}
RESTORE = str.maketrans(
    {mark: ("\n" if char == "n" else char) for char, mark in ESCAPES.items()}
)
RESERVED = re.compile("[\ufdd0-\ufdef]")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
CATEGORY = "$CATEGORY:"


class BlockError(Exception):
    """A question that cannot be imported; its message is shown to the user."""


def parse_gift(data: str | bytes) -> ParseResult:
    """Read a GIFT file: every question, every error with its line."""
    result = ParseResult()
    text, error = read_source(data)
    if error:
        result.errors.append(error)
        return result
    category = ""
    for lines in blocks(text):
        first = lines[0][1]
        if first.startswith(CATEGORY):
            category = unescape(protect(first[len(CATEGORY) :])).strip()
            lines = lines[1:]
            if not lines:
                continue
        line = lines[0][0]
        body = "\n".join(content for _number, content in lines).strip()
        try:
            item = read_question(body, line)
        except BlockError as block_error:
            result.errors.append(ParseError(line, str(block_error)))
            continue
        if isinstance(item, Unsupported):
            result.unsupported.append(item)
        else:
            item.category = category
            result.questions.append(item)
    if not (result.questions or result.errors or result.unsupported):
        result.errors.append(ParseError(WHOLE_FILE, no_questions_message()))
    return result


def blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Yield the questions' lines (number, stripped text), split at blank lines.

    Comment lines (`//`) are dropped; a block of comments alone yields nothing.
    """
    block: list[tuple[int, str]] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line:
            if block:
                yield block
            block = []
        elif not line.startswith("//"):
            block.append((number, line))
    if block:
        yield block


def protect(text: str) -> str:
    """Hide each escape (`\\=`, `\\n`...) behind its placeholder; `\\\\` is `\\`."""
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        following = text[index + 1 : index + 2]
        if char == "\\" and following == "\\":
            out.append("\\")
            index += 2
        elif char == "\\" and following in ESCAPES:
            out.append(ESCAPES[following])
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def unescape(text: str) -> str:
    return text.translate(RESTORE)


def with_format(text: str, default: TextFormat) -> tuple[str, TextFormat]:
    """Split a leading `[html]`, `[moodle]`, `[plain]` or `[markdown]` off a text."""
    text = text.strip()
    text_format = default
    if text.startswith("["):
        name = text[1 : text.find("]")] if "]" in text else ""
        if name in TextFormat.values:
            text_format = TextFormat(name)
            text = text[len(name) + 2 :]
    text = unescape(text).strip()
    return text, (text_format if text else default)


def read_question(body: str, line: int) -> Question | Unsupported:
    if RESERVED.search(body):
        raise BlockError(_("The question holds a character reserved by Unicode."))
    text = protect(body)
    name = None
    if text.startswith("::"):
        text = text[2:]
        end = text.find("::")
        if end >= 0:
            name = unescape(text[:end]).strip()
            text = text[end + 2 :].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        return Unsupported(line, "description")
    if finish < 0:
        raise BlockError(_("The closing brace } of the answers is missing."))
    if start < 0 or finish < start:
        raise BlockError(_("The opening brace { of the answers is missing."))
    if "{" in text[start + 1 :] or "}" in text[finish + 1 :]:
        raise BlockError(
            _(
                "The question has more than one pair of braces: leave a blank line "
                "between two questions, and write a brace that belongs to the text "
                "as \\{ or \\}."
            )
        )
    answers = text[start + 1 : finish].strip()
    blank = "" if text.endswith("}") else "_____"
    question_text, text_format = with_format(
        text[:start] + blank + text[finish + 1 :], TextFormat.MOODLE
    )
    general, general_format = "", text_format
    separator = answers.rfind("####")
    if separator >= 0:
        general, general_format = with_format(answers[separator + 4 :], text_format)
        answers = answers[:separator].strip()
    if not answers:
        return Unsupported(line, "essay")
    if not question_text:
        raise BlockError(_("The question has no text."))
    question = Question(
        type=question_type(answers),
        name=name or default_name(question_text),
        text=question_text,
        line=line,
        format=text_format,
        general_feedback=general,
        general_feedback_format=general_format,
    )
    READERS[question.type](question, answers)
    return question


def question_type(answers: str) -> QuestionType:
    """Decide the type in Moodle's order of tests."""
    if answers.startswith("#"):
        return QuestionType.NUMERICAL
    if "~" in answers:
        return QuestionType.MULTICHOICE
    if "=" in answers and "->" in answers:
        return QuestionType.MATCHING
    if answers.split("#", 1)[0].strip() in TRUE_FALSE:
        return QuestionType.TRUEFALSE
    return QuestionType.SHORTANSWER


def split_answers(answers: str, marker: str) -> list[str]:
    parts = answers.split(marker)
    if not parts[0].strip():
        parts = parts[1:]
    return [part.strip() for part in parts]


def weight(answer: str, default: Decimal) -> tuple[Decimal, str]:
    """Read a `%50%` weight off the front of an answer (percent)."""
    match = WEIGHT.match(answer)
    if not match:
        return default, answer
    grade = grade_match(Decimal(match.group(1)))
    if grade is None:
        raise BlockError(
            _(
                "The weight %(weight)s%% is not one of Moodle's grades: 100, 90, "
                "83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, "
                "16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0 or one of these "
                "below zero."
            )
            % {"weight": match.group(1)}
        )
    return grade, answer[match.end() :]


def with_feedback(
    answer: str, default: TextFormat
) -> tuple[str, TextFormat, str, TextFormat]:
    text, _mark, feedback = answer.partition("#")
    text, text_format = with_format(text, default)
    feedback, feedback_format = with_format(feedback, default)
    return text, text_format, feedback, feedback_format


def blank_answer(answer: Answer) -> bool:
    """Tell whether an answer is an empty slot Moodle would skip."""
    if answer.text:
        return False
    if answer.fraction or answer.feedback:
        raise BlockError(_("An answer has no text."))
    return True


def read_multichoice(question: Question, answers: str) -> None:
    question.single = "=" in answers
    for part in split_answers(answers.replace("=", "~="), "~"):
        if part.startswith("="):
            fraction, part = Decimal(100), part[1:]
        else:
            fraction, part = weight(part, Decimal(0))
        text, text_format, feedback, feedback_format = with_feedback(
            part, question.format
        )
        answer = Answer(text, fraction, feedback, feedback_format, format=text_format)
        if not blank_answer(answer):
            question.answers.append(answer)
    if len(question.answers) < 2:
        raise BlockError(_("A multiple choice question needs at least two answers."))
    if not question.single:
        total = sum(
            (a.fraction for a in question.answers if a.fraction > 0), Decimal(0)
        )
        # Moodle rounds the total to whole percent before it compares.
        if total.quantize(Decimal(1), rounding=ROUND_HALF_UP) != 100:
            raise BlockError(
                _(
                    "The answers that earn marks add up to %(total)s%% instead of "
                    "100%%: correct the weights."
                )
                % {"total": f"{total.normalize():f}"}
            )


def read_shortanswer(question: Question, answers: str) -> None:
    question.case_sensitive = False
    for part in split_answers(answers, "="):
        fraction, part = weight(part, Decimal(100))
        text, _format, feedback, feedback_format = with_feedback(part, question.format)
        answer = Answer(text, fraction, feedback, feedback_format)
        if not blank_answer(answer):
            question.answers.append(answer)
    require_full_marks(question)


def read_numerical(question: Question, answers: str) -> None:
    answers = answers[1:]
    wrong = None
    if "~" in answers:
        answers, wrong = answers.split("~", 1)
    for part in split_answers(answers, "="):
        fraction, part = weight(part, Decimal(100))
        value, _format, feedback, feedback_format = with_feedback(part, question.format)
        answer = Answer(value, fraction, feedback, feedback_format)
        if value != "*":
            answer.text, answer.tolerance, answer.min, answer.max = number_range(value)
        question.answers.append(answer)
    if wrong is not None:
        _text, _format, feedback, feedback_format = with_feedback(
            wrong, question.format
        )
        question.answers.append(Answer("*", Decimal(0), feedback, feedback_format))
    require_full_marks(question)


def number_range(value: str) -> tuple[str, Decimal, Decimal, Decimal]:
    """Read `a`, `a:tolerance` or `min..max` into (answer, tolerance, min, max)."""
    if value.find("..") > 0:
        low, high = (part.strip() for part in value.split("..", 1))
        low_number, high_number = number(low), number(high)
        if low_number > high_number:
            raise BlockError(
                _("In the range %(range)s the first number is above the second.")
                % {"range": value}
            )
        middle = (low_number + high_number) / 2
        return f"{middle.normalize():f}", high_number - middle, low_number, high_number
    answer, tolerance = value, "0"
    if value.find(":") > 0:
        answer, tolerance = (part.strip() for part in value.split(":", 1))
    answer_number, tolerance_number = number(answer), number(tolerance)
    if tolerance_number < 0:
        raise BlockError(
            _("The tolerance %(tolerance)s is below zero.") % {"tolerance": tolerance}
        )
    return (
        answer,
        tolerance_number,
        answer_number - tolerance_number,
        answer_number + tolerance_number,
    )


def number(text: str) -> Decimal:
    if not NUMBER.match(text):
        raise BlockError(
            _("%(value)s is not a number (write decimals with a dot, as in 3.14).")
            % {"value": text or "∅"}
        )
    try:
        return Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - NUMBER rules it out
        raise BlockError(str(error)) from error


def require_full_marks(question: Question) -> None:
    if not question.answers:
        raise BlockError(_("The question has no answer."))
    if max(answer.fraction for answer in question.answers) != 100:
        raise BlockError(_("One of the answers must be worth full marks."))


def read_matching(question: Question, answers: str) -> None:
    for part in split_answers(answers, "="):
        if "->" not in part:
            raise BlockError(
                _("The matching pair “%(pair)s” needs -> between question and answer.")
                % {"pair": unescape(part)}
            )
        left, right = part.split("->", 1)
        text, text_format = with_format(left, question.format)
        answer = unescape(right).strip()
        if text and not answer:
            raise BlockError(
                _("The matching question “%(text)s” has no answer.") % {"text": text}
            )
        if text:
            question.pairs.append(MatchPair(text, answer, text_format))
        elif answer:
            question.extra_answers.append(answer)
    if len(question.pairs) < 2:
        raise BlockError(_("A matching question needs at least two pairs."))


def read_truefalse(question: Question, answers: str) -> None:
    value, _mark, feedbacks = answers.partition("#")
    wrong, _mark, right = feedbacks.partition("#")
    question.correct = TRUE_FALSE[value.strip()]
    wrong, wrong_format = with_format(wrong, question.format)
    right, right_format = with_format(right, question.format)
    true_feedback = (right, right_format) if question.correct else (wrong, wrong_format)
    false_feedback = (
        (wrong, wrong_format) if question.correct else (right, right_format)
    )
    question.answers = [
        Answer("true", Decimal(100 if question.correct else 0), *true_feedback),
        Answer("false", Decimal(0 if question.correct else 100), *false_feedback),
    ]


READERS = {
    QuestionType.MULTICHOICE: read_multichoice,
    QuestionType.SHORTANSWER: read_shortanswer,
    QuestionType.NUMERICAL: read_numerical,
    QuestionType.MATCHING: read_matching,
    QuestionType.TRUEFALSE: read_truefalse,
}
