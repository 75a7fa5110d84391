"""The member behind a portal account, as learning's pages read them."""

from members.models import Member
from members.scope import scoped


def learner_for_user(*, user) -> Member | None:
    """Return the person's own member record, None if the account has none."""
    return (
        scoped(Member.objects.select_related("unit", "user"), user, portal=True)
        .order_by("pk")
        .first()
    )
