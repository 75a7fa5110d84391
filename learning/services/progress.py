"""Progress the server can trust: video heartbeats, completed lessons and courses.

The player opens a session with a heartbeat of no intervals, then sends, every
few seconds, the intervals of the video it played since the last heartbeat,
the wall-clock seconds it spent playing, and where it is. The server:

- takes each (session, sequence) once: a replayed heartbeat adds nothing;
- counts no more playing time than its own clock saw pass since the last
  heartbeat of this member and video (at most ``HEARTBEAT_MAX_SPAN``), and no
  more of the video than that time at ``MAX_PLAYBACK_RATE``;
- merges the intervals, so a second seen twice counts once;
- credits the video at ``COMPLETE_COVERAGE``% of it covered and playing time
  of at least ``COMPLETE_ACTIVE``% of its duration;
- stores the resume position apart: seeking moves it, and covers nothing.

Each heartbeat is one write of one row, taken under a row lock, so that two
heartbeats at once cannot both spend the same seconds.
"""

import math
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.intervals import (
    Interval,
    intervals_clip,
    intervals_length,
    intervals_merge,
    intervals_trim,
)
from learning.models import Course, Enrolment, Lesson, LessonCompletion, VideoProgress
from learning.services.certificates import certificate_issue
from learning.services.xp import xp_course_completed, xp_lesson_completed
from members.models import Member

COMPLETE_COVERAGE = 90  # % of the video played at least once
COMPLETE_ACTIVE = 50  # % of the duration spent playing (allows 2x speed)
MAX_PLAYBACK_RATE = 2
HEARTBEAT_MAX_SPAN = 120  # seconds one heartbeat may account for
MAX_INTERVALS = 20
SESSIONS_KEPT = 20
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Heartbeat:
    session: str
    sequence: int
    intervals: list[Interval]
    active_seconds: float
    position: float


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def heartbeat_clean(
    *, session, sequence, intervals, active_seconds, position
) -> Heartbeat:
    """Return the heartbeat checked, or raise ValidationError naming what is wrong."""
    if not isinstance(session, str) or not _SESSION.match(session):
        raise ValidationError(_("The player's session is not valid."), code="session")
    if (
        isinstance(sequence, bool)
        or not isinstance(sequence, int)
        or not (0 <= sequence < 2**31)
    ):
        raise ValidationError(
            _("The heartbeat's sequence number is not valid."), code="sequence"
        )
    if not isinstance(intervals, list):
        raise ValidationError(
            _("The intervals played are a list of [start, end] pairs of seconds."),
            code="intervals",
        )
    if len(intervals) > MAX_INTERVALS:
        raise ValidationError(
            _("A heartbeat sends at most %(count)s intervals played.")
            % {"count": MAX_INTERVALS},
            code="intervals",
        )
    pairs = []
    for pair in intervals:
        bounds = (
            [_number(value) for value in pair]
            if isinstance(pair, list | tuple) and len(pair) == 2
            else [None]
        )
        if None in bounds or bounds[0] > bounds[1]:
            raise ValidationError(
                _("An interval played is two numbers of seconds, start then end."),
                code="interval",
            )
        pairs.append((bounds[0], bounds[1]))
    active, where = _number(active_seconds), _number(position)
    if active is None or active < 0 or where is None:
        raise ValidationError(
            _("The time played and the position are numbers of seconds."),
            code="seconds",
        )
    return Heartbeat(session, sequence, pairs, active, where)


def _progress_locked(
    *, member: Member, lesson: Lesson, learning: bool = False
) -> VideoProgress | None:
    """The member's progress row on the lesson, locked; None if there is none.

    ``learning``: only while the member is enrolled in the lesson's course
    and the course is published (the checks of ``_require_learning``).
    """
    rows = VideoProgress.objects.select_for_update(of=("self",)).filter(
        member=member, lesson=lesson
    )
    if learning:
        rows = rows.filter(
            lesson__module__course__status=Course.Status.PUBLISHED,
            lesson__module__course__enrolments__member=member,
        )
    return rows.first()


def _heartbeat_apply(progress: VideoProgress, beat: Heartbeat, now) -> bool | None:
    """Count the heartbeat into the row; None if replayed, else whether it completed."""
    sessions = dict(progress.sessions)
    if sessions.get(beat.session, -1) >= beat.sequence:
        return None
    duration = float(progress.lesson.duration_seconds)
    if progress.last_heartbeat_at is None:
        elapsed = 0.0
    else:
        elapsed = (now - progress.last_heartbeat_at).total_seconds()
        elapsed = min(max(elapsed, 0.0), HEARTBEAT_MAX_SPAN)
    active = min(beat.active_seconds, elapsed)
    played = intervals_trim(
        intervals_clip(beat.intervals, duration=duration),
        seconds=active * MAX_PLAYBACK_RATE,
    )
    stored = [tuple(pair) for pair in progress.intervals]
    progress.intervals = [list(pair) for pair in intervals_merge(stored + played)]
    progress.covered_seconds = intervals_length(progress.intervals)
    progress.active_seconds = round(progress.active_seconds + active, 3)
    progress.position_seconds = round(min(max(beat.position, 0.0), duration), 2)
    sessions.pop(beat.session, None)
    sessions[beat.session] = beat.sequence
    while len(sessions) > SESSIONS_KEPT:
        sessions.pop(next(iter(sessions)))
    progress.sessions = sessions
    progress.last_heartbeat_at = now
    if progress.completed_at is None and (
        progress.covered_seconds * 100 >= duration * COMPLETE_COVERAGE
        and progress.active_seconds * 100 >= duration * COMPLETE_ACTIVE
    ):
        progress.completed_at = now
        return True
    return False


def _require_learning(*, member: Member, lesson: Lesson) -> None:
    """Refuse progress in a course the member is not enrolled in, or one closed."""
    statuses = list(
        Enrolment.objects.filter(
            member=member, course__modules__lessons=lesson
        ).values_list("course__status", flat=True)
    )
    if not statuses:
        raise ValidationError(
            _("Enrol in this course before you learn its lessons."),
            code="not_enrolled",
        )
    if statuses[0] != Course.Status.PUBLISHED:
        raise ValidationError(_("This course is closed."), code="unpublished")


@transaction.atomic
def video_heartbeat(
    *,
    member: Member,
    lesson: Lesson,
    session,
    sequence,
    intervals,
    active_seconds,
    position,
) -> VideoProgress:
    """Count one heartbeat of the player into the member's progress on a video."""
    beat = heartbeat_clean(
        session=session,
        sequence=sequence,
        intervals=intervals,
        active_seconds=active_seconds,
        position=position,
    )
    if lesson.kind != Lesson.Kind.VIDEO or not lesson.duration_seconds:
        raise ValidationError(_("This lesson has no video."), code="not_video")
    now = timezone.now()
    # The member's row, locked, found only while they learn the course: one
    # query for the heartbeats that follow the first (most of them).
    progress = _progress_locked(member=member, lesson=lesson, learning=True)
    if progress is None:
        # The first heartbeat, or one the member may no longer send.
        _require_learning(member=member, lesson=lesson)
        progress = _progress_locked(member=member, lesson=lesson)
    if progress is None:
        progress = VideoProgress(member=member, lesson=lesson)
        completed = _heartbeat_apply(progress, beat, now)
        try:
            with transaction.atomic():
                progress.save()
            # The first heartbeat of a lesson: the learner has started the course.
            enrolment_started(member=member, course_id=lesson.module.course_id, now=now)
        except IntegrityError:
            # The first heartbeat of another session got in first: count on it.
            progress = _progress_locked(member=member, lesson=lesson)
            progress.lesson = lesson
            completed = _heartbeat_apply(progress, beat, now)
            if completed is not None:
                progress.save()
    else:
        progress.lesson = lesson
        completed = _heartbeat_apply(progress, beat, now)
        if completed is not None:
            progress.save(
                update_fields=[
                    "intervals",
                    "covered_seconds",
                    "active_seconds",
                    "position_seconds",
                    "sessions",
                    "last_heartbeat_at",
                    "completed_at",
                ]
            )
    if completed:
        lesson_completion_record(member=member, lesson=lesson, now=now)
    return progress


def enrolment_started(*, member: Member, course_id: int, now) -> None:
    """Mark the member's enrolment in the course started, the first time only.

    One UPDATE, which changes nothing once the enrolment has started: the
    course report counts the learners who started from this column, not
    from their progress rows.
    """
    Enrolment.objects.filter(
        member=member, course_id=course_id, started_at__isnull=True
    ).update(started_at=now)


@transaction.atomic
def lesson_completion_record(*, member: Member, lesson: Lesson, now=None) -> bool:
    """Record a lesson completed (once) and complete the course if it was the last.

    The member's enrolment row is locked first, so that two lessons
    completed at once cannot each miss the other and leave the course open.
    """
    now = now or timezone.now()
    course_id = Lesson.objects.filter(pk=lesson.pk).values("module__course_id")
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(member=member, course_id__in=course_id)
        .first()
    )
    _completion, created = LessonCompletion.objects.get_or_create(
        member=member, lesson=lesson, defaults={"completed_at": now}
    )
    if created:
        xp_lesson_completed(member_id=member.pk, lesson=lesson, now=now)
    if created and enrolment is not None:
        if enrolment.started_at is None:
            enrolment_started(member=member, course_id=enrolment.course_id, now=now)
        course_completion_check(enrolment=enrolment, now=now)
    return created


def course_completion_check(*, enrolment: Enrolment, now=None) -> bool:
    """Complete the enrolment once all required lessons are; return if it just did."""
    remaining = Lesson.objects.filter(
        module__course_id=enrolment.course_id, required=True
    ).exclude(completions__member_id=enrolment.member_id)
    if remaining.exists():
        return False
    completed_at = now or timezone.now()
    completed = Enrolment.objects.filter(
        pk=enrolment.pk, completed_at__isnull=True
    ).update(completed_at=completed_at)
    if completed:
        # The certificate is issued in the same transaction as the completion.
        enrolment.completed_at = completed_at
        certificate_issue(enrolment=enrolment, now=completed_at)
        xp_course_completed(
            member_id=enrolment.member_id, course=enrolment.course, now=completed_at
        )
    return bool(completed)


@transaction.atomic
def lesson_complete(*, member: Member, lesson: Lesson) -> bool:
    """Mark a text lesson read; videos and quizzes complete by their own rules."""
    if lesson.kind != Lesson.Kind.TEXT:
        raise ValidationError(
            _("A video completes by watching it, a quiz by passing it."),
            code="not_text",
        )
    _require_learning(member=member, lesson=lesson)
    return lesson_completion_record(member=member, lesson=lesson)
