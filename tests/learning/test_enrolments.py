"""Enrolment: members enrol where the audience lets them; assignments enrol units."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learning import services
from learning.models import Assignment, Course, Enrolment
from members import services as member_services
from members.models import AuditEvent, Member, StaffRole
from tests.learning.factories import make_course, make_learner
from tests.members.factories import make_member, next_serial

pytestmark = pytest.mark.django_db


def enrolled_ids(course) -> set[int]:
    return set(Enrolment.objects.filter(course=course).values_list("member", flat=True))


# Self-enrolment ---------------------------------------------------------------------


def test_a_member_enrols_in_a_published_course_for_all_once(union):
    deadline = timezone.localdate() + timedelta(days=30)
    course = make_course(owner_unit=union.vnpt, deadline=deadline)

    first = services.course_enrol(course=course, member=union.member_a)
    again = services.course_enrol(course=course, member=union.member_a)

    assert first.pk == again.pk
    assert first.source == Enrolment.Source.SELF
    assert first.deadline == deadline


def test_a_draft_course_takes_no_enrolment(union):
    course = make_course(owner_unit=union.vnpt, status=Course.Status.DRAFT)
    with pytest.raises(ValidationError):
        services.course_enrol(course=course, member=union.member_a)
    assert not Enrolment.objects.exists()


def test_a_course_for_some_units_takes_their_members_and_those_under_them(union):
    course = make_course(
        owner_unit=union.vnpt,
        audience=Course.Audience.UNITS,
        audience_units=(union.unit_a,),
    )
    in_group = make_learner(unit=union.group_a, full_name="Lê Thị Tổ")

    services.course_enrol(course=course, member=union.member_a)
    services.course_enrol(course=course, member=in_group)
    with pytest.raises(ValidationError):
        services.course_enrol(course=course, member=union.member_b)

    assert enrolled_ids(course) == {union.member_a.pk, in_group.pk}


def test_a_course_for_officers_takes_members_holding_a_staff_role(union):
    course = make_course(
        owner_unit=union.vnpt,
        audience=Course.Audience.OFFICERS,
        category=Course.Category.OFFICER,
    )
    with pytest.raises(ValidationError):
        services.course_enrol(course=course, member=union.member_a)

    member_services.staff_role_grant(
        user=union.member_a.user, unit=union.unit_a, role=StaffRole.Role.OFFICER
    )
    services.course_enrol(course=course, member=union.member_a)

    assert enrolled_ids(course) == {union.member_a.pk}


def test_a_member_who_left_cannot_enrol(union, course):
    Member.objects.filter(pk=union.member_a.pk).update(status=Member.Status.LEFT)
    union.member_a.refresh_from_db()
    with pytest.raises(ValidationError):
        services.course_enrol(course=course, member=union.member_a)


# Assignments ------------------------------------------------------------------------


@pytest.fixture
def deadline():
    return timezone.localdate() + timedelta(days=14)


def test_assigning_a_course_enrols_the_members_under_the_unit(union, course, deadline):
    in_group = make_learner(unit=union.group_a, full_name="Lê Thị Tổ")
    left = make_member(unit=union.unit_a, full_name="Đã Nghỉ Việc")
    Member.objects.filter(pk=left.pk).update(status=Member.Status.LEFT)

    (assignment,) = services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )

    assert enrolled_ids(course) == {union.member_a.pk, in_group.pk}
    enrolment = Enrolment.objects.get(member=union.member_a, course=course)
    assert enrolment.source == Enrolment.Source.ASSIGNED
    assert enrolment.assignment == assignment
    assert enrolment.deadline == deadline
    assert assignment.assigned_by == union.officer_vnpt


def test_staff_assign_only_their_courses_to_their_units(union, course, deadline):
    own_course = make_course(owner_unit=union.unit_a, title="Khoá của CĐCS A")

    with pytest.raises(PermissionDenied):
        # The course belongs to VNPT, above the officer's union.
        services.course_assign(
            course=course,
            units=[union.unit_a],
            deadline=deadline,
            actor=union.officer_a,
        )
    with pytest.raises(PermissionDenied):
        services.course_assign(
            course=own_course,
            units=[union.unit_b],
            deadline=deadline,
            actor=union.officer_a,
        )

    assert not Assignment.objects.exists()
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("problem", ["draft", "past", "no units"])
def test_an_assignment_needs_a_published_course_a_future_deadline_and_units(
    union, course, deadline, problem
):
    units = [union.unit_a]
    if problem == "draft":
        Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
        course.refresh_from_db()
    elif problem == "past":
        deadline = timezone.localdate() - timedelta(days=1)
    else:
        units = []

    with pytest.raises(ValidationError):
        services.course_assign(
            course=course, units=units, deadline=deadline, actor=union.officer_vnpt
        )
    assert not Enrolment.objects.exists()


def test_an_assignment_binds_members_enrolled_already_but_not_those_finished(
    union, course, deadline
):
    own = services.course_enrol(course=course, member=union.member_a)
    finished_member = make_learner(unit=union.unit_a, full_name="Đã Học Xong")
    finished = services.course_enrol(course=course, member=finished_member)
    Enrolment.objects.filter(pk=finished.pk).update(completed_at=timezone.now())

    (assignment,) = services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )

    own.refresh_from_db()
    finished.refresh_from_db()
    assert own.source == Enrolment.Source.SELF
    assert (own.assignment, own.deadline) == (assignment, deadline)
    assert (finished.assignment, finished.deadline) == (None, None)


def test_assigning_again_moves_the_deadline(union, course, deadline):
    services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )
    later = deadline + timedelta(days=7)
    services.course_assign(
        course=course, units=[union.unit_a], deadline=later, actor=union.officer_vnpt
    )

    assert Assignment.objects.get().deadline == later
    assert Enrolment.objects.get(member=union.member_a).deadline == later


def test_a_member_who_joins_an_assigned_unit_later_is_enrolled(
    union, course, deadline, django_capture_on_commit_callbacks
):
    services.course_assign(
        course=course, units=[union.vnpt], deadline=deadline, actor=union.officer_vnpt
    )
    other = make_course(owner_unit=union.vnpt, title="Khoá khác")
    services.course_assign(
        course=other, units=[union.unit_b], deadline=deadline, actor=union.officer_vnpt
    )

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = make_learner(unit=union.group_a, full_name="Người Mới Vào")

    assert Enrolment.objects.filter(member=newcomer, course=course).exists()
    assert not Enrolment.objects.filter(member=newcomer, course=other).exists()


def test_a_member_transferred_into_an_assigned_unit_is_enrolled(
    union, deadline, django_capture_on_commit_callbacks
):
    course = make_course(owner_unit=union.unit_b, title="Khoá của CĐCS B")
    services.course_assign(
        course=course, units=[union.unit_b], deadline=deadline, actor=union.officer_b
    )
    assert union.member_a.pk not in enrolled_ids(course)

    transfer = member_services.transfer_request(
        member=union.member_a, to_unit=union.unit_b, transfer_on=timezone.localdate()
    )
    with django_capture_on_commit_callbacks(execute=True):
        member_services.transfer_confirm(transfer=transfer)

    assert union.member_a.pk in enrolled_ids(course)


def test_an_assignment_past_its_deadline_enrols_no_newcomer(
    union, course, deadline, django_capture_on_commit_callbacks, time_machine
):
    services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )
    time_machine.move_to(deadline + timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = make_learner(unit=union.unit_a, full_name="Vào Muộn")

    assert newcomer.pk not in enrolled_ids(course)


def test_the_nightly_sync_enrols_members_that_bulk_imports_added(
    union, course, deadline
):
    services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )
    serial = next_serial()
    (imported,) = member_services.members_bulk_create(
        rows=[
            {
                "unit": union.unit_a,
                "full_name": "Nhập Từ HRM",
                "employee_code": f"HRM{serial}",
            }
        ]
    )
    assert imported.pk not in enrolled_ids(course)

    services.assignments_sync()
    services.assignments_sync()

    assert imported.pk in enrolled_ids(course)
    assert Enrolment.objects.filter(member=imported).count() == 1


def test_an_assignment_is_recorded_in_the_audit_trail_under_its_unit(
    union, course, deadline
):
    (assignment,) = services.course_assign(
        course=course, units=[union.unit_a], deadline=deadline, actor=union.officer_vnpt
    )

    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_ACTION)
    assert (event.actor, event.unit, event.object_id) == (
        union.officer_vnpt,
        union.unit_a,
        str(assignment.pk),
    )
    assert event.detail["action"] == "course_assign"
    assert event.detail["course"] == course.pk
