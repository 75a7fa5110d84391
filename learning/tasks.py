"""Celery tasks of the learning app: thin, ids only, each calling one service."""

from celery import shared_task

from learning.services import enrolments, videos


@shared_task(acks_late=True, ignore_result=True)
def assignments_sync() -> int:
    """Enrol the members of assigned units that no save enrolled (bulk imports)."""
    return enrolments.assignments_sync()


@shared_task(acks_late=True, ignore_result=True)
def video_rendition_make(*, lesson_id: int) -> bool:
    """Make the low-bitrate rendition of a lesson's uploaded video."""
    return videos.video_rendition_make(lesson_id=lesson_id)
