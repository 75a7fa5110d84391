"""Reminders of learning: an assigned course due soon; a mandatory message not
confirmed; a streak at risk tonight."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learning.models import (
    Course,
    Enrolment,
    FeedConfirmation,
    FeedPost,
    XpDay,
    XpProfile,
)
from learning.selectors.courses import LEARNING_STATUSES
from members.models import Member
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


# Days before a mandatory message's "confirm by" on which it is reminded.
CONFIRM_DAYS_BEFORE = (3, 1)


@reminder(
    name="learning.feed_confirm",
    label=gettext_lazy("A union message asks you to confirm you have read it"),
    recipients=gettext_lazy(
        "Members who have not confirmed a mandatory message meant for them"
    ),
    roles=(MEMBER,),
    crontab={"minute": "30", "hour": "8"},
)
def feed_confirm(*, today: date) -> Iterator[ReminderTarget]:
    """Remind a mandatory message's audience who have not confirmed, T-3 and T-1.

    The audience: current members with an active account whose unit is one
    of the post's units or under one. One query for the posts due, then one
    for each post's unconfirmed members. The key holds the day and the
    stage, so that each is sent once, and a day moved is reminded again.
    """
    stages = {today + timedelta(days=days): days for days in CONFIRM_DAYS_BEFORE}
    now = timezone.now()
    posts = (
        FeedPost.objects.filter(
            status=FeedPost.Status.PUBLISHED,
            confirm_required=True,
            confirm_by__in=list(stages),
            released_at__lte=now,
        )
        .prefetch_related("audience_units")
        .order_by("pk")
    )
    for post in posts:
        days = stages[post.confirm_by]
        reached = Q()
        for unit in post.audience_units.all():
            reached |= Q(unit__path__startswith=unit.path)
        confirmed = FeedConfirmation.objects.filter(post=post, member=OuterRef("pk"))
        members = (
            Member.objects.filter(
                reached,
                status__in=LEARNING_STATUSES,
                user__isnull=False,
                user__is_active=True,
            )
            .exclude(Exists(confirmed))
            .values_list("user_id", flat=True)
            .order_by("pk")
        )
        link = reverse("learning:feed_post", args=[post.pk])
        for user_id in members.iterator(chunk_size=2000):
            yield ReminderTarget(
                recipient_id=user_id,
                dedupe_key=(
                    f"feed-confirm:{post.pk}:{post.confirm_by}:T-{days}:{user_id}"
                ),
                title=_("Please confirm you have read: %(title)s")
                % {"title": post.title},
                body=_("The union asks you to confirm this message by %(date)s.")
                % {"date": f"{post.confirm_by:%d/%m/%Y}"},
                link=link,
            )


# No "streak at risk" is sent from this local hour on (nor after quiet hours).
STREAK_LAST_HOUR = 21


@reminder(
    name="learning.streak_at_risk",
    label=gettext_lazy("My learning streak ends tonight unless I reach my goal"),
    recipients=gettext_lazy("Members with a learning streak"),
    roles=(MEMBER,),
    crontab={"minute": "0", "hour": "19"},
)
def streak_at_risk(*, today: date) -> Iterator[ReminderTarget]:
    """Remind members whose streak counted yesterday and who are short of today's goal.

    Sent in the evening, never from 21:00 on: a run that starts late sends
    nothing. One query; the key holds the day, so one reminder a day.
    """
    if timezone.localtime().hour >= STREAK_LAST_HOUR:
        return
    met_today = XpDay.objects.filter(
        member_id=OuterRef("member_id"),
        day=today,
        points__gte=OuterRef("daily_goal"),
    )
    profiles = (
        XpProfile.objects.filter(
            streak__gt=0,
            streak_day=today - timedelta(days=1),
            member__status__in=LEARNING_STATUSES,
            member__user__isnull=False,
            member__user__is_active=True,
        )
        .filter(~Q(Exists(met_today)))
        .values_list("member__user_id", "streak", "daily_goal")
        .order_by("pk")
    )
    for user_id, streak, goal in profiles.iterator(chunk_size=2000):
        yield ReminderTarget(
            recipient_id=user_id,
            dedupe_key=f"streak-risk:{today.isoformat()}:{user_id}",
            title=_("Your %(days)s-day streak ends tonight") % {"days": streak},
            body=_("Earn %(goal)s XP today to keep it: one short lesson is enough.")
            % {"goal": goal},
            link=reverse("learning:my_xp"),
        )
