"""Models of the learning app, one module a topic; import them from here."""

from learning.models.badges import Badge, BadgeAward
from learning.models.certificates import Certificate
from learning.models.courses import Course, Lesson, Module
from learning.models.enrolments import Assignment, Enrolment
from learning.models.feed import FeedConfirmation, FeedCursor, FeedEntry, FeedPost
from learning.models.leagues import Quest
from learning.models.progress import LessonCompletion, VideoProgress
from learning.models.questions import Answer, Question, QuestionCategory
from learning.models.quizzes import Attempt, Quiz, QuizSlot
from learning.models.xp import Level, XpDay, XpEvent, XpProfile, XpReason, XpRule

__all__ = [
    "Answer",
    "Assignment",
    "Attempt",
    "Badge",
    "BadgeAward",
    "Certificate",
    "Course",
    "Enrolment",
    "FeedConfirmation",
    "FeedCursor",
    "FeedEntry",
    "FeedPost",
    "Lesson",
    "LessonCompletion",
    "Level",
    "Module",
    "Quest",
    "Question",
    "QuestionCategory",
    "Quiz",
    "QuizSlot",
    "VideoProgress",
    "XpDay",
    "XpEvent",
    "XpProfile",
    "XpReason",
    "XpRule",
]
