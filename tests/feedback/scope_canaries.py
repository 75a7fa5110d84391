"""Member voice's records for the scope crawler, one function a topic."""

from tests.feedback.scope_canaries_initiatives import initiatives_canaries
from tests.feedback.scope_canaries_surveys import surveys_canaries


def scope_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make each topic's records of the officer's unit and of the canary units."""
    found: dict[str, dict[str, str]] = {"sibling": {}, "cousin": {}, "private": {}}
    for topic in (initiatives_canaries, surveys_canaries):
        for group, strings in topic(tree=tree).items():
            found[group].update(strings)
    return found
