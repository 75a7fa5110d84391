"""What member voice puts on the staff home: questions handed to officers, waiting."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.selectors.assistant import handover_counts


def assistant_handovers_card(*, user, today: date) -> dict:
    """Questions the assistant handed to the user's units, not answered yet."""
    counts = handover_counts(user=user, today=today)
    card = {
        "key": "assistant-handovers",
        "title": _("Questions handed to you by the assistant"),
        "count": counts["waiting"],
        "url": reverse("admin:feedback_assistanthandover_changelist") + "?waiting=yes",
        "order": 70,
    }
    if counts["overdue"]:
        card["alert"] = True
        card["note"] = ngettext(
            "%(count)s past its answer date",
            "%(count)s past their answer date",
            counts["overdue"],
        ) % {"count": counts["overdue"]}
    return card
