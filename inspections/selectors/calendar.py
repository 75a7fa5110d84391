"""A staff member's inspection calendar: their planned activities as iCalendar."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from inspections.models import Activity

PAST_DAYS = 90


def calendar_activities(*, user):
    """The activities the person leads or is on the team of, not cancelled or closed.

    Only theirs: the feed is their own calendar, whatever their staff scope.
    """
    since = timezone.localdate() - timedelta(days=PAST_DAYS)
    return (
        Activity.objects.filter(Q(lead=user) | Q(team=user))
        .filter(planned_end__gte=since)
        .exclude(status__in=(Activity.Status.CANCELLED, Activity.Status.CLOSED))
        .select_related("inspected_unit", "inspecting_unit")
        .distinct()
        .order_by("planned_start", "pk")
    )


def calendar_ics(*, user, host: str) -> bytes:
    """Return the person's activities as an iCalendar file (all-day events)."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Union Portal//Inspections//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Kiểm tra, giám sát")
    calendar.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    now = timezone.now()
    for activity in calendar_activities(user=user):
        event = Event()
        event.add("uid", f"inspection-activity-{activity.pk}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", activity.planned_start)
        event.add("dtend", activity.planned_end + timedelta(days=1))
        event.add(
            "summary",
            f"{activity.get_kind_display()}: {activity.inspected_unit.name}",
        )
        event.add(
            "description",
            f"{activity.topic}\n{activity.get_mode_display()} · "
            f"{activity.get_status_display()}\n{activity.inspecting_unit.name}",
        )
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
