"""The questions a bank file holds, as plain data shared by every format."""

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Line 0 in an error means the whole file rather than one line of it.
WHOLE_FILE = 0
NAME_LENGTH = 80


class QuestionType(models.TextChoices):
    MULTICHOICE = "multichoice", gettext_lazy("multiple choice")
    TRUEFALSE = "truefalse", gettext_lazy("true/false")
    SHORTANSWER = "shortanswer", gettext_lazy("short answer")
    NUMERICAL = "numerical", gettext_lazy("numerical")
    MATCHING = "matching", gettext_lazy("matching")


class TextFormat(models.TextChoices):
    """How a text is rendered; GIFT names it in a `[format]` prefix."""

    MOODLE = "moodle", gettext_lazy("Moodle auto-format")
    HTML = "html", "HTML"
    PLAIN = "plain", gettext_lazy("plain text")
    MARKDOWN = "markdown", "Markdown"


# Moodle accepts only these grades (percent of the marks) and their negatives.
GRADES = tuple(
    Decimal(grade)
    for grade in [
        *["100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50"],
        *["40", "33.33333", "30", "25", "20", "16.66667", "14.28571", "12.5"],
        *["11.11111", "10", "5", "0"],
    ]
)


def grade_match(percent: Decimal) -> Decimal | None:
    """Return Moodle's grade within 0.001 points of ``percent``, if any."""
    for grade in GRADES:
        for candidate in (grade, -grade):
            if abs(percent - candidate) < Decimal("0.001"):
                return candidate
    return None


def json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class Answer:
    """One answer: its text, its worth (percent, -100 to 100) and feedback.

    ``format`` is set for multiple choice only (the other types keep plain
    answer strings); ``tolerance``, ``min`` and ``max`` for numerical answers,
    whose text is the number, or ``*`` for any other response.
    """

    text: str
    fraction: Decimal
    feedback: str = ""
    feedback_format: TextFormat = TextFormat.MOODLE
    format: TextFormat | None = None
    tolerance: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None

    def as_json(self, question_type: "QuestionType") -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "fraction": json_number(self.fraction),
            "feedback": self.feedback,
            "feedback_format": str(self.feedback_format),
        }
        if question_type == QuestionType.MULTICHOICE:
            data["format"] = str(self.format)
        if question_type == QuestionType.NUMERICAL:
            data["tolerance"] = json_number(self.tolerance)
            data["min"] = json_number(self.min)
            data["max"] = json_number(self.max)
        return data


@dataclass
class MatchPair:
    question: str
    answer: str
    format: TextFormat = TextFormat.MOODLE

    def as_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "format": str(self.format),
        }


@dataclass
class Question:
    """One imported question; ``line`` is left out of equality on purpose.

    Per type: ``single`` (multiple choice: one right answer, or several),
    ``correct`` (true/false), ``case_sensitive`` (short answer; answers keep
    their ``*`` wildcards), ``pairs`` and ``extra_answers`` (matching: wrong
    answers offered with no question of their own).
    """

    type: QuestionType
    name: str
    text: str
    line: int = field(default=WHOLE_FILE, compare=False)
    format: TextFormat = TextFormat.MOODLE
    answers: list[Answer] = field(default_factory=list)
    general_feedback: str = ""
    general_feedback_format: TextFormat = TextFormat.MOODLE
    category: str = ""
    single: bool | None = None
    correct: bool | None = None
    case_sensitive: bool | None = None
    pairs: list[MatchPair] = field(default_factory=list)
    extra_answers: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "line": self.line,
            "type": str(self.type),
            "name": self.name,
            "text": self.text,
            "format": str(self.format),
            "category": self.category,
            "general_feedback": self.general_feedback,
            "general_feedback_format": str(self.general_feedback_format),
            "answers": [answer.as_json(self.type) for answer in self.answers],
        }
        if self.type == QuestionType.MULTICHOICE:
            data["single"] = self.single
        elif self.type == QuestionType.TRUEFALSE:
            data["correct"] = self.correct
        elif self.type == QuestionType.SHORTANSWER:
            data["case_sensitive"] = self.case_sensitive
        elif self.type == QuestionType.MATCHING:
            data["pairs"] = [pair.as_json() for pair in self.pairs]
            data["extra_answers"] = list(self.extra_answers)
        return data


@dataclass(frozen=True)
class ParseError:
    line: int
    message: str


@dataclass(frozen=True)
class Unsupported:
    """A question of a type the portal does not take (essay, description)."""

    line: int
    type: str


@dataclass
class ParseResult:
    questions: list[Question] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        """Return how many questions of each type were read."""
        counts: dict[str, int] = {}
        for question in self.questions:
            counts[str(question.type)] = counts.get(str(question.type), 0) + 1
        return counts

    def as_json(self) -> dict[str, Any]:
        return {
            "questions": [question.as_json() for question in self.questions],
            "errors": [{"line": e.line, "message": e.message} for e in self.errors],
            "unsupported": [{"line": u.line, "type": u.type} for u in self.unsupported],
        }


@dataclass(frozen=True)
class Refusal:
    question: Question
    reason: str


@dataclass
class Export:
    """An exported file's text and the questions its format could not hold."""

    text: str
    refused: list[Refusal] = field(default_factory=list)


def default_name(text: str) -> str:
    """Name a question after the start of its text, as Moodle does."""
    words = re.sub(r"\s+", " ", strip_tags(text)).strip()
    if len(words) > NAME_LENGTH:
        cut = words[:NAME_LENGTH]
        words = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "..."
    return words or _("Untitled question")


def read_source(data: str | bytes) -> tuple[str, ParseError | None]:
    """Decode a file to NFC text with \\n line ends, or say why it cannot be read.

    UTF-8 (with or without a BOM) and UTF-16 with a BOM are read.
    """
    if isinstance(data, bytes):
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                data = data.decode("utf-16")
            except UnicodeDecodeError:
                return "", ParseError(WHOLE_FILE, not_utf8_message())
        else:
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                line = data[: error.start].count(b"\n") + 1
                return "", ParseError(line, not_utf8_message())
    text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), None


def not_utf8_message() -> str:
    return _("The file is not UTF-8 text: save it as UTF-8 and import it again.")


def no_questions_message() -> str:
    return _("The file holds no questions.")
