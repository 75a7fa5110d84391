"""Reminders of member voice, one module a topic.

``members`` imports each app's ``reminders`` (autodiscover); importing the
topic modules here registers their kinds in members' reminder registry.
"""

from feedback.reminders import initiatives, surveys  # noqa: F401
