"""What inspections puts on the staff home: overdue recommendations, this week's work.

Declared on ``InspectionsConfig.staff_cards``; one query a card, through the
scope; each links to the changelist filtered to the same rows.
"""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from inspections.selectors.followup import activities_week, recommendations_overdue


def recommendations_overdue_card(*, user, today: date) -> dict:
    """Recommendations past due in the user's part of the union, the unit to act."""
    count = recommendations_overdue(user=user, today=today).count()
    return {
        "key": "inspections-overdue",
        "title": _("Overdue recommendations"),
        "count": count,
        "url": reverse("admin:inspections_recommendation_changelist") + "?overdue=yes",
        "alert": bool(count),
        "order": 70,
    }


def activities_week_card(*, user, today: date) -> dict:
    """Inspections and supervisions starting in the coming seven days."""
    return {
        "key": "inspections-week",
        "title": _("Inspections and supervisions this week"),
        "count": activities_week(user=user, today=today).count(),
        "url": reverse("admin:inspections_activity_changelist") + "?starting=week",
        "order": 71,
    }
