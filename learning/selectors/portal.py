"""Reads behind the member portal's learning pages: the member's own rows only."""

from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from learning.models import (
    Attempt,
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Module,
    VideoProgress,
)
from learning.selectors.courses import courses_open_to
from members.models import Member


def catalogue(*, member: Member, category: str = "") -> list[Course]:
    """Return the published courses open to the member, of one category if given."""
    courses = courses_open_to(member=member)
    if category in Course.Category.values:
        courses = courses.filter(category=category)
    return list(courses.order_by("title", "version"))


def course_for_member(*, member: Member, slug: str) -> Course | None:
    """Return a published course the member may open: meant for them, or enrolled."""
    enrolled = Enrolment.objects.filter(member=member).values("course_id")
    open_ids = courses_open_to(member=member).values("pk")
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED, slug=slug)
        .filter(Q(pk__in=open_ids) | Q(pk__in=enrolled))
        .first()
    )


def enrolment_of(*, member: Member, course_id: int) -> Enrolment | None:
    return Enrolment.objects.filter(member=member, course_id=course_id).first()


@dataclass
class CourseOutline:
    """A course as its page shows it to one member: modules, lessons, progress."""

    course: Course
    enrolment: Enrolment | None
    modules: list[Module]
    completed: set[int] = field(default_factory=set)
    required: int = 0
    done: int = 0

    @property
    def percent(self) -> int:
        return round(self.done * 100 / self.required) if self.required else 0


def course_outline(*, member: Member, course: Course) -> CourseOutline:
    """Return the course's modules and lessons with what the member completed."""
    lessons = Lesson.objects.order_by("order", "pk")
    modules = list(
        course.modules.order_by("order", "pk").prefetch_related(
            Prefetch("lessons", queryset=lessons)
        )
    )
    completed = set(
        LessonCompletion.objects.filter(
            member=member, lesson__module__course=course
        ).values_list("lesson_id", flat=True)
    )
    required = [
        lesson.pk
        for module in modules
        for lesson in module.lessons.all()
        if lesson.required
    ]
    return CourseOutline(
        course=course,
        enrolment=enrolment_of(member=member, course_id=course.pk),
        modules=modules,
        completed=completed,
        required=len(required),
        done=len(completed & set(required)),
    )


def _count(queryset) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("module__course_id")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def my_courses(*, member: Member) -> list[Enrolment]:
    """Return the member's enrolments with ``required_count`` and ``done_count``.

    One query whatever the number of courses: the counts are subqueries.
    """
    required = Lesson.objects.filter(
        module__course_id=OuterRef("course_id"), required=True
    )
    done = required.filter(completions__member_id=OuterRef("member_id"))
    enrolments = (
        Enrolment.objects.filter(member=member, course__status=Course.Status.PUBLISHED)
        .select_related("course")
        .annotate(required_count=_count(required), done_count=_count(done))
        .order_by("completed_at", "deadline", "-enrolled_at", "pk")
    )
    rows = list(enrolments)
    for row in rows:
        total = row.required_count
        row.percent = round(row.done_count * 100 / total) if total else 0
    return rows


def lesson_for_member(*, member: Member, lesson_id: int) -> Lesson | None:
    """Return a lesson of a published course the member is enrolled in, or None."""
    enrolled = Enrolment.objects.filter(member=member).values("course_id")
    return (
        Lesson.objects.select_related("module__course")
        .filter(
            pk=lesson_id,
            module__course__status=Course.Status.PUBLISHED,
            module__course_id__in=enrolled,
        )
        .first()
    )


def lesson_visible_to(*, member: Member, lesson_id: int) -> Lesson | None:
    """Return a lesson of a published course the member may open (enrolled or not)."""
    lesson = (
        Lesson.objects.select_related("module__course")
        .filter(pk=lesson_id, module__course__status=Course.Status.PUBLISHED)
        .first()
    )
    if lesson is None:
        return None
    course = course_for_member(member=member, slug=lesson.module.course.slug)
    return lesson if course is not None else None


def video_progress_of(*, member: Member, lesson: Lesson) -> VideoProgress | None:
    return VideoProgress.objects.filter(member=member, lesson=lesson).first()


def lesson_neighbours(*, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """Return the lessons before and after this one in its course's order."""
    lessons = list(
        Lesson.objects.filter(module__course_id=lesson.module.course_id)
        .order_by("module__order", "module_id", "order", "pk")
        .only("pk", "title", "kind")
    )
    ids = [item.pk for item in lessons]
    index = ids.index(lesson.pk)
    before = lessons[index - 1] if index > 0 else None
    after = lessons[index + 1] if index + 1 < len(lessons) else None
    return before, after


def attempts_of(*, member: Member, quiz) -> list[Attempt]:
    return list(Attempt.objects.filter(member=member, quiz=quiz).order_by("number"))


def attempt_for_member(*, member: Member, attempt_id: int) -> Attempt | None:
    """Return the member's own attempt, in a course still published, or None."""
    return (
        Attempt.objects.select_related("quiz__lesson__module__course")
        .filter(
            pk=attempt_id,
            member=member,
            quiz__lesson__module__course__status=Course.Status.PUBLISHED,
        )
        .first()
    )
