"""Models of the learning app, one module a topic; import them from here."""

from learning.models.certificates import Certificate
from learning.models.courses import Course, Lesson, Module
from learning.models.enrolments import Assignment, Enrolment
from learning.models.feed import FeedConfirmation, FeedCursor, FeedEntry, FeedPost
from learning.models.progress import LessonCompletion, VideoProgress
from learning.models.questions import Answer, Question, QuestionCategory
from learning.models.quizzes import Attempt, Quiz, QuizSlot

__all__ = [
    "Answer",
    "Assignment",
    "Attempt",
    "Certificate",
    "Course",
    "Enrolment",
    "FeedConfirmation",
    "FeedCursor",
    "FeedEntry",
    "FeedPost",
    "Lesson",
    "LessonCompletion",
    "Module",
    "Question",
    "QuestionCategory",
    "Quiz",
    "QuizSlot",
    "VideoProgress",
]
