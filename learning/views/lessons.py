"""Portal pages of lessons: the video player, a text, a quiz's landing page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from learning import services
from learning.models import Lesson, LessonCompletion, Quiz
from learning.selectors.portal import (
    attempts_of,
    lesson_for_member,
    lesson_neighbours,
    lesson_visible_to,
    video_progress_of,
)
from learning.selectors.quizzes import quiz_grade
from learning.services.progress import COMPLETE_ACTIVE, COMPLETE_COVERAGE
from members.views import member_required

PLAYBACK_RATES = ("0.75", "1", "1.25", "1.5", "2")


def _lesson_or_course(member, lesson_id):
    """Return the lesson if the member is enrolled; else a redirect or a 404."""
    lesson = lesson_for_member(member=member, lesson_id=lesson_id)
    if lesson is not None:
        return lesson, None
    visible = lesson_visible_to(member=member, lesson_id=lesson_id)
    if visible is None:
        raise Http404
    # A course meant for the member, not enrolled yet: its page has the button.
    return None, redirect("learning:course", slug=visible.module.course.slug)


def _video_context(request, lesson, member) -> dict:
    progress = video_progress_of(member=member, lesson=lesson)
    sources = {}
    if lesson.video_file:
        sources["full"] = reverse("learning:lesson_video", args=[lesson.pk])
        sources["low"] = reverse("learning:lesson_video_low", args=[lesson.pk])
    else:
        sources["full"] = sources["low"] = lesson.video_url
    return {
        "progress": progress,
        "resume": progress.position_seconds if progress else 0,
        "sources": sources,
        "has_low": bool(lesson.low_bitrate_file),
        "captions_url": reverse("learning:lesson_captions", args=[lesson.pk])
        if lesson.captions
        else "",
        "heartbeat_url": reverse("learning:lesson_heartbeat", args=[lesson.pk]),
        "rates": PLAYBACK_RATES,
        "coverage_needed": COMPLETE_COVERAGE,
        "active_needed": COMPLETE_ACTIVE,
        "covered_percent": round(
            (progress.covered_seconds if progress else 0)
            * 100
            / (lesson.duration_seconds or 1)
        ),
    }


def _quiz_context(member, lesson) -> dict:
    quiz = Quiz.objects.filter(lesson=lesson).first()
    if quiz is None:
        return {"quiz": None}
    attempts = attempts_of(member=member, quiz=quiz)
    used = len(attempts)
    return {
        "quiz": quiz,
        "attempts": attempts,
        "open_attempt": next((a for a in attempts if a.is_open), None),
        "attempts_left": (
            max(quiz.attempts_allowed - used, 0) if quiz.attempts_allowed else None
        ),
        "grade": quiz_grade(member=member, quiz=quiz),
    }


@require_safe
@member_required
def lesson_page(request, lesson_id: int, *, member):
    """Show a lesson: the video player, the text, or the quiz and its attempts."""
    lesson, elsewhere = _lesson_or_course(member, lesson_id)
    if elsewhere is not None:
        return elsewhere
    before, after = lesson_neighbours(lesson=lesson)
    context = {
        "lesson": lesson,
        "course": lesson.module.course,
        "before": before,
        "after": after,
        "completed": LessonCompletion.objects.filter(
            member=member, lesson=lesson
        ).exists(),
    }
    if lesson.kind == Lesson.Kind.VIDEO:
        context.update(_video_context(request, lesson, member))
    elif lesson.kind == Lesson.Kind.QUIZ:
        context.update(_quiz_context(member, lesson))
    return render(request, "learning/lessons/lesson.html", context)


@require_POST
@member_required
def lesson_read(request, lesson_id: int, *, member):
    """Mark a text lesson read."""
    lesson, elsewhere = _lesson_or_course(member, lesson_id)
    if elsewhere is not None:
        return elsewhere
    try:
        services.lesson_complete(member=member, lesson=lesson)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Lesson completed."))
    return redirect("learning:lesson", lesson_id=lesson.pk)


@require_POST
@member_required
def quiz_start(request, lesson_id: int, *, member):
    """Start an attempt at the lesson's quiz (or return to the one in progress)."""
    lesson, elsewhere = _lesson_or_course(member, lesson_id)
    if elsewhere is not None:
        return elsewhere
    quiz = Quiz.objects.filter(lesson=lesson).first()
    if quiz is None:
        raise Http404
    try:
        attempt = services.attempt_start(quiz=quiz, member=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("learning:lesson", lesson_id=lesson.pk)
    return redirect("learning:attempt", attempt_id=attempt.pk)
