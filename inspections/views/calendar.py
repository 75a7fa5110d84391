"""The private calendar feed of a staff member's inspections."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from inspections.models import CalendarFeed
from inspections.selectors.calendar import calendar_activities, calendar_ics
from inspections.services import calendar_feed_for


@login_required
@require_http_methods(["GET", "POST"])
def calendar_page(request):
    """Show the person's calendar address; POST makes a new one (the old stops)."""
    if request.method == "POST":
        calendar_feed_for(user=request.user, renew=True)
        return redirect("inspections:calendar")
    feed = calendar_feed_for(user=request.user)
    return render(
        request,
        "inspections/calendar/calendar.html",
        {
            "feed_url": request.build_absolute_uri(
                reverse("inspections:calendar_feed", args=[feed.token])
            ),
            "activities": list(calendar_activities(user=request.user)[:50]),
        },
    )


@require_GET
def calendar_feed(request, token: str):
    """The feed a calendar app polls: the key in the address is the only login."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    response = HttpResponse(
        calendar_ics(user=feed.user, host=request.get_host()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Cache-Control"] = "private, max-age=900"
    return response
