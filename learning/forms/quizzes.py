"""The answers of a quiz page's form, read into the shape the quiz services store.

Field names: ``q-<question>`` for one answer (an id or typed text),
``q-<question>`` repeated for several choices, ``q-<question>-<pair>`` for
the match chosen for each sub-question of a matching question. Only the
attempt's own questions are read; the services check everything again.
"""

from learning.models import Question


def responses_from_post(*, items: list[dict], data) -> dict:
    """Return ``{question id: answer}`` from the posted form, for ``items`` shown."""
    responses: dict[str, object] = {}
    for item in items:
        question = item["question"]
        key = f"q-{question.pk}"
        if question.type == Question.Type.MATCHING:
            pairs = {}
            for pair in item["pairs"]:
                pk = pair["answer"].pk
                chosen = data.get(f"{key}-{pk}", "").strip()
                if chosen.isdigit():
                    pairs[str(pk)] = int(chosen)
            responses[str(question.pk)] = pairs
        elif question.type == Question.Type.MULTICHOICE and not question.single:
            responses[str(question.pk)] = [
                int(value) for value in data.getlist(key) if value.strip().isdigit()
            ]
        elif question.type in (Question.Type.MULTICHOICE, Question.Type.TRUEFALSE):
            chosen = data.get(key, "").strip()
            if chosen.isdigit():
                responses[str(question.pk)] = int(chosen)
        else:
            responses[str(question.pk)] = data.get(key, "")[:255]
    return responses
