"""Writes of plans and activities: the scope, the team's independence, the dates."""

import functools
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from inspections.models import Activity, Plan, Recommendation
from members.models import StaffRole, Unit, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.text import nfc


def _audit(actor, action: str, obj, **detail) -> None:
    audit_record(
        actor=actor,
        action="staff_action",
        obj=obj,
        detail={"action": action, **detail},
    )


def refusals_recorded(action: str):
    """Record a refused write (who, what, why) in the audit trail, then raise.

    The write runs in its own transaction, rolled back on refusal; the record
    is made after it, so nothing of the refused write is kept but the record.
    """

    def decorate(service):
        @functools.wraps(service)
        def run(**kwargs):
            try:
                return service(**kwargs)
            except ValidationError as error:
                target = kwargs.get("plan") or kwargs.get("activity")
                audit_record(
                    actor=kwargs.get("actor"),
                    action="staff_action",
                    unit=getattr(target, "inspecting_unit", None),
                    detail={
                        "action": f"{action}_refused",
                        "reasons": [str(m) for m in error.messages],
                    },
                )
                raise

        return run

    return decorate


def in_subtree(unit: Unit, of: Unit) -> bool:
    """Return whether ``unit`` is ``of`` or lies under it."""
    return unit.path.startswith(of.path)


def inspector_units(user: User) -> list[Unit]:
    """Return the units an inspector belongs to: their member's unit, their roles'."""
    units = [
        role.unit for role in StaffRole.objects.filter(user=user).select_related("unit")
    ]
    try:
        member = user.member
    except User.member.RelatedObjectDoesNotExist:
        member = None
    if member is not None:
        units.append(member.unit)
    return units


def own_unit_conflicts(*, people: Iterable[User], inspected_unit: Unit) -> list[User]:
    """Return the people who belong to the inspected unit (or a unit under it).

    An inspector may not inspect their own unit: one whose member record or
    staff role sits in the inspected unit's subtree. A role above it (the
    upper union's officer inspecting a grassroots union) is no conflict.
    """
    return [
        person
        for person in people
        if any(in_subtree(unit, inspected_unit) for unit in inspector_units(person))
    ]


def activity_validate(
    activity: Activity, *, team: list[User], contacts: list[User]
) -> None:
    errors = []
    plan = activity.plan
    if not in_subtree(activity.inspected_unit, plan.inspecting_unit):
        errors.append(
            _("%(unit)s is not under %(inspecting)s: it cannot inspect it.")
            % {"unit": activity.inspected_unit, "inspecting": plan.inspecting_unit}
        )
    if activity.planned_start.year != plan.year:
        errors.append(
            _("The planned start must fall in the plan's year, %(year)s.")
            % {"year": plan.year}
        )
    if activity.planned_end < activity.planned_start:
        errors.append(_("The planned end is before the planned start."))
    if (
        activity.actual_start
        and activity.actual_end
        and activity.actual_end < activity.actual_start
    ):
        errors.append(_("The actual end is before the actual start."))
    conflicts = own_unit_conflicts(
        people=[activity.lead, *team], inspected_unit=activity.inspected_unit
    )
    for person in conflicts:
        errors.append(
            _("%(person)s belongs to %(unit)s and may not inspect their own unit.")
            % {
                "person": person.get_full_name() or person,
                "unit": activity.inspected_unit,
            }
        )
    outsiders = [
        person
        for person in contacts
        if not any(
            in_subtree(unit, activity.inspected_unit)
            for unit in inspector_units(person)
        )
    ]
    for person in outsiders:
        errors.append(
            _("%(person)s does not belong to %(unit)s and cannot answer for it.")
            % {
                "person": person.get_full_name() or person,
                "unit": activity.inspected_unit,
            }
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def plan_create(
    *, actor: User | None, inspecting_unit: Unit, year: int, title: str
) -> Plan:
    """Create the year's plan of an inspecting unit (one a unit a year)."""
    require_unit_in_scope(actor, inspecting_unit)
    if Plan.objects.filter(inspecting_unit=inspecting_unit, year=year).exists():
        raise ValidationError(
            _("%(unit)s already has a plan for %(year)s.")
            % {"unit": inspecting_unit, "year": year}
        )
    plan = Plan.objects.create(
        inspecting_unit=inspecting_unit,
        year=year,
        title=nfc(title),
        created_by=actor if actor and actor.is_authenticated else None,
    )
    _audit(actor, "inspection_plan_create", plan, year=year)
    return plan


@refusals_recorded("inspection_activity_create")
@transaction.atomic
def activity_create(
    *,
    actor: User | None,
    plan: Plan,
    inspected_unit: Unit,
    kind: str,
    mode: str,
    topic: str,
    planned_start: date,
    planned_end: date | None = None,
    lead: User,
    team: Iterable[User] = (),
    contacts: Iterable[User] = (),
    checklist=None,
) -> Activity:
    """Plan an activity: the unit under the inspecting unit, nobody on their own."""
    require_unit_in_scope(actor, plan.inspecting_unit)
    team, contacts = list(team), list(contacts)
    activity = Activity(
        plan=plan,
        inspecting_unit=plan.inspecting_unit,
        year=plan.year,
        inspected_unit=inspected_unit,
        kind=kind,
        mode=mode,
        topic=nfc(topic),
        planned_start=planned_start,
        planned_end=planned_end or planned_start,
        original_start=planned_start,
        lead=lead,
        checklist=checklist,
    )
    activity_validate(activity, team=team, contacts=contacts)
    activity.save()
    activity.team.set(team)
    activity.contacts.set(contacts)
    _audit(actor, "inspection_activity_create", activity, kind=kind, mode=mode)
    return activity


EDITABLE = (
    "inspected_unit",
    "kind",
    "mode",
    "topic",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "lead",
    "minutes",
    "checklist",
)


@refusals_recorded("inspection_activity_update")
@transaction.atomic
def activity_update(
    *,
    actor: User | None,
    activity: Activity,
    team: Iterable[User] | None = None,
    contacts: Iterable[User] | None = None,
    **fields,
) -> Activity:
    """Change an activity (move it, change its mode or team), checking every rule.

    A new planned start in another quarter moves the activity there; the
    date first planned stays in ``original_start``. The checklist of an
    activity with answers does not change.
    """
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {sorted(unknown)}")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_unit_in_scope(actor, activity.inspecting_unit)
    if activity.status == Activity.Status.CANCELLED:
        raise ValidationError(_("A cancelled activity cannot be changed."))
    if (
        "checklist" in fields
        and fields["checklist"] != activity.checklist
        and activity.answers.exists()
    ):
        raise ValidationError(
            _("The checklist has answers already; it cannot be replaced.")
        )
    before = {name: str(getattr(activity, name)) for name in fields}
    for name, value in fields.items():
        setattr(activity, name, nfc(value) if name == "topic" else value)
    team = list(activity.team.all()) if team is None else list(team)
    contacts = list(activity.contacts.all()) if contacts is None else list(contacts)
    activity_validate(activity, team=team, contacts=contacts)
    activity.save()
    activity.team.set(team)
    activity.contacts.set(contacts)
    changed = {k: [v, str(getattr(activity, k))] for k, v in before.items()}
    _audit(actor, "inspection_activity_update", activity, changed=changed)
    return activity


_NEXT = {
    Activity.Status.PLANNED: (Activity.Status.IN_PROGRESS, Activity.Status.CONCLUDED),
    Activity.Status.IN_PROGRESS: (Activity.Status.CONCLUDED,),
    Activity.Status.CONCLUDED: (Activity.Status.CLOSED,),
}


@refusals_recorded("inspection_activity_status")
@transaction.atomic
def activity_status_set(
    *,
    actor: User | None,
    activity: Activity,
    status: str,
    on: date | None = None,
    reason: str = "",
) -> Activity:
    """Move an activity on: start it, conclude it, close its follow-up, or cancel it.

    Starting sets the actual start (``on``, default the planned start);
    concluding the actual end. Closing the follow-up needs every
    recommendation accepted. Cancelling needs a reason and takes the
    activity out of the split.
    """
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    require_unit_in_scope(actor, activity.inspecting_unit)
    current = activity.status
    if status == Activity.Status.CANCELLED:
        if current in Activity.DONE or current == Activity.Status.CANCELLED:
            raise ValidationError(_("Only an activity not yet done can be cancelled."))
        if not reason.strip():
            raise ValidationError(_("Say why the activity is cancelled."))
        activity.cancelled_reason = nfc(reason)
    elif status not in _NEXT.get(current, ()):
        raise ValidationError(
            _("An activity %(current)s cannot become %(status)s.")
            % {
                "current": Activity.Status(current).label,
                "status": Activity.Status(status).label,
            }
        )
    if status == Activity.Status.IN_PROGRESS:
        activity.actual_start = on or activity.planned_start
    if status == Activity.Status.CONCLUDED:
        activity.actual_start = activity.actual_start or on or activity.planned_start
        activity.actual_end = on or activity.actual_start
        if activity.actual_end < activity.actual_start:
            raise ValidationError(_("The actual end is before the actual start."))
    if status == Activity.Status.CLOSED:
        waiting = Recommendation.objects.filter(finding__activity=activity).exclude(
            status=Recommendation.Status.ACCEPTED
        )
        if waiting.exists():
            raise ValidationError(
                _("Every recommendation must be accepted before the follow-up closes.")
            )
    activity.status = status
    activity.save()
    _audit(
        actor,
        "inspection_activity_status",
        activity,
        before=current,
        after=status,
        reason=activity.cancelled_reason if status == Activity.Status.CANCELLED else "",
    )
    return activity
