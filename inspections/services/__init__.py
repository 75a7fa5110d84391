"""Writes of inspections: each a function with keyword arguments, one transaction.

``from inspections import services`` and ``services.activity_create(...)``.
"""

from inspections.services.activities import (
    activity_create,
    activity_status_set,
    activity_update,
    activity_validate,
    own_unit_conflicts,
    plan_create,
)
from inspections.services.calendar import calendar_feed_for
from inspections.services.checklists import (
    activity_roles,
    answer_submit,
    checklist_template_revise,
    conflict_resolve,
    may_answer,
)
from inspections.services.documents import document_review, document_upload
from inspections.services.findings import (
    finding_record,
    recommendation_create,
    recommendation_respond,
    recommendation_review,
    unit_chairs,
)

__all__ = [
    "activity_create",
    "activity_roles",
    "activity_status_set",
    "activity_update",
    "activity_validate",
    "answer_submit",
    "calendar_feed_for",
    "checklist_template_revise",
    "conflict_resolve",
    "document_review",
    "document_upload",
    "finding_record",
    "may_answer",
    "own_unit_conflicts",
    "plan_create",
    "recommendation_create",
    "recommendation_respond",
    "recommendation_review",
    "unit_chairs",
]
