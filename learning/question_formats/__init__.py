"""Moodle's question formats, GIFT and Aiken: read a bank file, write one back.

Reading returns a ``ParseResult``; nothing here touches the database, so the
``import_questions`` command and the admin preview decide what to save::

    from learning.question_formats import parse, gift_export, aiken_export

    result = parse(uploaded_bytes, format="gift")    # or "aiken"; str or bytes
    result.questions      # [Question], in file order, each with its ``line``
    result.errors         # [ParseError(line, message)]; message in the active
                          # language; line 0 means the whole file
    result.unsupported    # [Unsupported(line, type)]: GIFT essays, descriptions
    result.ok             # no errors: safe to save every question
    result.counts()       # {"multichoice": 16, ...}
    result.as_json()      # {"questions": [...], "errors": [...], "unsupported": [...]}

A file with errors still yields its valid questions, so the caller can offer to
import only those. Input is decoded as UTF-8 (a BOM is dropped; UTF-16 with a
BOM is read too), line ends are normalised and text is put in Unicode NFC.

``Question`` fields: ``type`` (``QuestionType``: multichoice, truefalse,
shortanswer, numerical, matching), ``name``, ``text``, ``format``
(``TextFormat``: moodle, html, plain, markdown), ``category`` (GIFT
``$CATEGORY:``), ``general_feedback`` and its format, ``answers`` (``Answer``:
``text``, ``fraction`` in percent from -100 to 100, ``feedback``; numerical
answers add ``tolerance``, ``min`` and ``max``), then per type ``single``
(multichoice), ``correct`` (truefalse), ``case_sensitive`` (shortanswer, whose
answers keep their ``*`` wildcards), ``pairs`` and ``extra_answers``
(matching). Two questions compare equal when all but their line agree.

Writing returns an ``Export(text, refused)``: ``gift_export(questions)`` holds
every type; ``aiken_export(questions)`` holds only single-answer multiple
choice without partial marks, and lists each other question in ``refused``
with the reason (``Refusal(question, reason)``).
"""

from learning.question_formats.aiken import aiken_export, parse_aiken
from learning.question_formats.gift import parse_gift
from learning.question_formats.gift_export import gift_export
from learning.question_formats.questions import (
    Answer,
    Export,
    MatchPair,
    ParseError,
    ParseResult,
    Question,
    QuestionType,
    Refusal,
    TextFormat,
    Unsupported,
)

READERS = {"gift": parse_gift, "aiken": parse_aiken}
WRITERS = {"gift": gift_export, "aiken": aiken_export}
FORMATS = tuple(READERS)


def parse(data: str | bytes, *, format: str) -> ParseResult:
    """Read a question file in ``format`` ("gift" or "aiken")."""
    if format not in READERS:
        raise ValueError(f"Unknown question format {format!r}; use one of {FORMATS}.")
    return READERS[format](data)


def export(questions: list[Question], *, format: str) -> Export:
    """Write questions in ``format`` ("gift" or "aiken")."""
    if format not in WRITERS:
        raise ValueError(f"Unknown question format {format!r}; use one of {FORMATS}.")
    return WRITERS[format](questions)


__all__ = [
    "FORMATS",
    "Answer",
    "Export",
    "MatchPair",
    "ParseError",
    "ParseResult",
    "Question",
    "QuestionType",
    "Refusal",
    "TextFormat",
    "Unsupported",
    "aiken_export",
    "export",
    "gift_export",
    "parse",
    "parse_aiken",
    "parse_gift",
]
