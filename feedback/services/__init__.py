"""Writes of member voice, one module a topic; ``from feedback import services``."""

from feedback.services.initiatives import *  # noqa: F403
from feedback.services.survey_themes import *  # noqa: F403
from feedback.services.surveys import *  # noqa: F403
