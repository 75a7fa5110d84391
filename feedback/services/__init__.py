"""Writes of member voice, one module a topic; import them from here."""

from feedback.services.initiatives import *  # noqa: F403
