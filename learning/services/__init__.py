"""Writes of the learning app: each a function with keyword arguments, one transaction.

The package re-exports every service, so callers write
``from learning import services`` and ``services.course_enrol(...)``.
"""

from learning.services.badges import badge_award, badge_award_manual, badge_revoke
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
from learning.services.leagues import quest_check, quest_save, quests_check_all
from learning.services.progress import (
    course_completion_check,
    lesson_complete,
    lesson_completion_record,
    video_heartbeat,
)
from learning.services.question_bank import bank_export, questions_import
from learning.services.quizzes import attempt_save, attempt_start, attempt_submit
from learning.services.videos import lesson_video_changed, video_rendition_make
from learning.services.xp import (
    daily_goal_set,
    leaderboard_hidden_set,
    level_delete,
    level_save,
    levels_recompute,
    streaks_settle,
    xp_award,
    xp_defaults_ensure,
    xp_rebuild,
)

__all__ = [
    "assignments_enrol_member",
    "assignments_sync",
    "attempt_save",
    "attempt_start",
    "attempt_submit",
    "badge_award",
    "badge_award_manual",
    "badge_revoke",
    "bank_export",
    "certificate_issue",
    "certificate_revoke",
    "course_assign",
    "course_assign_check",
    "course_completion_check",
    "course_copy",
    "course_enrol",
    "daily_goal_set",
    "feed_confirm",
    "feed_link_check",
    "feed_post_check",
    "feed_post_publish",
    "feed_post_withdraw",
    "feed_sync",
    "feed_views_record",
    "leaderboard_hidden_set",
    "lesson_complete",
    "lesson_completion_record",
    "lesson_video_changed",
    "level_delete",
    "level_save",
    "levels_recompute",
    "quest_check",
    "quest_save",
    "questions_import",
    "quests_check_all",
    "streaks_settle",
    "video_heartbeat",
    "video_rendition_make",
    "xp_award",
    "xp_defaults_ensure",
    "xp_rebuild",
]
