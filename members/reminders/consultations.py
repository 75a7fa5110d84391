"""Reminders of consultations: the member's appointment tomorrow."""

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import ConsultationRequest
from members.reminders import MEMBER, ReminderTarget, reminder
from members.services.consultations import appointment_text


@reminder(
    name="consultation.day_before",
    label=gettext_lazy("Consultation appointment tomorrow"),
    recipients=gettext_lazy("Members who asked for a consultation"),
    roles=(MEMBER,),
    # Twice a day, so that an appointment made in the afternoon is reminded too.
    crontab={"minute": "0", "hour": "8,17"},
)
def consultation_day_before(*, today: date) -> Iterator[ReminderTarget]:
    """Remind members of their consultation appointments tomorrow."""
    tomorrow = today + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min))
    consultations = ConsultationRequest.objects.filter(
        status=ConsultationRequest.Status.SCHEDULED,
        scheduled_at__gte=start,
        scheduled_at__lt=start + timedelta(days=1),
        member__user__isnull=False,
        member__user__is_active=True,
    ).select_related("member")
    link = reverse("members:consultations")
    for consultation in consultations.order_by("scheduled_at", "pk"):
        when = timezone.localtime(consultation.scheduled_at)
        yield ReminderTarget(
            recipient_id=consultation.member.user_id,
            # A moved appointment is a new occasion, reminded again.
            dedupe_key=(
                f"consultation-reminder:{consultation.pk}:"
                f"{consultation.scheduled_at.isoformat()}"
            ),
            title=_("Tomorrow at %(time)s: your consultation")
            % {"time": f"{when:%H:%M}"},
            body=appointment_text(consultation),
            link=link,
        )
