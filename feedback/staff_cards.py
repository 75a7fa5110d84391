"""What member voice puts on the staff home: cards of what waits in the scope."""

from datetime import date

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from feedback.selectors.initiatives import follow_ups_due, initiatives_waiting


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
