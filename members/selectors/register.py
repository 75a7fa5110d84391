"""Reads of the register that pages, the admin and the portal home reuse."""

import calendar
import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils import timezone

from members.identifiers import phone_clean
from members.models import (
    CareCase,
    Member,
    Notification,
    NotificationPreference,
    Relative,
    birthday_key,
    relatives_allowed_q,
)
from members.reminders import reminders_all
from members.scope import scoped, subtree_q
from members.text import fold


def member_search_q(term: str, *, prefix: str = "") -> Q:
    """Return the filter for a search box: name without diacritics, code, CCCD, phone.

    "nguyen van a" finds "Nguyễn Văn A"; the name is matched on its folded
    copy, which is indexed, so the search works alike on SQLite and PostgreSQL.
    """
    term = " ".join(term.split())
    if not term:
        return Q()
    q = Q(**{f"{prefix}full_name_folded__contains": fold(term)})
    q |= Q(**{f"{prefix}employee_code__iexact": term})
    compact = term.replace(" ", "").replace(".", "")
    if compact.isdigit() and len(compact) == 12:
        q |= Q(**{f"{prefix}national_id": compact})
    with contextlib.suppress(ValidationError):
        q |= Q(**{f"{prefix}phone": phone_clean(term)})
    return q


def member_list(*, user, search: str = "") -> QuerySet[Member]:
    """Return the members the staff user may see, optionally searched."""
    queryset = scoped(Member.objects.all(), user).select_related("unit", "employer")
    return queryset.filter(member_search_q(search)) if search else queryset


def member_for_user(*, user) -> Member | None:
    """Return the member record of a logged-in person, if they have one."""
    return (
        scoped(Member.objects.all(), user, portal=True)
        .select_related("unit", "employer")
        .first()
    )


def relatives_for_user(*, user) -> QuerySet[Relative]:
    """Return the person's own relatives, for the portal."""
    return scoped(Relative.objects.all(), user, portal=True).order_by(
        "date_of_birth", "pk"
    )


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


def member_home_panel(*, user) -> dict | None:
    """Return the portal home's panel for a member: name, unit, card and relatives."""
    member = member_for_user(user=user)
    if member is None:
        return None
    return {"template": "members/home_panel.html", "order": 10, "member": member}


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


# Notifications ----------------------------------------------------------------


def notifications_for_user(*, user) -> QuerySet[Notification]:
    """Return the person's own notifications, newest first, for the portal inbox."""
    return scoped(Notification.objects.all(), user, portal=True)


def notifications_unread_count(*, user) -> int:
    """Return how many of the person's notifications are unread (the menu badge)."""
    return notifications_for_user(user=user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class NotificationSetting:
    kind: str
    label: str
    mandatory: bool
    enabled: bool


def notification_settings(*, user) -> list[tuple[str, list[NotificationSetting]]]:
    """Return every reminder kind with whether the person receives it.

    Grouped by who the kind is for ("" where a kind does not say), in the
    registry's order; a kind the person never turned off is on.
    """
    turned = dict(
        scoped(NotificationPreference.objects.all(), user, portal=True).values_list(
            "kind", "enabled"
        )
    )
    groups: dict[str, list[NotificationSetting]] = {}
    for reminder in reminders_all():
        recipients = str(reminder.recipients)
        groups.setdefault(recipients, []).append(
            NotificationSetting(
                kind=reminder.name,
                label=str(reminder.label),
                mandatory=reminder.mandatory,
                enabled=reminder.mandatory or turned.get(reminder.name, True),
            )
        )
    return list(groups.items())
