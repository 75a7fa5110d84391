"""Reads of a member's own points: the home's block, their XP history, their badges."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from learning.models import BadgeAward, Level, XpDay, XpEvent, XpProfile
from learning.streaks import Streak, streak_settle
from members.cache import PUBLIC, scoped_cached
from members.models import Member
from members.scope import scoped
from members.selectors.register import member_for_user

HISTORY_PAGE = 50


@dataclass(frozen=True)
class XpSummary:
    """What the member's home and XP page show: today, the streak, the level."""

    total: int
    level: int
    level_from: int
    level_to: int | None
    today: int
    goal: int
    streak: int
    streak_best: int
    freezes: int
    goal_met: bool
    hidden: bool

    @property
    def goal_percent(self) -> int:
        return min(100, self.today * 100 // self.goal) if self.goal else 0

    @property
    def level_percent(self) -> int:
        if self.level_to is None:
            return 100
        span = self.level_to - self.level_from
        return min(100, max(0, (self.total - self.level_from) * 100 // span))

    @property
    def to_next(self) -> int | None:
        return None if self.level_to is None else max(0, self.level_to - self.total)


LEVELS = "learning.levels"  # bumped by level_save and level_delete
LEVELS_TTL = 3600  # the safety net: a change of the table bumps the cache


def levels_table() -> list[tuple[int, int]]:
    """Return the level table as (level, XP needed), read again after a change."""
    return scoped_cached(
        LEVELS,
        lambda: list(
            Level.objects.order_by("number").values_list("number", "threshold")
        ),
        user=PUBLIC,
        ttl=LEVELS_TTL,
    )


def xp_summary(*, member: Member, today: date | None = None) -> XpSummary:
    """Return the member's summary in one query; the streak as it stands today."""
    today = today or timezone.localdate()
    row = (
        XpProfile.objects.filter(member=member)
        .annotate(
            today_points=Coalesce(
                Subquery(
                    XpDay.objects.filter(member=member, day=today).values("points")[:1]
                ),
                Value(0),
            )
        )
        .first()
    )
    if row is None:
        row = XpProfile(member=member)
        row.today_points = 0
    table = levels_table()
    level_from = next((t for n, t in table if n == row.level), 0)
    level_to = next((t for n, t in table if n > row.level), None)
    streak = streak_settle(
        Streak(row.streak, row.streak_day, row.freezes, best=row.streak_best),
        today=today,
    )
    return XpSummary(
        total=row.total,
        level=row.level,
        level_from=level_from,
        level_to=level_to,
        today=row.today_points,
        goal=row.daily_goal,
        streak=streak.days,
        streak_best=row.streak_best,
        freezes=streak.freezes,
        goal_met=row.today_points >= row.daily_goal,
        hidden=row.leaderboard_hidden,
    )


def home_member(*, user) -> Member | None:
    """Return the person's member, as the home's earlier blocks already read it."""
    field = Member._meta.get_field("user").remote_field
    if user.is_authenticated and field.is_cached(user):
        return field.get_cached_value(user)
    return member_for_user(user=user)


def xp_home_block(*, user, member: Member | None = None) -> dict | None:
    """Return the home's block: today's goal, the streak and the level's progress."""
    member = member or home_member(user=user)
    if member is None:
        return None
    return {
        "template": "learning/xp/home_block.html",
        "order": 12,
        "summary": xp_summary(member=member),
    }


def my_xp_history(*, user, member: Member):
    """Return the member's own ledger, newest first: credited and refused alike."""
    return scoped(XpEvent.objects.all(), user, portal=True).filter(member=member)


def my_badges(*, user, member: Member) -> list[BadgeAward]:
    """Return the member's own badges not revoked, newest first."""
    return list(
        scoped(BadgeAward.objects.all(), user, portal=True)
        .filter(member=member, revoked_at__isnull=True)
        .select_related("badge")
    )
