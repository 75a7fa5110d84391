"""Reminders of surveys: a survey closes in two days and you have not answered."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models.surveys import Survey, SurveyParticipation
from feedback.selectors.surveys import ANSWERING_STATUSES
from members.models import Member
from members.reminders import MEMBER, ReminderTarget, reminder

DAYS_BEFORE = 2


@reminder(
    name="feedback.survey_closing",
    label=gettext_lazy("A survey you have not answered closes in two days"),
    recipients=gettext_lazy("Members of a survey's audience who have not answered"),
    roles=(MEMBER,),
    crontab={"minute": "30", "hour": "8"},
)
def survey_closing(*, today: date) -> Iterator[ReminderTarget]:
    """Remind the audience's members who have not taken part, two days before closing.

    Who answered is read from participation only, never from responses. One
    query a survey closing that day; the key holds the survey and the person.
    """
    day = today + timedelta(days=DAYS_BEFORE)
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    surveys = Survey.objects.filter(
        status=Survey.Status.PUBLISHED,
        closes_at__gte=start,
        closes_at__lt=start + timedelta(days=1),
        opens_at__lte=timezone.now(),
    ).prefetch_related("audience_units")
    for survey in surveys.order_by("pk"):
        audience = Q()
        for unit in survey.audience_units.all():
            audience |= Q(unit__path__startswith=unit.path)
        if not audience:
            continue
        taken = SurveyParticipation.objects.filter(survey=survey, member=OuterRef("pk"))
        members = (
            Member.objects.filter(
                audience,
                status__in=ANSWERING_STATUSES,
                user__isnull=False,
                user__is_active=True,
            )
            .exclude(Exists(taken))
            .values_list("user_id", flat=True)
            .order_by("pk")
        )
        link = reverse("feedback:survey_answer", args=[survey.pk])
        closes = timezone.localtime(survey.closes_at)
        for user_id in members.iterator(chunk_size=2000):
            yield ReminderTarget(
                recipient_id=user_id,
                dedupe_key=f"survey-closing:{survey.pk}:{user_id}",
                title=_("The survey %(survey)s closes in two days")
                % {"survey": survey.title},
                body=_("Your answers count. The survey closes at %(time)s.")
                % {"time": f"{closes:%H:%M %d/%m/%Y}"},
                link=link,
            )
