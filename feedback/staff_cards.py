"""Member voice's cards on the staff home (unionportal.staff_home)."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _

from feedback.selectors.surveys import surveys_closing


def surveys_closing_card(*, user, today: date) -> dict | None:
    """Published surveys of the user's part of the union closing within a week."""
    count = surveys_closing(user=user, today=today)
    return {
        "key": "surveys-closing",
        "title": _("Surveys closing this week"),
        "count": count,
        "url": reverse("admin:feedback_survey_changelist") + "?closing=week",
        "order": 70,
    }
