"""Course versions: a copy is a new draft; learners' records of the old one stay."""

import pytest
from django.core.exceptions import PermissionDenied

from learning import services
from learning.models import (
    Attempt,
    Course,
    Enrolment,
    LessonCompletion,
    Question,
    QuizSlot,
    VideoProgress,
)
from members.models import AuditEvent
from tests.learning.factories import (
    make_category,
    make_quiz_lesson,
    make_text_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def authored(union, course, module, video):
    """The course with a video, a text, a quiz of one fixed and two drawn questions."""
    course.audience = Course.Audience.UNITS
    course.save()
    course.audience_units.set([union.unit_a])
    make_text_lesson(module=module)
    bank = make_category(course=course)
    pool = make_category(course=course, name="Ngẫu nhiên")
    for n in range(3):
        truefalse(pool, text=f"Câu ngẫu nhiên {n}")
    quiz = make_quiz_lesson(
        module=module, questions=(truefalse(bank),), draws=((pool, 2),)
    )
    return course, quiz


def test_a_copy_is_the_next_version_as_a_draft_with_its_own_content(union, authored):
    course, _quiz = authored

    copy = services.course_copy(course=course, actor=union.officer_vnpt)

    assert (copy.version, copy.status) == (2, Course.Status.DRAFT)
    assert copy.copied_from == course
    assert copy.lineage == course.lineage
    assert copy.slug == f"{course.slug}-v2"
    assert copy.created_by == union.officer_vnpt
    assert list(copy.audience_units.all()) == [union.unit_a]
    titles = [
        (lesson.title, lesson.kind)
        for module in copy.modules.all()
        for lesson in module.lessons.all()
    ]
    assert titles == [
        (lesson.title, lesson.kind)
        for module in course.modules.all()
        for lesson in module.lessons.all()
    ]
    assert Question.objects.filter(category__course=copy).count() == 4
    slots = QuizSlot.objects.filter(quiz__lesson__module__course=copy)
    assert {slot.question.category.course_id for slot in slots if slot.question} == {
        copy.pk
    }
    assert {slot.category.course_id for slot in slots if slot.category} == {copy.pk}


def test_copying_leaves_the_old_version_and_its_learners_records_alone(
    union, authored, video
):
    course, quiz = authored
    member = union.member_a
    enrolment = services.course_enrol(course=course, member=member)
    attempt = services.attempt_start(quiz=quiz, member=member)
    services.attempt_submit(attempt=attempt, member=member, responses={})
    services.video_heartbeat(
        member=member,
        lesson=video,
        session="phien-1",
        sequence=0,
        intervals=[],
        active_seconds=0,
        position=30,
    )
    LessonCompletion.objects.create(member=member, lesson=video)
    before = Course.objects.filter(pk=course.pk).values().get()

    copy = services.course_copy(course=course, actor=union.officer_vnpt)

    assert Course.objects.filter(pk=course.pk).values().get() == before
    assert Enrolment.objects.get().pk == enrolment.pk
    assert Enrolment.objects.get().course_id == course.pk
    assert Attempt.objects.get().quiz_id == quiz.pk
    assert VideoProgress.objects.get().lesson_id == video.pk
    assert LessonCompletion.objects.get().lesson_id == video.pk
    assert not Enrolment.objects.filter(course=copy).exists()


def test_copies_of_copies_take_the_next_free_number(union, authored):
    course, _quiz = authored
    second = services.course_copy(course=course, actor=union.officer_vnpt)
    third = services.course_copy(course=course, actor=union.officer_vnpt)
    fourth = services.course_copy(course=second, actor=union.officer_vnpt)

    assert [second.version, third.version, fourth.version] == [2, 3, 4]
    assert fourth.slug == f"{course.slug}-v4"


def test_only_staff_over_the_owner_unit_copy_a_course(union, authored):
    course, _quiz = authored
    with pytest.raises(PermissionDenied):
        services.course_copy(course=course, actor=union.officer_a)
    assert Course.objects.count() == 1


def test_a_copy_is_recorded_in_the_audit_trail_under_the_owner_unit(union, authored):
    course, _quiz = authored

    copy = services.course_copy(course=course, actor=union.officer_vnpt)

    event = AuditEvent.objects.get(action=AuditEvent.Action.STAFF_ACTION)
    assert (event.actor, event.unit, event.object_id) == (
        union.officer_vnpt,
        course.owner_unit,
        str(copy.pk),
    )
    assert event.detail == {"action": "course_copy", "from": course.pk, "version": 2}
