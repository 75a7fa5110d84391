"""Reminders of initiatives: benefit follow-ups falling due."""

from collections.abc import Iterator
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feedback.models import BenefitFollowUp
from members.models import StaffRole, Unit
from members.reminders import ReminderTarget, reminder


@reminder(
    name="feedback.initiative_benefit_due",
    label=gettext_lazy("An initiative's actual benefit is due to be recorded"),
    recipients=gettext_lazy("Officers of the unit of a recognised initiative"),
    roles=(StaffRole.Role.OFFICER,),
    crontab={"minute": "15", "hour": "8"},
)
def initiative_benefit_due(*, today: date) -> Iterator[ReminderTarget]:
    """Remind the unit's officers of a 6- or 12-month follow-up due, not recorded.

    The officers are those of the nearest unit at or above the initiative's
    unit that has any. Two queries; the key holds the follow-up, so each
    officer is reminded of each follow-up once.
    """
    follow_ups = list(
        BenefitFollowUp.objects.filter(due_on__lte=today, recorded_at__isnull=True)
        .values_list(
            "pk",
            "months",
            "due_on",
            "initiative_id",
            "initiative__title",
            "initiative__unit__path",
        )
        .order_by("pk")
    )
    if not follow_ups:
        return
    paths = {p for row in follow_ups for p in Unit.lineage_paths(row[5])}
    officers: dict[str, list[int]] = {}
    for path, user_id in (
        StaffRole.objects.filter(
            role=StaffRole.Role.OFFICER,
            unit__path__in=paths,
            user__is_active=True,
        )
        .values_list("unit__path", "user_id")
        .order_by("user_id")
    ):
        officers.setdefault(path, []).append(user_id)
    link = reverse("admin:feedback_benefitfollowup_changelist") + "?due=yes"
    for pk, months, due_on, _initiative, title, unit_path in follow_ups:
        nearest = next(
            (
                officers[path]
                for path in reversed(Unit.lineage_paths(unit_path))
                if path in officers
            ),
            [],
        )
        for user_id in nearest:
            yield ReminderTarget(
                recipient_id=user_id,
                dedupe_key=f"initiative-benefit:{pk}:{months}:{user_id}",
                title=_("Record the actual benefit of “%(title)s”") % {"title": title},
                body=_(
                    "The %(months)s-month follow-up of this recognised initiative "
                    "was due on %(date)s."
                )
                % {"months": months, "date": f"{due_on:%d/%m/%Y}"},
                link=link,
            )
