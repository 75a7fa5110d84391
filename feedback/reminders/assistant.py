"""Reminders of member voice: questions the assistant handed to officers, due soon."""

from collections.abc import Iterator
from datetime import date, timedelta

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import AssistantHandover
from members.models import StaffRole, Unit
from members.reminders import ReminderTarget, reminder


def _officers_by_path() -> dict[str, list[int]]:
    """Active union officers by the path of the unit they hold their role in."""
    officers: dict[str, list[int]] = {}
    roles = StaffRole.objects.filter(
        role=StaffRole.Role.OFFICER, user__is_active=True
    ).values_list("user_id", "unit__path")
    for user_id, path in roles.order_by("pk"):
        officers.setdefault(path, []).append(user_id)
    return officers


@reminder(
    name="feedback.assistant_handover_due",
    label=gettext_lazy("A question the assistant handed over is due for an answer"),
    recipients=gettext_lazy("Officers of the grassroots union the question went to"),
    roles=(StaffRole.Role.OFFICER,),
    crontab={"minute": "15", "hour": "8"},
)
def assistant_handover_due(*, today: date) -> Iterator[ReminderTarget]:
    """Remind the officers of a unit of an unanswered question due tomorrow or late.

    Two queries: the officers, then the waiting tickets due by tomorrow. The
    nearest officers are told (those of the grassroots union itself; if it has
    none, those of the nearest unit above). The key holds the day, so an
    overdue ticket is reminded once a day until answered.
    """
    officers = _officers_by_path()
    if not officers:
        return
    waiting = (
        AssistantHandover.objects.filter(
            answered_at__isnull=True, due_on__lte=today + timedelta(days=1)
        )
        .values_list("pk", "due_on", "unit__path", "question__text")
        .order_by("due_on", "pk")
    )
    for handover_id, due_on, path, text in waiting:
        nearest = next(
            (
                officers[lineage]
                for lineage in reversed(Unit.lineage_paths(path))
                if lineage in officers
            ),
            [],
        )
        title = (
            _("A member's question is past its answer date")
            if due_on < today
            else _("A member's question is due for an answer tomorrow")
        )
        for officer_id in nearest:
            yield ReminderTarget(
                recipient_id=officer_id,
                dedupe_key=f"assistant-handover:{handover_id}:{today}:{officer_id}",
                title=title,
                body=_("Answer by %(date)s: %(question)s")
                % {"date": f"{due_on:%d/%m/%Y}", "question": text[:200]},
                link=reverse(
                    "admin:feedback_assistanthandover_change", args=[handover_id]
                ),
            )
