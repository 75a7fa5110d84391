"""Reminders of members' data-rights requests: new, due soon, overdue.

They go to the union officers of the nearest unit at or above the member's
unit that has any; mandatory, since the deadlines are the law's. Each stage
of a request is told once (its dedupe key).
"""

from collections.abc import Iterator
from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.models import DataRightsRequest, StaffRole, Unit
from members.reminders import ReminderTarget, reminder


def request_handlers(unit: Unit) -> list[int]:
    """Return the ids of the officers of the nearest unit above ``unit`` having any."""
    ancestors = Unit.lineage_paths(unit.path)
    roles = list(
        StaffRole.objects.filter(
            role=StaffRole.Role.OFFICER,
            user__is_active=True,
            unit__path__in=ancestors,
        ).values_list("user_id", "unit__depth")
    )
    if not roles:
        return []
    deepest = max(depth for _user, depth in roles)
    return sorted({user for user, depth in roles if depth == deepest})


def _stages(request: DataRightsRequest, today: date) -> list[tuple[str, str]]:
    """Return (key, title) of each stage of a request to tell today."""
    values = {
        "number": request.pk,
        "kind": request.get_kind_display(),
        "name": request.member.full_name,
        "acknowledge": f"{request.acknowledge_by:%d/%m/%Y}",
        "complete": f"{request.complete_by:%d/%m/%Y}",
    }
    stages = []
    if request.status == DataRightsRequest.Status.RECEIVED:
        stages.append(
            (
                "new",
                _(
                    "Data-rights request #%(number)s (%(kind)s) from %(name)s: "
                    "acknowledge it by %(acknowledge)s"
                )
                % values,
            )
        )
        if today > request.acknowledge_by:
            stages.append(
                (
                    "acknowledge-overdue",
                    _("Overdue: acknowledge data-rights request #%(number)s") % values,
                )
            )
    if today > request.complete_by:
        stages.append(
            (
                "overdue",
                _("Overdue: data-rights request #%(number)s was due %(complete)s")
                % values,
            )
        )
    elif (request.complete_by - today).days <= DataRightsRequest.DUE_SOON_DAYS:
        stages.append(
            (
                "due-soon",
                _("Data-rights request #%(number)s is due %(complete)s") % values,
            )
        )
    return stages


@reminder(
    name="privacy.data_rights_request",
    label=gettext_lazy("Members' data-rights requests to handle"),
    recipients=gettext_lazy("Union officers"),
    roles=(StaffRole.Role.OFFICER,),
    mandatory=True,
    crontab={"minute": "5", "hour": "8-17", "day_of_week": "1-5"},
)
def data_rights_requests_due(*, today: date) -> Iterator[ReminderTarget]:
    """Tell officers of new requests and of deadlines coming or passed."""
    handlers: dict[int, list[int]] = {}
    requests = DataRightsRequest.objects.filter(
        status__in=DataRightsRequest.OPEN
    ).select_related("member__unit")
    for request in requests.order_by("pk"):
        stages = _stages(request, today)
        if not stages:
            continue
        unit = request.member.unit
        if unit.pk not in handlers:
            handlers[unit.pk] = request_handlers(unit)
        link = reverse("admin:members_datarightsrequest_change", args=[request.pk])
        body = _("Acknowledge by %(acknowledge)s, done by %(complete)s.") % {
            "acknowledge": f"{request.acknowledge_by:%d/%m/%Y}",
            "complete": f"{request.complete_by:%d/%m/%Y}",
        }
        for key, title in stages:
            for officer_id in handlers[unit.pk]:
                yield ReminderTarget(
                    recipient_id=officer_id,
                    dedupe_key=f"data-rights:{request.pk}:{key}:{officer_id}",
                    title=title,
                    body=body,
                    link=link,
                )
