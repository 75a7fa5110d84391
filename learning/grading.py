"""Scoring of quiz answers, on the server only, per question type.

Each question scores a fraction of its mark between 0 and 1, from the answer
stored for it and what the attempt showed (its ``layout`` entry): an answer
id that the attempt did not show scores nothing.
"""

import re
import unicodedata
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from learning.models import Answer, Question

ZERO, ONE, HUNDRED = Decimal(0), Decimal(1), Decimal(100)


def _clamp(value: Decimal) -> Decimal:
    return min(max(value, ZERO), ONE)


def _answer_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def text_fold(value: str) -> str:
    """Return typed text as compared: NFC, spaces collapsed and trimmed, no case."""
    return " ".join(unicodedata.normalize("NFC", value).split()).casefold()


def _wildcard_matches(pattern: str, typed: str) -> bool:
    """Match Moodle's short-answer pattern: ``*`` is any text, ``\\*`` a star."""
    parts = [re.escape(part) for part in text_fold(pattern).split("\\*")]
    literal_star = re.escape("*")
    regex = literal_star.join(part.replace(literal_star, ".*") for part in parts)
    return re.fullmatch(regex, typed, flags=re.DOTALL) is not None


def number_parse(value) -> Decimal | None:
    """Return the number typed, with a decimal comma or point; None if it is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = "".join(value.split())
    if "," in text:
        if "." in text or text.count(",") > 1:
            return None  # 1.234,5 or 1,234,5: thousands separators are ambiguous
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _shown(entry: dict, key: str = "answers") -> set[int]:
    return {value for value in entry.get(key, []) if isinstance(value, int)}


def _choice(answers, entry, response) -> Decimal:
    chosen = _answer_id(response)
    if chosen not in _shown(entry) or chosen not in answers:
        return ZERO
    return _clamp(answers[chosen].fraction / HUNDRED)


def _choices(answers, entry, response) -> Decimal:
    if not isinstance(response, list):
        return ZERO
    shown = _shown(entry)
    chosen = {_answer_id(value) for value in response} & shown & set(answers)
    # Negative weights take back what wrong choices cost, never below zero.
    return _clamp(sum((answers[pk].fraction for pk in chosen), ZERO) / HUNDRED)


def _short(answers, entry, response) -> Decimal:
    if not isinstance(response, str) or not response.strip():
        return ZERO
    typed = text_fold(response)
    fractions = [
        answer.fraction
        for answer in answers.values()
        if answer.text and _wildcard_matches(answer.text, typed)
    ]
    return _clamp(max(fractions, default=ZERO) / HUNDRED)


def _numerical(answers, entry, response) -> Decimal:
    number = number_parse(response)
    if number is None:
        return ZERO
    fractions = [
        answer.fraction
        for answer in answers.values()
        if (answer.value is None and answer.text == "*")
        or (answer.value is not None and abs(number - answer.value) <= answer.tolerance)
    ]
    return _clamp(max(fractions, default=ZERO) / HUNDRED)


def _matching(answers, entry, response) -> Decimal:
    pairs = [pk for pk in entry.get("answers", []) if pk in answers]
    if not pairs or not isinstance(response, dict):
        return ZERO
    choices = _shown(entry, "choices")
    right = 0
    for pk in pairs:
        chosen = _answer_id(response.get(str(pk)))
        if chosen in choices and chosen in answers:
            right += text_fold(answers[chosen].match_text) == text_fold(
                answers[pk].match_text
            )
    return Decimal(right) / Decimal(len(pairs))


_SCORERS = {
    Question.Type.TRUEFALSE: _choice,
    Question.Type.SHORTANSWER: _short,
    Question.Type.NUMERICAL: _numerical,
    Question.Type.MATCHING: _matching,
}


def question_fraction(question: Question, entry: dict, response) -> Decimal:
    """Return the fraction of its mark (0 to 1) a question's answer earns."""
    answers: dict[int, Answer] = {a.pk: a for a in question.answers.all()}
    if question.type == Question.Type.MULTICHOICE:
        score = _choice if question.single else _choices
    else:
        score = _SCORERS[question.type]
    return score(answers, entry, response)


def attempt_score(*, layout: list[dict], responses: dict) -> Decimal:
    """Return the percentage of the marks that the stored answers earn.

    A question deleted since the attempt began scores nothing; its mark
    still counts, as the attempt showed it.
    """
    ids = [entry["question"] for entry in layout]
    questions = Question.objects.prefetch_related("answers").in_bulk(ids)
    earned = total = ZERO
    for entry in layout:
        mark = Decimal(entry["mark"])
        total += mark
        question = questions.get(entry["question"])
        if question is not None:
            response = responses.get(str(entry["question"]))
            earned += mark * question_fraction(question, entry, response)
    if not total:
        return ZERO
    # Rounded down: a pass mark is never reached by rounding.
    return (earned * HUNDRED / total).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
