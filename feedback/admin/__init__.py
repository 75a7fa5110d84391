"""Admin of member voice, one module a topic; importing them registers them."""

from feedback.admin import initiatives, surveys  # noqa: F401
