"""Learning's blocks on the portal home: the day's XP, then the union's league."""

from learning.selectors.leagues import league_home_block
from learning.selectors.xp import home_member, xp_home_block


def gamification_home_blocks(*, user) -> list[dict] | None:
    """Return today's goal, streak and level, and the league position and quests.

    The member is the one the home's earlier blocks read (no query more);
    then one query for the profile, one for the quests, and the league and
    level table from the cache.
    """
    member = home_member(user=user)
    if member is None:
        return None
    return [
        xp_home_block(user=user, member=member),
        league_home_block(user=user, member=member),
    ]
