"""The streak's arithmetic over local days: pure functions on a profile's fields.

A streak counts consecutive local days (Asia/Ho_Chi_Minh) with the daily goal
met. One freeze is earned every 7 streak days, at most 2 held; a day missed
uses one automatically and keeps the streak; a day missed with none left
ends it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

FREEZES_MAX = 2
FREEZE_EVERY = 7


@dataclass
class Streak:
    days: int
    last: date | None  # the last day counted: a goal met or a freeze used
    freezes: int
    freezes_used: int = 0
    best: int = 0


def streak_settle(streak: Streak, *, today: date) -> Streak:
    """Spend freezes on the days missed before ``today``, or end the streak."""
    if not streak.days or streak.last is None:
        return Streak(0, streak.last, streak.freezes, streak.freezes_used, streak.best)
    days, last, freezes, used = streak.days, streak.last, streak.freezes, 0
    yesterday = today - timedelta(days=1)
    while last < yesterday:
        if not freezes:
            return Streak(0, last, 0, streak.freezes_used + used, streak.best)
        freezes -= 1
        used += 1
        last += timedelta(days=1)
    return Streak(days, last, freezes, streak.freezes_used + used, streak.best)


def streak_goal_met(streak: Streak, *, today: date) -> Streak:
    """Count ``today`` as a day with the goal met (once); a freeze each 7 days."""
    settled = streak_settle(streak, today=today)
    if settled.last == today and settled.days:
        return settled
    days = settled.days + 1 if settled.days else 1
    freezes = settled.freezes
    if days % FREEZE_EVERY == 0:
        freezes = min(FREEZES_MAX, freezes + 1)
    return Streak(days, today, freezes, settled.freezes_used, max(settled.best, days))
