"""Models of inspections and supervision, one module a topic; import them from here."""

from inspections.models.activities import Activity, ActivityDocument, CalendarFeed
from inspections.models.checklists import (
    AnswerSubmission,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    Verdict,
)
from inspections.models.findings import Finding, Recommendation
from inspections.models.plans import Plan
from inspections.models.targets import Kind, Mode, SplitTarget

__all__ = [
    "Activity",
    "ActivityDocument",
    "AnswerSubmission",
    "CalendarFeed",
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistTemplate",
    "Finding",
    "Kind",
    "Mode",
    "Plan",
    "Recommendation",
    "SplitTarget",
    "Verdict",
]
