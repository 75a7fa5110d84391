"""What members puts on the staff home: cards of what waits, the month's figures.

Declared on ``MembersConfig`` (``staff_cards``, ``staff_figures``) and read by
``unionportal.staff_home``, which calls each function with the staff user and
today's date, caches what it returns per scope for a minute, and shows it in
the language of the request (docs/architecture.md, "The staff home"). Each
count comes from a selector through the scope; each card links to the list
that shows the same rows.
"""

from datetime import date

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.selectors.care import (
    RADAR_DAYS,
    birthdays_count,
    care_cases_unvisited_count,
)
from members.selectors.consultations import consultations_waiting
from members.selectors.imports import (
    FAILED_RECENT_DAYS,
    held_rows_open_count,
    import_runs_attention,
)
from members.selectors.privacy import data_rights_open_summary
from members.selectors.register import register_month_figures
from members.selectors.transfers import transfers_awaiting

WEEK = 7


def _changelist(model: str, query: str = "") -> str:
    url = reverse(f"admin:members_{model}_changelist")
    return f"{url}?{query}" if query else url


def transfers_card(*, user, today: date) -> dict:
    """Transfers the user's units must confirm (accept or release) or refuse."""
    return {
        "key": "transfers",
        "title": _("Transfers waiting for your decision"),
        "count": transfers_awaiting(user=user).count(),
        "url": _changelist("transfer", "awaiting=yes"),
        "order": 10,
    }


def held_rows_card(*, user, today: date) -> dict:
    """Rows of HRM files that an import held for a review."""
    return {
        "key": "held-rows",
        "title": _("Held import rows to review"),
        "count": held_rows_open_count(user=user),
        "url": _changelist("importheldrow", "status__exact=open"),
        "order": 20,
    }


def import_runs_card(*, user, today: date) -> dict:
    """Imports not finished, or refused or failed lately."""
    runs = import_runs_attention(user=user, today=today)
    note = ""
    if runs["failed"]:
        note = ngettext(
            "%(count)s refused or failed in the last %(days)s days",
            "%(count)s refused or failed in the last %(days)s days",
            runs["failed"],
        ) % {"count": runs["failed"], "days": FAILED_RECENT_DAYS}
    return {
        "key": "imports",
        "title": _("Imports waiting or failed"),
        "count": runs["waiting"] + runs["failed"],
        "url": _changelist("importrun", "attention=yes"),
        "note": note,
        "alert": bool(runs["failed"]),
        "order": 30,
    }


def data_rights_card(*, user, today: date) -> dict:
    """Members' data-rights requests still open, the overdue ones first in mind."""
    summary = data_rights_open_summary(user=user, today=today)
    if summary["overdue"]:
        note = ngettext(
            "%(count)s past its deadline",
            "%(count)s past their deadline",
            summary["overdue"],
        ) % {"count": summary["overdue"]}
    elif summary["next_deadline"]:
        note = _("Next deadline: %(date)s") % {
            "date": date_format(summary["next_deadline"], "SHORT_DATE_FORMAT")
        }
    else:
        note = ""
    return {
        "key": "data-rights",
        "title": _("Data-rights requests open"),
        "count": summary["open"],
        "url": _changelist("datarightsrequest", "deadline=open"),
        "note": note,
        "alert": bool(summary["overdue"]),
        "order": 40,
    }


def care_cards(*, user, today: date) -> list[dict]:
    """Care cases nobody visited lately, and birthdays this week (the radar)."""
    radar = reverse("admin:members_care_radar")
    return [
        {
            "key": "care-unvisited",
            "title": ngettext(
                "Care cases not visited for %(days)s day",
                "Care cases not visited for %(days)s days",
                RADAR_DAYS,
            )
            % {"days": RADAR_DAYS},
            "count": care_cases_unvisited_count(user=user, today=today),
            "url": f"{radar}?days={RADAR_DAYS}",
            "order": 50,
        },
        {
            "key": "birthdays",
            "title": _("Birthdays of members and relatives this week"),
            "count": birthdays_count(user=user, today=today, days=WEEK),
            "url": f"{radar}?days={WEEK}",
            "order": 60,
        },
    ]


def consultations_cards(*, user, today: date) -> list[dict]:
    """Consultations to schedule, and appointments this week."""
    counts = consultations_waiting(user=user, today=today, days=WEEK)
    return [
        {
            "key": "consultations-requested",
            "title": _("Consultations waiting for an appointment"),
            "count": counts["requested"],
            "url": _changelist("consultationrequest", "status__exact=requested"),
            "order": 70,
        },
        {
            "key": "consultations-week",
            "title": _("Consultations this week"),
            "count": counts["this_week"],
            "url": _changelist("consultationrequest", "appointments=week"),
            "order": 80,
        },
    ]


def register_figures(*, user, today: date) -> dict:
    """Members now, who joined and who left this month, and the last six months."""
    figures = register_month_figures(user=user, today=today)
    _start, joined, left = figures["months"][-1]
    return {
        "key": "register",
        "title": _("Members, %(month)s") % {"month": f"{today:%m/%Y}"},
        "figures": [
            {
                "label": _("Members"),
                "value": figures["members"],
                "url": _changelist("member"),
            },
            {"label": _("Joined the union this month"), "value": joined},
            {"label": _("Left the union this month"), "value": left},
        ],
        "chart": {
            "title": _("Joined and left, month by month"),
            "series": [_("Joined the union"), _("Left the union")],
            "groups": [
                {"label": f"{start:%m/%Y}", "values": [joined_, left_]}
                for start, joined_, left_ in figures["months"]
            ],
        },
        "order": 10,
    }
