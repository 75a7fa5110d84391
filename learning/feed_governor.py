"""The 20/80 rule of the member feed: when a union message may enter a member's feed.

**The feed a member sees** is the sequence of posts delivered into that
member's feed, each at one moment, its *delivery*: an engaging post
(entertainment, learning) at the moment it is released to the member's
units; a union-messaging post (mandatory ones included) at the first moment,
not before its release, at which the rule below lets it in. Until then it
*waits*: it is kept, never dropped, and delivered as soon as the rule allows
(mandatory messages first, then the oldest). The feed page lists the
delivered posts, newest delivery first.

**The rule.** Whenever a union message is delivered at moment ``t``, the
posts delivered in the rolling 7 days up to and including ``t``, that is in
``(t - 7 days, t]``, hold at most 20% union messaging: at least four
engaging posts for each message. ``window_holds`` is that check, and the
property test in ``tests/learning/test_feed_governor.py`` checks it over
random publishing schedules, at every delivery of a message.

Why the window ends at a message's delivery: the share of messaging in a
member's feed rises only when a message enters it, so checking every such
moment bounds every rise. The share of a window that does not end at one can
also rise because engaging posts age out of it, and no rule that cannot see
the future could prevent that: a lone mandatory message followed by a quiet
week would be 100% of that week whatever the rule did, short of holding it
back until engaging posts arrived at the very same instant.

The functions here are pure (no database): ``learning.services.feed`` loads
the member's last 7 days of deliveries and waiting messages, calls
``deliveries_plan`` and writes what it returns.
"""

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(days=7)
# At most one message for every ENGAGING_PER_MESSAGE engaging posts: 20%.
ENGAGING_PER_MESSAGE = 4


@dataclass(frozen=True)
class Delivered:
    """A post already in the feed: when it entered, and whether it is messaging."""

    at: datetime
    messaging: bool


@dataclass(frozen=True)
class Candidate:
    """A post not delivered yet: new to the feed, or a message waiting."""

    key: int
    released_at: datetime
    messaging: bool
    mandatory: bool = False


def window_holds(delivered: Iterable[Delivered], *, at: datetime) -> bool:
    """Return whether the 7 days up to ``at`` hold at most 20% messaging."""
    messaging = engaging = 0
    for item in delivered:
        if at - WINDOW < item.at <= at:
            if item.messaging:
                messaging += 1
            else:
                engaging += 1
    return ENGAGING_PER_MESSAGE * messaging <= engaging


class _Window:
    """The deliveries of the last 7 days before a moment, counted by kind."""

    def __init__(self, delivered: Iterable[Delivered]):
        self.items = sorted(delivered, key=lambda item: item.at)

    def add(self, item: Delivered) -> None:
        # Deliveries are added at the moment under study or later, or (an
        # engaging post released before it) earlier: keep them sorted.
        self.items.append(item)
        self.items.sort(key=lambda entry: entry.at)

    def counts(self, at: datetime) -> tuple[int, int]:
        messaging = engaging = 0
        for item in self.items:
            if item.at > at:
                break
            if item.at > at - WINDOW:
                if item.messaging:
                    messaging += 1
                else:
                    engaging += 1
        return messaging, engaging

    def room(self, at: datetime) -> bool:
        """Return whether one more message delivered at ``at`` keeps the rule."""
        messaging, engaging = self.counts(at)
        return ENGAGING_PER_MESSAGE * (messaging + 1) <= engaging


def deliveries_plan(
    *,
    delivered: Iterable[Delivered],
    candidates: Iterable[Candidate],
    since: datetime,
    now: datetime,
) -> dict[int, datetime]:
    """Return the delivery moment of each candidate that enters the feed by ``now``.

    ``delivered``: the feed's deliveries of at least the 7 days before
    ``since``; ``candidates``: the posts not delivered yet, released by
    ``now``; ``since``: the moment the feed was last worked out until (a
    message is never delivered before it, so that what the member has seen
    stays as it was). Engaging posts enter at their release; messages that
    find no room by ``now`` are left out of the answer: they wait.
    """
    window = _Window(delivered)
    plan: dict[int, datetime] = {}
    messages = []
    for candidate in candidates:
        if candidate.released_at > now:
            continue
        if candidate.messaging:
            messages.append(candidate)
        else:
            plan[candidate.key] = candidate.released_at
            window.add(Delivered(at=candidate.released_at, messaging=False))
    if not messages:
        return plan
    # Mandatory messages first, then the oldest.
    messages.sort(key=lambda c: (not c.mandatory, c.released_at, c.key))
    # The moments at which room can appear: a message's release, an engaging
    # post's delivery, a message ageing out of the window.
    moments = [max(since, c.released_at) for c in messages]
    moments += [item.at for item in window.items if since <= item.at <= now]
    moments += [
        item.at + WINDOW
        for item in window.items
        if item.messaging and since <= item.at + WINDOW <= now
    ]
    heapq.heapify(moments)
    while messages and moments:
        moment = heapq.heappop(moments)
        while moments and moments[0] == moment:
            heapq.heappop(moments)
        released = [c for c in messages if c.released_at <= moment]
        for candidate in released:
            if not window.room(moment):
                break
            plan[candidate.key] = moment
            messages.remove(candidate)
            window.add(Delivered(at=moment, messaging=True))
            if moment + WINDOW <= now:
                heapq.heappush(moments, moment + WINDOW)
    return plan
