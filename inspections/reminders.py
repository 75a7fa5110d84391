"""Reminders of inspections: the team before an activity; owners of overdue work."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import Activity, Recommendation
from inspections.services.findings import unit_chairs
from members.models import StaffRole
from members.reminders import MEMBER, ReminderTarget, reminder

# Days before an activity's planned start on which its team is reminded.
DAYS_BEFORE = (7, 1)
# Days past the due date after which the unit's chair hears of it.
ESCALATE_AFTER = 14
STAFF = (StaffRole.Role.OFFICER, StaffRole.Role.CARE_OFFICER, StaffRole.Role.VIEWER)


@reminder(
    name="inspections.activity_upcoming",
    label=gettext_lazy("An inspection or supervision you are on is coming up"),
    recipients=gettext_lazy("Inspection teams"),
    roles=STAFF,
    mandatory=True,
    crontab={"minute": "0", "hour": "7"},
)
def activity_upcoming(*, today: date) -> Iterator[ReminderTarget]:
    """Remind the lead and the team seven days and one day before the start.

    One query for the activities, one for their teams. The key holds the
    planned start, so an activity moved is reminded again for its new date.
    """
    stages = {today + timedelta(days=days): days for days in DAYS_BEFORE}
    activities = list(
        Activity.objects.filter(
            status=Activity.Status.PLANNED, planned_start__in=list(stages)
        )
        .select_related("inspected_unit")
        .prefetch_related("team")
        .order_by("pk")
    )
    for activity in activities:
        days = stages[activity.planned_start]
        people = {activity.lead_id, *(person.pk for person in activity.team.all())}
        title = (
            _("Tomorrow: %(kind)s of %(unit)s")
            if days == 1
            else _("In %(days)s days: %(kind)s of %(unit)s")
        ) % {
            "kind": activity.get_kind_display().lower(),
            "unit": activity.inspected_unit.name,
            "days": days,
        }
        body = _("%(topic)s, from %(date)s, %(mode)s.") % {
            "topic": activity.topic,
            "date": f"{activity.planned_start:%d/%m/%Y}",
            "mode": activity.get_mode_display().lower(),
        }
        for user_id in sorted(people):
            yield ReminderTarget(
                recipient_id=user_id,
                dedupe_key=(
                    f"inspection-activity:{activity.pk}:{activity.planned_start}"
                    f":T-{days}:{user_id}"
                ),
                title=title,
                body=body,
                link=reverse("inspections:activity", args=[activity.pk]),
            )


@reminder(
    name="inspections.recommendation_overdue",
    label=gettext_lazy("A recommendation to your unit is overdue"),
    recipients=gettext_lazy("Owners of recommendations, and the unit's chair"),
    roles=(MEMBER, *STAFF),
    mandatory=True,
    crontab={"minute": "30", "hour": "7"},
)
def recommendation_overdue(*, today: date) -> Iterator[ReminderTarget]:
    """Remind the owner weekly from the due date; after 14 days tell the chair.

    The owner hears on the due date and every seven days after, while the
    unit has not responded (a response returned counts as not responded).
    The key holds the week, so a missed day is caught up the next and each
    week is sent once. The chair (the inspected unit's officers; see
    ``unit_chairs``) hears once, from the fourteenth day overdue.
    """
    recommendations = (
        Recommendation.objects.filter(
            status__in=Recommendation.WAITING_ON_UNIT, due_date__lte=today
        )
        .select_related("inspected_unit")
        .order_by("pk")
    )
    link = reverse("inspections:recommendations")
    chairs_of: dict[int, list[int]] = {}
    for recommendation in recommendations.iterator(chunk_size=2000):
        days_over = (today - recommendation.due_date).days
        week = days_over // 7
        unit = recommendation.inspected_unit
        due = f"{recommendation.due_date:%d/%m/%Y}"
        text = recommendation.text[:200]
        yield ReminderTarget(
            recipient_id=recommendation.owner_id,
            dedupe_key=(
                f"recommendation-due:{recommendation.pk}:{recommendation.due_date}"
                f":W{week}:{recommendation.owner_id}"
            ),
            title=(
                _("A recommendation is due today")
                if days_over == 0
                else _("A recommendation is %(days)s days overdue")
                % {"days": days_over}
            ),
            body=_("Due %(date)s: %(text)s") % {"date": due, "text": text},
            link=link,
        )
        if days_over < ESCALATE_AFTER:
            continue
        if unit.pk not in chairs_of:
            chairs_of[unit.pk] = unit_chairs(unit)
        for chair_id in chairs_of[unit.pk]:
            if chair_id == recommendation.owner_id:
                continue
            yield ReminderTarget(
                recipient_id=chair_id,
                dedupe_key=(
                    f"recommendation-escalated:{recommendation.pk}:"
                    f"{recommendation.due_date}:{chair_id}"
                ),
                title=_("%(unit)s: a recommendation is %(days)s days overdue")
                % {"unit": unit.name, "days": days_over},
                body=_("Due %(date)s: %(text)s") % {"date": due, "text": text},
                link=reverse(
                    "admin:inspections_recommendation_change", args=[recommendation.pk]
                ),
            )
