"""Celery tasks of the learning app: thin, ids only, each calling one service."""

from celery import shared_task

from learning.services import enrolments, leagues, videos, xp


@shared_task(acks_late=True, ignore_result=True)
def assignments_sync() -> int:
    """Enrol the members of assigned units that no save enrolled (bulk imports)."""
    return enrolments.assignments_sync()


@shared_task(acks_late=True, ignore_result=True)
def video_rendition_make(*, lesson_id: int) -> bool:
    """Make the low-bitrate rendition of a lesson's uploaded video."""
    return videos.video_rendition_make(lesson_id=lesson_id)


@shared_task(acks_late=True, ignore_result=True)
def quests_check_for_member(*, member_id: int) -> int:
    """Reward the running quests of a member's units that a completion reached."""
    return leagues.quests_check_for_member(member_id=member_id)


@shared_task(acks_late=True, ignore_result=True)
def quests_check() -> int:
    """Reward every running quest that its unit reached."""
    return leagues.quests_check_all()


@shared_task(acks_late=True, ignore_result=True)
def streaks_settle() -> int:
    """After local midnight: spend freezes on missed days, or end streaks."""
    return xp.streaks_settle()
