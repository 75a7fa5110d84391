"""Models of member voice, one module a topic; import them from here."""

from feedback.models.initiatives import *  # noqa: F403
from feedback.models.surveys import *  # noqa: F403
