"""The player's heartbeats: what it played of a video lesson, counted by the server."""

from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from learning import services
from learning.models import Course, Lesson
from learning.views import learner_json, request_data


@learner_json
def lesson_heartbeat(request, lesson_id: int, *, member):
    """Count one heartbeat; answer what the server counted so far."""
    lesson = get_object_or_404(
        Lesson.objects.select_related("module__course"),
        pk=lesson_id,
        kind=Lesson.Kind.VIDEO,
        module__course__status=Course.Status.PUBLISHED,
        # A lesson of a course the member does not learn is missing to them.
        module__course__enrolments__member=member,
    )
    data = request_data(request)
    progress = services.video_heartbeat(
        member=member,
        lesson=lesson,
        session=data.get("session"),
        sequence=data.get("sequence"),
        intervals=data.get("intervals"),
        active_seconds=data.get("active_seconds"),
        position=data.get("position"),
    )
    return JsonResponse(
        {
            "covered_seconds": progress.covered_seconds,
            "active_seconds": progress.active_seconds,
            "position_seconds": progress.position_seconds,
            "completed": progress.completed_at is not None,
        }
    )
