"""Enrolments: a member's own, and those that staff make by assigning a course to units.

Members who join an assigned unit later (created there, transferred in, back
to active) are enrolled by ``assignments_enrol_member``, which
``learning.receivers`` calls after a member is saved; ``assignments_sync``
catches, each night, those that bulk writes (HRM imports) saved without it.
"""

from collections.abc import Iterable
from datetime import date
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import Assignment, Course, Enrolment
from learning.selectors.courses import LEARNING_STATUSES, course_open_to
from members.models import AuditEvent, Member, Unit, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record

BATCH = 1000


@transaction.atomic
def course_enrol(*, course: Course, member: Member) -> Enrolment:
    """Enrol the member in a published course meant for them (once)."""
    existing = Enrolment.objects.filter(member=member, course=course).first()
    if existing is not None:
        return existing
    if not course.is_published:
        raise ValidationError(_("This course is not open yet."), code="unpublished")
    if not course_open_to(course=course, member=member):
        raise ValidationError(
            _("This course is meant for other members."), code="audience"
        )
    enrolment, _created = Enrolment.objects.get_or_create(
        member=member,
        course=course,
        defaults={"source": Enrolment.Source.SELF, "deadline": course.deadline},
    )
    return enrolment


def course_assign_check(
    *, course: Course, units: list[Unit], deadline: date | None, actor: User | None
) -> None:
    """Raise PermissionDenied or ValidationError unless the assignment may be made."""
    require_unit_in_scope(actor, course.owner_unit)
    for unit in units:
        require_unit_in_scope(actor, unit)
    if not units:
        raise ValidationError(_("Choose at least one unit."), code="no_units")
    if not course.is_published:
        raise ValidationError(
            _("Only a published course can be assigned."), code="unpublished"
        )
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError(
            {"deadline": _("The deadline cannot be in the past.")}, code="past"
        )


@transaction.atomic
def course_assign(
    *, course: Course, units: Iterable[Unit], deadline: date, actor: User | None
) -> list[Assignment]:
    """Assign a course to units of the actor's scope; enrol their members now.

    Assigning it again to a unit moves the deadline. Members already enrolled
    and not finished take the assignment's deadline unless an earlier one
    already binds them.
    """
    units = list(units)
    course_assign_check(course=course, units=units, deadline=deadline, actor=actor)
    assigned_by = actor if actor is not None and actor.is_authenticated else None
    assignments = []
    for unit in units:
        assignment, _created = Assignment.objects.update_or_create(
            course=course,
            unit=unit,
            defaults={"deadline": deadline, "assigned_by": assigned_by},
        )
        _assignment_enrol(assignment=assignment, members=_members_under(unit))
        assignments.append(assignment)
        audit_record(
            actor=actor,
            action=AuditEvent.Action.STAFF_ACTION,
            obj=assignment,
            unit=unit,
            detail={
                "action": "course_assign",
                "course": course.pk,
                "deadline": deadline.isoformat(),
            },
        )
    return assignments


def _members_under(unit: Unit) -> QuerySet[Member]:
    return Member.objects.filter(
        unit__path__startswith=unit.path, status__in=LEARNING_STATUSES
    )


def _batched(items: Iterable, size: int):
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _assignment_enrol(*, assignment: Assignment, members: QuerySet[Member]) -> int:
    """Enrol the members in the assignment's course; return how many were not yet.

    Unfinished enrolments of these members take the assignment when they
    have none or a later deadline, and follow its deadline when it moves.
    """
    Enrolment.objects.filter(
        course_id=assignment.course_id,
        completed_at__isnull=True,
        member__in=members,
    ).filter(
        Q(assignment__isnull=True)
        | Q(deadline__isnull=True)
        | Q(deadline__gt=assignment.deadline)
        | (Q(assignment=assignment) & ~Q(deadline=assignment.deadline))
    ).update(assignment=assignment, deadline=assignment.deadline)
    enrolled = Enrolment.objects.filter(course_id=assignment.course_id).values(
        "member_id"
    )
    new_ids = (
        members.exclude(pk__in=enrolled).order_by("pk").values_list("pk", flat=True)
    )
    created = 0
    for batch in _batched(new_ids.iterator(chunk_size=BATCH), BATCH):
        # A member enrolling themselves meanwhile keeps their own row.
        Enrolment.objects.bulk_create(
            [
                Enrolment(
                    member_id=member_id,
                    course_id=assignment.course_id,
                    source=Enrolment.Source.ASSIGNED,
                    assignment=assignment,
                    deadline=assignment.deadline,
                )
                for member_id in batch
            ],
            ignore_conflicts=True,
        )
        created += len(batch)
    return created


def _assignments_open(today: date) -> QuerySet[Assignment]:
    return Assignment.objects.filter(
        course__status=Course.Status.PUBLISHED, deadline__gte=today
    ).select_related("unit")


@transaction.atomic
def assignments_enrol_member(*, member_id: int) -> int:
    """Enrol a member in the open assignments of their unit and the units above it."""
    member = (
        Member.objects.select_related("unit")
        .filter(pk=member_id, status__in=LEARNING_STATUSES)
        .first()
    )
    if member is None:
        return 0
    assignments = _assignments_open(timezone.localdate()).filter(
        unit__path__in=Unit.lineage_paths(member.unit.path)
    )
    created = 0
    # Earliest deadline first: it is the one a member bound by two keeps.
    for assignment in assignments.order_by("deadline", "pk"):
        created += _assignment_enrol(
            assignment=assignment, members=Member.objects.filter(pk=member.pk)
        )
    return created


def assignments_sync(*, today: date | None = None) -> int:
    """Enrol the members of assigned units not enrolled yet, one assignment a time."""
    today = today or timezone.localdate()
    created = 0
    for assignment in _assignments_open(today).order_by("deadline", "pk"):
        with transaction.atomic():
            created += _assignment_enrol(
                assignment=assignment, members=_members_under(assignment.unit)
            )
    return created
