"""Daily goal and streaks on local days, freezes, the evening reminder."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from learning import services
from learning.models import XpDay, XpProfile, XpReason
from learning.reminders import streak_at_risk
from learning.selectors.xp import xp_summary

pytestmark = pytest.mark.django_db

_source = iter(range(1, 10_000))


def earn(member, points: int = 20) -> None:
    """Award ``points`` XP now (initiative events: never refused by the guard)."""
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=next(_source),
        points=points,
    )


def profile(member) -> XpProfile:
    return XpProfile.objects.get(member=member)


def test_xp_at_2359_and_0001_fall_on_their_own_local_days(union, time_machine):
    member = union.member_a
    time_machine.move_to("2026-05-04 23:59 +0700", tick=False)
    earn(member)
    time_machine.move_to("2026-05-05 00:01 +0700", tick=False)
    earn(member, 5)

    days = dict(XpDay.objects.filter(member=member).values_list("day", "points"))
    assert days == {date(2026, 5, 4): 20, date(2026, 5, 5): 5}
    # 00:01 local is still 4 May in UTC: the local day counts.
    assert profile(member).streak == 1
    summary = xp_summary(member=member)
    assert (summary.today, summary.goal, summary.streak) == (5, 20, 1)


def test_goal_met_at_2359_then_at_0001_makes_a_two_day_streak(union, time_machine):
    member = union.member_a
    time_machine.move_to("2026-05-04 23:59 +0700", tick=False)
    earn(member)
    time_machine.move_to("2026-05-05 00:01 +0700", tick=False)
    earn(member)
    assert (profile(member).streak, profile(member).streak_day) == (
        2,
        date(2026, 5, 5),
    )
    # More XP the same day counts the day once.
    earn(member)
    assert profile(member).streak == 2


def test_a_missed_day_uses_a_freeze_and_keeps_the_streak(union, time_machine):
    member = union.member_a
    start = timezone.make_aware(timezone.datetime(2026, 5, 1, 23, 59))
    for day in range(7):
        time_machine.move_to(start + timedelta(days=day), tick=False)
        earn(member)
    assert (profile(member).streak, profile(member).freezes) == (7, 1)

    # 8 May missed; 9 May at 00:01 the home shows the streak held by the freeze.
    time_machine.move_to("2026-05-09 00:01 +0700", tick=False)
    summary = xp_summary(member=member)
    assert (summary.streak, summary.freezes) == (7, 0)
    services.streaks_settle()
    stored = profile(member)
    assert (stored.streak, stored.freezes, stored.freezes_used) == (7, 0, 1)
    assert stored.streak_day == date(2026, 5, 8)
    earn(member)
    assert profile(member).streak == 8


def test_a_missed_day_without_a_freeze_ends_the_streak(union, time_machine):
    member = union.member_a
    time_machine.move_to("2026-05-04 23:59 +0700", tick=False)
    earn(member)
    time_machine.move_to("2026-05-05 23:59 +0700", tick=False)
    earn(member)
    assert profile(member).streak == 2

    # Nothing on 6 May: at 00:01 on 7 May the streak is over.
    time_machine.move_to("2026-05-07 00:01 +0700", tick=False)
    assert xp_summary(member=member).streak == 0
    services.streaks_settle()
    assert profile(member).streak == 0
    earn(member)
    stored = profile(member)
    assert (stored.streak, stored.streak_best) == (1, 2)


def test_freezes_are_earned_each_seven_days_and_at_most_two_held(union, time_machine):
    member = union.member_a
    start = timezone.make_aware(timezone.datetime(2026, 1, 1, 12, 0))
    for day in range(21):
        time_machine.move_to(start + timedelta(days=day), tick=False)
        earn(member)
    assert (profile(member).streak, profile(member).freezes) == (21, 2)


def test_the_goal_is_one_of_the_choices(union, client):
    member = union.member_a
    client.force_login(member.user)
    client.post("/hoc-tap/diem/", {"goal": "30"})
    assert profile(member).daily_goal == 30
    response = client.post("/hoc-tap/diem/", {"goal": "1"}, follow=True)
    assert profile(member).daily_goal == 30
    assert "Hãy chọn mục tiêu hằng ngày 10, 20, 30 hoặc 50 XP." in (
        response.content.decode()
    )


def test_streak_at_risk_reminds_in_the_evening_and_never_after_21(union, time_machine):
    member = union.member_a
    time_machine.move_to("2026-05-04 10:00 +0700", tick=False)
    earn(member)
    time_machine.move_to("2026-05-05 19:00 +0700", tick=False)
    earn(member, 5)  # short of today's goal

    targets = list(streak_at_risk(today=timezone.localdate()))
    assert [target.recipient_id for target in targets] == [member.user_id]
    assert targets[0].dedupe_key == f"streak-risk:2026-05-05:{member.user_id}"

    time_machine.move_to("2026-05-05 21:00 +0700", tick=False)
    assert list(streak_at_risk(today=timezone.localdate())) == []

    # Goal met: nothing at risk.
    time_machine.move_to("2026-05-05 20:00 +0700", tick=False)
    earn(member, 15)
    assert list(streak_at_risk(today=timezone.localdate())) == []
