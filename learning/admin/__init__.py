"""Admin of learning, one module a topic; importing them registers them."""

from learning.admin import (  # noqa: F401
    badges,
    certificates,
    courses,
    enrolments,
    feed,
    leagues,
    questions,
    quizzes,
    xp,
)
