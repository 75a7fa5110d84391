"""The admin of inspections: one module a topic, registered on import."""

from inspections.admin import checklists, findings, plans, targets  # noqa: F401
