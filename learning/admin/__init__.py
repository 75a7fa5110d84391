"""Admin of learning, one module a topic; importing them registers them."""

from learning.admin import courses, enrolments, questions, quizzes  # noqa: F401
