"""The 20/80 rule: however staff publish, a member's feed holds at most 20% messaging.

"The feed a member sees" and the rule are defined in learning.feed_governor:
whenever a union message enters a member's feed, the 7 days up to and
including that moment hold at most one message for four engaging posts.
Hypothesis draws publishing schedules (categories, mandatory messages,
scheduled times, audiences) and the moments the member opens the feed.
"""

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.feed_governor import (
    WINDOW,
    Candidate,
    Delivered,
    deliveries_plan,
    window_holds,
)
from learning.models import FeedEntry, FeedPost
from learning.services.feed import feed_sync
from tests.learning.factories_feed import make_post

START = datetime.fromisoformat("2026-03-02T08:00:00+07:00")
HOURS = 24 * 21

posts_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=HOURS),  # release, hours after START
        st.sampled_from(["messaging", "mandatory", "entertainment", "learning"]),
        st.sampled_from(["sector", "unit_a", "unit_b", "group_a"]),
    ),
    min_size=1,
    max_size=40,
)
visits_strategy = st.lists(
    st.integers(min_value=0, max_value=HOURS + 24 * 7), max_size=8
)


def assert_rule_holds(deliveries: list[Delivered]) -> None:
    for item in deliveries:
        if item.messaging:
            assert window_holds(deliveries, at=item.at), (item, deliveries)


# The governor alone, fed the way the service feeds it ---------------------------------


@settings(max_examples=300, deadline=None)
@given(posts=posts_strategy, visits=visits_strategy)
def test_the_governor_keeps_every_window_of_a_message_at_20_percent(posts, visits):
    candidates = [
        Candidate(
            key=key,
            released_at=START + timedelta(hours=hours),
            messaging=kind in ("messaging", "mandatory"),
            mandatory=kind == "mandatory",
        )
        for key, (hours, kind, _audience) in enumerate(posts, start=1)
    ]
    delivered: list[Delivered] = []
    placed: dict[int, datetime] = {}
    since = START - timedelta(days=30)
    for hours in [*sorted(visits), HOURS + 24 * 30]:
        now = START + timedelta(hours=hours)
        if now < since:
            continue
        waiting = [c for c in candidates if c.key not in placed]
        plan = deliveries_plan(
            delivered=delivered, candidates=waiting, since=since, now=now
        )
        for key, at in plan.items():
            assert at <= now
            candidate = next(c for c in candidates if c.key == key)
            assert at >= candidate.released_at
            if not candidate.messaging:
                assert at == candidate.released_at
            else:
                assert at >= since  # what the member saw stays as it was
            delivered.append(Delivered(at=at, messaging=candidate.messaging))
            placed[key] = at
        since = now

    assert_rule_holds(delivered)
    # Engaging posts are never held back.
    assert all(c.key in placed for c in candidates if not c.messaging)
    # A message left waiting found no room: one more at the end would break it.
    final = START + timedelta(hours=HOURS + 24 * 30)
    if any(c.messaging and c.key not in placed for c in candidates):
        assert not window_holds(
            [*delivered, Delivered(at=final, messaging=True)], at=final
        )


def test_a_message_waits_for_four_engaging_posts_then_enters():
    at = START
    engaging = [
        Candidate(key=k, released_at=at + timedelta(hours=k), messaging=False)
        for k in range(1, 5)
    ]
    message = Candidate(key=9, released_at=at, messaging=True, mandatory=True)

    plan = deliveries_plan(
        delivered=[], candidates=[message, *engaging[:3]], since=at, now=at + WINDOW
    )
    assert 9 not in plan  # three engaging posts are not room for one message

    plan = deliveries_plan(
        delivered=[],
        candidates=[message, *engaging],
        since=at,
        now=at + timedelta(hours=5),
    )
    assert plan[9] == at + timedelta(hours=4)  # the moment the fourth arrived


def test_mandatory_messages_go_first_then_the_oldest():
    at = START
    engaging = [Candidate(key=k, released_at=at, messaging=False) for k in range(1, 9)]
    old = Candidate(key=20, released_at=at - timedelta(days=1), messaging=True)
    newer = Candidate(key=21, released_at=at - timedelta(hours=1), messaging=True)
    mandatory = Candidate(key=22, released_at=at, messaging=True, mandatory=True)

    plan = deliveries_plan(
        delivered=[],
        candidates=[newer, old, mandatory, *engaging],
        since=at - timedelta(days=2),
        now=at + timedelta(hours=1),
    )

    assert 22 in plan
    assert 20 in plan
    assert 21 not in plan


def test_a_message_enters_when_an_old_one_ages_out():
    day = timedelta(days=1)
    delivered = [Delivered(at=START, messaging=False) for _ in range(4)]
    delivered += [Delivered(at=START + day, messaging=True)]
    later = START + 7.5 * day
    delivered += [Delivered(at=later, messaging=False) for _ in range(4)]
    waiting = Candidate(key=5, released_at=START + 2 * day, messaging=True)

    plan = deliveries_plan(
        delivered=delivered,
        candidates=[waiting],
        since=START + 2 * day,
        now=START + 9 * day,
    )

    # At 7.5 days the window still holds the first message beside four
    # engaging posts; at 8 days it has aged out, and the waiting one enters.
    assert plan == {5: START + 8 * day}


# Through the database: the service, the member's audience, publishing staff ---------


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(posts=posts_strategy, visits=visits_strategy)
def test_a_members_feed_never_holds_more_than_20_percent_messaging(
    union, posts, visits
):
    member = union.member_a  # of unit_a, under vnpt and the sector
    reaches_a = {"sector", "unit_a"}
    with transaction.atomic():
        published = []
        for hours, kind, audience in posts:
            post = make_post(
                owner_unit=union.sector,
                audience=(getattr(union, audience),),
                category=(
                    FeedPost.Category.MESSAGING
                    if kind in ("messaging", "mandatory")
                    else FeedPost.Category(kind)
                ),
                confirm_by=(START + timedelta(days=30)).date()
                if kind == "mandatory"
                else None,
                publish_at=START + timedelta(hours=hours),
                now=START - timedelta(days=1),
            )
            published.append((post, audience))
        # The member's feed was started before the schedule (a first visit
        # reaches 30 days back), then opened at the drawn moments.
        feed_sync(member=member, now=START - timedelta(hours=1))
        for hours in [*sorted(visits), HOURS + 24 * 30]:
            feed_sync(member=member, now=START + timedelta(hours=hours))

        entries = list(FeedEntry.objects.filter(member=member).select_related("post"))
        deliveries = [
            Delivered(at=e.delivered_at, messaging=e.messaging)
            for e in entries
            if e.delivered_at is not None
        ]
        assert_rule_holds(deliveries)
        # Every post meant for the member is in the feed or waiting, never
        # dropped; no post meant for others is.
        meant = {post.pk for post, audience in published if audience in reaches_a}
        assert {e.post_id for e in entries} == meant
        for entry in entries:
            if not entry.messaging:
                assert entry.delivered_at == entry.post.released_at
        transaction.set_rollback(True)
