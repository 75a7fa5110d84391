"""Writes of member voice, one module a topic; ``from feedback import services``."""

from feedback.services.assistant import *  # noqa: F403
