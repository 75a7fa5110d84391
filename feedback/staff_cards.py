"""What member voice puts on the staff home: cards of what waits in the scope."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.selectors.initiatives import follow_ups_due, initiatives_waiting
from feedback.selectors.surveys import surveys_closing


def initiatives_card(*, user, today: date) -> dict:
    """Initiatives waiting for a decision; benefit follow-ups due, in a note."""
    due = follow_ups_due(user=user, today=today).count()
    note = ""
    if due:
        note = ngettext(
            "%(count)s benefit follow-up due",
            "%(count)s benefit follow-ups due",
            due,
        ) % {"count": due}
    url = reverse("admin:feedback_initiative_changelist")
    return {
        "key": "initiatives",
        "title": _("Initiatives waiting for review"),
        "count": initiatives_waiting(user=user).count(),
        "url": f"{url}?waiting=yes",
        "note": note,
        "alert": bool(due),
        "order": 70,
    }


def surveys_closing_card(*, user, today: date) -> dict | None:
    """Published surveys of the user's part of the union closing within a week."""
    count = surveys_closing(user=user, today=today)
    return {
        "key": "surveys-closing",
        "title": _("Surveys closing this week"),
        "count": count,
        "url": reverse("admin:feedback_survey_changelist") + "?closing=week",
        "order": 72,
    }
