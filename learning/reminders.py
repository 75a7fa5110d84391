"""Reminders of learning: an assigned course due in three days, then in one."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning.models import Course, Enrolment
from learning.selectors.courses import LEARNING_STATUSES
from members.reminders import MEMBER, ReminderTarget, reminder

# Days before the deadline on which members not finished are reminded.
DAYS_BEFORE = (3, 1)


@reminder(
    name="learning.assignment_deadline",
    label=gettext_lazy("An assigned course is due in a few days"),
    recipients=gettext_lazy("Members who have not finished a course assigned to them"),
    roles=(MEMBER,),
    crontab={"minute": "0", "hour": "8"},
)
def assignment_deadline(*, today: date) -> Iterator[ReminderTarget]:
    """Remind members of an assigned course they have not finished, T-3 and T-1.

    One query, through the index of unfinished enrolments by deadline. The
    key holds the deadline and the stage, so that each is sent once, and a
    deadline moved is reminded again.
    """
    stages = {today + timedelta(days=days): days for days in DAYS_BEFORE}
    enrolments = (
        Enrolment.objects.filter(
            assignment__isnull=False,
            completed_at__isnull=True,
            deadline__in=list(stages),
            course__status=Course.Status.PUBLISHED,
            member__status__in=LEARNING_STATUSES,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .values_list("pk", "deadline", "member__user_id", "course__title")
        .order_by("pk")
    )
    for enrolment_id, deadline, user_id, title in enrolments.iterator(chunk_size=2000):
        days = stages[deadline]
        yield ReminderTarget(
            recipient_id=user_id,
            dedupe_key=(
                f"course-deadline:{enrolment_id}:{deadline}:T-{days}:{user_id}"
            ),
            title=(
                _("%(course)s is due tomorrow") % {"course": title}
                if days == 1
                else _("%(course)s is due in %(days)s days")
                % {"course": title, "days": days}
            ),
            body=_("Finish the course %(course)s by %(date)s.")
            % {"course": title, "date": f"{deadline:%d/%m/%Y}"},
        )
