"""Admin of member voice, one module a topic; importing them registers them."""

from feedback.admin import initiatives  # noqa: F401
from feedback.admin import surveys  # noqa: F401
