"""Admin of member voice: each topic's module registers its models."""

from feedback.admin import assistant  # noqa: F401
