"""Admin of member voice, one module a topic; importing them registers them."""

from feedback.admin import assistant, initiatives, surveys  # noqa: F401
