"""Care reminders: birthdays, cases nobody visited lately, the weekly care radar."""

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import (
    CareCase,
    Member,
    Relative,
    StaffRole,
    Unit,
    birthday_key,
    relatives_allowed_q,
)
from members.reminders import ReminderTarget, reminder
from members.selectors.care import care_radar_counts


def _care_officers() -> Iterator[tuple[int, Unit]]:
    """Yield (user id, unit) for care officers of grassroots unions and groups."""
    roles = StaffRole.objects.filter(
        role=StaffRole.Role.CARE_OFFICER,
        user__is_active=True,
        unit__level__in=[Unit.Level.GRASSROOTS, Unit.Level.GROUP],
    ).select_related("unit")
    for role in roles.order_by("pk").iterator(chunk_size=500):
        yield role.user_id, role.unit


def _care_officers_by_unit() -> dict[str, list[int]]:
    """Return the ids of the care officers of grassroots unions and groups, by path."""
    officers: dict[str, list[int]] = {}
    for officer_id, unit in _care_officers():
        officers.setdefault(unit.path, []).append(officer_id)
    return officers


def _officers_over(officers: dict[str, list[int]], path: str) -> list[int]:
    """Return the care officers whose unit is the unit at ``path`` or above it."""
    return list(
        dict.fromkeys(
            officer_id
            for lineage in Unit.lineage_paths(path)
            for officer_id in officers.get(lineage, ())
        )
    )


@reminder(
    name="care.birthday",
    label=gettext_lazy("Birthdays of members and relatives tomorrow"),
    recipients=gettext_lazy("Care officers of the grassroots union"),
    roles=(StaffRole.Role.CARE_OFFICER,),
    crontab={"minute": "0", "hour": "8"},
)
def care_birthdays(*, today: date) -> Iterator[ReminderTarget]:
    """Tell care officers of members' and relatives' birthdays tomorrow.

    Three queries whatever the number of officers: the officers, then the
    members and the relatives born on the day, each handed to the officers
    of its unit and the units above.
    """
    tomorrow = today + timedelta(days=1)
    keys = [birthday_key(tomorrow)]
    if tomorrow.month == 3 and tomorrow.day == 1 and not calendar.isleap(tomorrow.year):
        keys.append(229)  # born on 29 February: celebrated on 1 March
    officers = _care_officers_by_unit()
    if not officers:
        return
    members = (
        Member.objects.filter(status=Member.Status.ACTIVE, birthday_key__in=keys)
        .values_list("pk", "full_name", "unit__path")
        .order_by("pk")
    )
    for member_id, name, path in members:
        for officer_id in _officers_over(officers, path):
            yield ReminderTarget(
                recipient_id=officer_id,
                dedupe_key=f"care-birthday:member:{member_id}:{tomorrow}:{officer_id}",
                title=_("Birthday tomorrow: %(name)s") % {"name": name},
                body=_("%(name)s, a member of your union, has a birthday on %(date)s.")
                % {"name": name, "date": f"{tomorrow:%d/%m/%Y}"},
                link=reverse("admin:members_member_change", args=[member_id]),
            )
    relatives = (
        Relative.objects.filter(
            relatives_allowed_q(),
            member__status=Member.Status.ACTIVE,
            birthday_key__in=keys,
        )
        .select_related("member__unit")
        .order_by("pk")
    )
    for relative in relatives:
        for officer_id in _officers_over(officers, relative.member.unit.path):
            yield ReminderTarget(
                recipient_id=officer_id,
                dedupe_key=(
                    f"care-birthday:relative:{relative.pk}:{tomorrow}:{officer_id}"
                ),
                title=_("Birthday tomorrow: %(name)s (%(relation)s of %(member)s)")
                % {
                    "name": relative.full_name,
                    "relation": relative.get_relationship_display(),
                    "member": relative.member.full_name,
                },
                body=_("A relative of %(member)s has a birthday on %(date)s.")
                % {"member": relative.member.full_name, "date": f"{tomorrow:%d/%m/%Y}"},
                link=reverse("admin:members_member_change", args=[relative.member_id]),
            )


@reminder(
    name="care.case_unvisited",
    label=gettext_lazy("Care cases with no visit for too long"),
    recipients=gettext_lazy("Care officers of the grassroots union"),
    roles=(StaffRole.Role.CARE_OFFICER,),
    mandatory=True,
    crontab={"minute": "30", "hour": "8"},
)
def care_cases_unvisited(*, today: date) -> Iterator[ReminderTarget]:
    """Tell care officers about open cases nobody visited in CARE_UNVISITED_DAYS.

    Two queries whatever the number of officers and cases: the officers, then
    the open cases whose last visit (or opening, if none) is older, which the
    index on (status, last_visit_on) finds.
    """
    days = settings.CARE_UNVISITED_DAYS
    since = today - timedelta(days=days)
    officers = _care_officers_by_unit()
    if not officers:
        return
    cases = (
        CareCase.objects.filter(status=CareCase.Status.OPEN)
        .filter(
            Q(last_visit_on__lt=since)
            | Q(last_visit_on__isnull=True, opened_on__lt=since)
        )
        .select_related("member__unit")
        .order_by("pk")
    )
    for case in cases:
        last = case.last_visit_on or case.opened_on
        for officer_id in _officers_over(officers, case.member.unit.path):
            yield ReminderTarget(
                recipient_id=officer_id,
                # A new visit changes the key, so the next lapse is told again.
                dedupe_key=f"care-unvisited:{case.pk}:{last}:{officer_id}",
                title=_("No visit for %(days)s days: %(name)s")
                % {"days": (today - last).days, "name": case.member.full_name},
                body=_("%(kind)s: %(summary)s. Opened on %(opened)s.")
                % {
                    "kind": case.get_kind_display(),
                    "summary": case.summary,
                    "opened": f"{case.opened_on:%d/%m/%Y}",
                },
                link=reverse("admin:members_carecase_change", args=[case.pk]),
            )


@reminder(
    name="care.weekly_digest",
    label=gettext_lazy("Weekly care radar"),
    recipients=gettext_lazy("Care officers of the grassroots union"),
    roles=(StaffRole.Role.CARE_OFFICER,),
    crontab={"minute": "0", "hour": "7", "day_of_week": "1"},
)
def care_weekly_digest(*, today: date) -> Iterator[ReminderTarget]:
    """Send each care officer the week's care radar of their unit, once a week."""
    year, week, _weekday = today.isocalendar()
    for officer_id, unit in _care_officers():
        counts = care_radar_counts(unit=unit, today=today, days=7)
        if not any(counts.values()):
            continue
        yield ReminderTarget(
            recipient_id=officer_id,
            dedupe_key=f"care-digest:{officer_id}:{unit.pk}:{year}-W{week:02d}",
            title=_("Care radar of %(unit)s this week") % {"unit": unit.name},
            body=_(
                "%(stale)s open cases with no visit for 7 days, %(birthdays)s "
                "birthdays and %(follow_ups)s planned follow-ups in the next 7 days."
            )
            % counts,
            link=reverse("admin:members_care_radar") + "?days=7",
        )
