"""Member voice's records for the scope crawler: each topic's canaries, merged."""

from tests.feedback.scope_canaries_assistant import scope_canaries_assistant


def scope_canaries(*, tree) -> dict[str, dict[str, str]]:
    """Make each topic's records; return the strings of every canary, by group."""
    found: dict[str, dict[str, str]] = {"sibling": {}, "cousin": {}, "private": {}}
    for topic in (scope_canaries_assistant,):
        for group, strings in topic(tree=tree).items():
            found[group].update(strings)
    return found
