"""Reads of care: the care radar of a staff member and its weekly counts of a unit."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from members.models import CareCase, Member, Relative, birthday_key, relatives_allowed_q
from members.scope import scoped, subtree_q


def _birthday_keys(start: date, days: int) -> list[int]:
    keys = set()
    for n in range(days + 1):
        day = start + timedelta(days=n)
        keys.add(birthday_key(day))
        if day.month == 3 and day.day == 1 and not calendar.isleap(day.year):
            keys.add(229)  # those born on 29 February celebrate on 1 March
    return sorted(keys)


@dataclass(frozen=True)
class UpcomingDate:
    on: date
    kind: str
    person: str
    member: Member
    detail: str = ""


def _next_occurrence(born: date, today: date) -> date:
    for year in (today.year, today.year + 1):
        try:
            candidate = born.replace(year=year)
        except ValueError:  # 29 February in a common year: celebrate on 1 March
            candidate = date(year, 3, 1)
        if candidate >= today:
            return candidate
    return candidate


RADAR_LIMIT = 50


def care_radar(
    *, user, days: int = 14, today: date | None = None, limit: int = RADAR_LIMIT
) -> dict:
    """Return the staff user's care radar: neglected cases and upcoming dates.

    ``stale_cases``: open cases with no visit in the last ``days`` days (or
    none at all since they opened that long ago), longest neglected first;
    ``upcoming``: birthdays of members and relatives, and planned follow-ups,
    in the next ``days`` days, soonest first. Each list stops at ``limit``
    rows (a sector officer's radar holds thousands); ``stale_more`` and
    ``upcoming_more`` say whether more exist, read as one row more than shown
    rather than with a COUNT.
    """
    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    until = today + timedelta(days=days)
    cases = scoped(CareCase.objects.all(), user).filter(status=CareCase.Status.OPEN)
    stale = (
        cases.filter(
            Q(last_visit_on__lt=since)
            | Q(last_visit_on__isnull=True, opened_on__lt=since)
        )
        .select_related("member__unit", "relative")
        .order_by(F("last_visit_on").asc(nulls_first=True), "opened_on", "pk")[
            : limit + 1
        ]
    )
    keys = _birthday_keys(today, days)
    # Birthdays from today to 31 December first, then those after New Year.
    soonest = (
        Case(When(birthday_key__lt=birthday_key(today), then=Value(1)), default=0),
        "birthday_key",
        "pk",
    )
    members = (
        scoped(Member.objects.all(), user)
        .filter(status=Member.Status.ACTIVE, birthday_key__in=keys)
        .select_related("unit")
        .order_by(*soonest)[: limit + 1]
    )
    relatives = (
        scoped(Relative.objects.all(), user)
        .filter(birthday_key__in=keys, member__status=Member.Status.ACTIVE)
        .filter(relatives_allowed_q())
        .select_related("member__unit")
        .order_by(*soonest)[: limit + 1]
    )
    follow_ups = (
        cases.filter(follow_up_on__range=(today, until))
        .select_related("member__unit", "relative")
        .order_by("follow_up_on", "pk")[: limit + 1]
    )
    stale = list(stale)
    upcoming = [
        UpcomingDate(
            _next_occurrence(m.date_of_birth, today), "member_birthday", m.full_name, m
        )
        for m in members
    ]
    upcoming += [
        UpcomingDate(
            _next_occurrence(r.date_of_birth, today),
            "relative_birthday",
            r.full_name,
            r.member,
            r.get_relationship_display(),
        )
        for r in relatives
    ]
    upcoming += [
        UpcomingDate(
            c.follow_up_on, "follow_up", c.member.full_name, c.member, c.summary
        )
        for c in follow_ups
    ]
    upcoming.sort(key=lambda item: (item.on, item.person))
    return {
        "today": today,
        "days": days,
        "stale_cases": stale[:limit],
        "stale_more": len(stale) > limit,
        "upcoming": upcoming[:limit],
        "upcoming_more": len(upcoming) > limit,
    }


def care_radar_counts(*, unit, today: date, days: int = 7) -> dict[str, int]:
    """Return how many stale cases, birthdays and follow-ups a unit has this week."""
    since, until = today - timedelta(days=days), today + timedelta(days=days)
    keys = _birthday_keys(today, days)
    cases = CareCase.objects.filter(
        subtree_q(CareCase, unit), status=CareCase.Status.OPEN
    )
    active = Member.Status.ACTIVE
    return {
        "stale": cases.filter(
            Q(last_visit_on__lt=since)
            | Q(last_visit_on__isnull=True, opened_on__lt=since)
        ).count(),
        "birthdays": Member.objects.filter(
            subtree_q(Member, unit), status=active, birthday_key__in=keys
        ).count()
        + Relative.objects.filter(
            subtree_q(Relative, unit), member__status=active, birthday_key__in=keys
        )
        .filter(relatives_allowed_q())
        .count(),
        "follow_ups": cases.filter(follow_up_on__range=(today, until)).count(),
    }


RADAR_DAYS = 14


def care_cases_unvisited_count(*, user, today: date, days: int = RADAR_DAYS) -> int:
    """Return how many of the user's open cases nobody visited in ``days`` days.

    The radar's first list (``care_radar``), counted whole.
    """
    since = today - timedelta(days=days)
    return (
        scoped(CareCase.objects.all(), user)
        .filter(status=CareCase.Status.OPEN)
        .filter(
            Q(last_visit_on__lt=since)
            | Q(last_visit_on__isnull=True, opened_on__lt=since)
        )
        .count()
    )


def birthdays_count(*, user, today: date, days: int = 7) -> int:
    """Return how many members and relatives of the user's units have a birthday.

    From today to ``days`` days ahead, as the radar lists them: active
    members, and the relatives of active members who allow their relatives'
    care.
    """
    keys = _birthday_keys(today, days)
    members = (
        scoped(Member.objects.all(), user)
        .filter(status=Member.Status.ACTIVE, birthday_key__in=keys)
        .values("pk")
    )
    relatives = (
        scoped(Relative.objects.all(), user)
        .filter(birthday_key__in=keys, member__status=Member.Status.ACTIVE)
        .filter(relatives_allowed_q())
        .order_by()
        .values("pk")
    )
    return members.order_by().union(relatives, all=True).count()
