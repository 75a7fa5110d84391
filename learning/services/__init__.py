"""Writes of the learning app: each a function with keyword arguments, one transaction.

The package re-exports every service, so callers write
``from learning import services`` and ``services.course_enrol(...)``.
"""

from learning.services.certificates import certificate_issue, certificate_revoke
from learning.services.courses import course_copy
from learning.services.enrolments import (
    assignments_enrol_member,
    assignments_sync,
    course_assign,
    course_assign_check,
    course_enrol,
)
from learning.services.feed import (
    feed_confirm,
    feed_link_check,
    feed_post_check,
    feed_post_publish,
    feed_post_withdraw,
    feed_sync,
    feed_views_record,
)
from learning.services.progress import (
    course_completion_check,
    lesson_complete,
    lesson_completion_record,
    video_heartbeat,
)
from learning.services.question_bank import bank_export, questions_import
from learning.services.quizzes import attempt_save, attempt_start, attempt_submit
from learning.services.videos import lesson_video_changed, video_rendition_make

__all__ = [
    "assignments_enrol_member",
    "assignments_sync",
    "attempt_save",
    "attempt_start",
    "attempt_submit",
    "bank_export",
    "certificate_issue",
    "certificate_revoke",
    "course_assign",
    "course_assign_check",
    "course_completion_check",
    "course_copy",
    "course_enrol",
    "feed_confirm",
    "feed_link_check",
    "feed_post_check",
    "feed_post_publish",
    "feed_post_withdraw",
    "feed_sync",
    "feed_views_record",
    "lesson_complete",
    "lesson_completion_record",
    "lesson_video_changed",
    "questions_import",
    "video_heartbeat",
    "video_rendition_make",
]
