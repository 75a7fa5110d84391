"""Course versions: a copy is a new draft course; the old one keeps its learners."""

import re

from django.db import transaction

from learning.models import (
    Answer,
    Course,
    Question,
    QuestionCategory,
    Quiz,
    QuizSlot,
)
from members.models import AuditEvent, User
from members.scope import require_unit_in_scope
from members.services.audit import audit_record

_VERSION_SUFFIX = re.compile(r"-v\d+$")


def _slug_free(base: str, version: int) -> str:
    base = _VERSION_SUFFIX.sub("", base)
    suffix = f"-v{version}"
    slug = base[: 120 - len(suffix)] + suffix
    extra = 1
    while Course.objects.filter(slug=slug).exists():
        extra += 1
        tail = f"{suffix}-{extra}"
        slug = base[: 120 - len(tail)] + tail
    return slug


def _copy_bank(source: Course, copy: Course) -> tuple[dict, dict]:
    """Copy the question bank; return the new categories and questions by old id."""
    categories = {}
    for category in source.question_categories.all():
        categories[category.pk] = QuestionCategory.objects.create(
            course=copy, name=category.name, description=category.description
        )
    questions = {}
    answers = []
    bank = Question.objects.filter(category__course=source).prefetch_related("answers")
    for question in bank.order_by("pk"):
        old_pk, old_answers = question.pk, list(question.answers.all())
        question.pk = None
        question.category = categories[question.category_id]
        question.save()
        questions[old_pk] = question
        for answer in old_answers:
            answer.pk = None
            answer.question = question
            answers.append(answer)
    Answer.objects.bulk_create(answers)
    return categories, questions


def _copy_content(source: Course, copy: Course, categories, questions) -> None:
    """Copy modules, lessons (their files shared until replaced), quizzes, slots."""
    for module in source.modules.prefetch_related("lessons"):
        lessons = list(module.lessons.all())
        module.pk = None
        module.course = copy
        module.save()
        for lesson in lessons:
            quiz = Quiz.objects.filter(lesson=lesson).first()
            lesson.pk = None
            lesson.module = module
            lesson.save()
            if quiz is None:
                continue
            slots = list(quiz.slots.all())
            quiz.pk = None
            quiz.lesson = lesson
            quiz.save()
            QuizSlot.objects.bulk_create(
                QuizSlot(
                    quiz=quiz,
                    order=slot.order,
                    question=questions.get(slot.question_id),
                    category=categories.get(slot.category_id),
                    draw_count=slot.draw_count,
                )
                for slot in slots
            )


@transaction.atomic
def course_copy(*, course: Course, actor: User | None) -> Course:
    """Copy a course as its next version, a draft; the old one is left untouched.

    Enrolments, progress, attempts and assignments stay with the old version;
    the copy gets the content, the question bank and the audience.
    """
    require_unit_in_scope(actor, course.owner_unit)
    # Lock the versions of the lineage, so that two copies take two numbers.
    versions = list(
        Course.objects.select_for_update()
        .filter(lineage=course.lineage)
        .values_list("version", flat=True)
    )
    source = Course.objects.get(pk=course.pk)
    version = max(versions, default=source.version) + 1
    copy = Course.objects.create(
        title=source.title,
        slug=_slug_free(source.slug, version),
        summary=source.summary,
        cover=source.cover.name,
        category=source.category,
        audience=source.audience,
        status=Course.Status.DRAFT,
        deadline=source.deadline,
        owner_unit=source.owner_unit,
        lineage=source.lineage,
        version=version,
        copied_from=source,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    copy.audience_units.set(source.audience_units.all())
    categories, questions = _copy_bank(source, copy)
    _copy_content(source, copy, categories, questions)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=copy,
        unit=copy.owner_unit,
        detail={"action": "course_copy", "from": source.pk, "version": version},
    )
    return copy
