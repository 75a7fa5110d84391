"""Reminders of care programmes: periods ending with members not yet reached."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import (
    CareProgramme,
    ProgrammeEligibility,
    StaffRole,
)
from members.reminders import ReminderTarget, reminder
from members.reminders.care import _care_officers
from members.scope import subtree_q
from members.selectors.programmes import eligibility_undelivered

# Care officers hear of a programme this many days before its period ends, and
# again in its last days.
PERIOD_ENDING_DAYS = 14
LAST_DAYS = 3


@reminder(
    name="programmes.period_ending",
    label=gettext_lazy("Care programmes ending with members not yet reached"),
    recipients=gettext_lazy("Care officers of the grassroots union"),
    roles=(StaffRole.Role.CARE_OFFICER,),
    mandatory=True,
    crontab={"minute": "15", "hour": "8"},
)
def programmes_period_ending(*, today: date) -> Iterator[ReminderTarget]:
    """Tell care officers how many of their members a programme ending soon missed."""
    programmes = {
        programme.pk: programme
        for programme in CareProgramme.objects.filter(
            status=CareProgramme.Status.OPEN,
            period_end__range=(today, today + timedelta(days=PERIOD_ENDING_DAYS)),
        )
    }
    if not programmes:
        return
    changelist = reverse("admin:members_programmeeligibility_changelist")
    for officer_id, unit in _care_officers():
        waiting = (
            eligibility_undelivered(
                ProgrammeEligibility.objects.filter(
                    subtree_q(ProgrammeEligibility, unit),
                    programme__in=list(programmes),
                )
            )
            .values("programme")
            .annotate(count=Count("pk"))
            .order_by("programme")
        )
        for row in waiting:
            programme = programmes[row["programme"]]
            days_left = (programme.period_end - today).days
            stage = "last-days" if days_left <= LAST_DAYS else "soon"
            query = urlencode(
                {"programme": programme.pk, "delivered": "no", "subtree": unit.pk}
            )
            yield ReminderTarget(
                recipient_id=officer_id,
                dedupe_key=(
                    f"programme-ending:{programme.pk}:{programme.period_end}:"
                    f"{stage}:{unit.pk}:{officer_id}"
                ),
                title=_("%(programme)s ends on %(date)s: %(count)s not yet delivered")
                % {
                    "programme": programme.name,
                    "date": f"{programme.period_end:%d/%m/%Y}",
                    "count": row["count"],
                },
                body=_(
                    "%(count)s eligible in %(unit)s have no delivery recorded, "
                    "given or declined, %(days)s days before the period ends."
                )
                % {"count": row["count"], "unit": unit.name, "days": days_left},
                link=f"{changelist}?{query}",
            )
