"""The assistant's records for the scope crawler: the officer's own, canaries beyond."""

import uuid

from feedback import services
from feedback.services.assistant import topics_ensure


def _handed_over(member, label: str):
    # A topic switched off: handed over whatever the base holds.
    return services.question_ask(
        member=member,
        text=f"Canary Question {label} thủ tục ly hôn",
        submit_token=uuid.uuid4(),
    )


def scope_canaries_assistant(*, tree) -> dict[str, dict[str, str]]:
    """Questions and tickets of the officer's union and of the canary units."""
    topics_ensure()
    _handed_over(tree.own_member, "Own")
    _handed_over(tree.sibling.member, "Sibling")
    _handed_over(tree.cousin.member, "Cousin")
    return {
        "sibling": {"assistant question": "Canary Question Sibling"},
        "cousin": {"assistant question": "Canary Question Cousin"},
    }
