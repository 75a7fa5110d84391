"""Reads of the register that pages, the admin and the portal home reuse."""

import contextlib
from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from members.identifiers import phone_clean
from members.models import Member, Relative
from members.scope import scoped
from members.text import fold


def member_search_q(term: str, *, prefix: str = "") -> Q:
    """Return the filter for a search box: name without diacritics, code, CCCD, phone.

    "nguyen van a" finds "Nguyễn Văn A"; the name is matched on its folded
    copy, which is indexed, so the search works alike on SQLite and PostgreSQL.
    """
    term = " ".join(term.split())
    if not term:
        return Q()
    q = Q(**{f"{prefix}full_name_folded__contains": fold(term)})
    q |= Q(**{f"{prefix}employee_code__iexact": term})
    compact = term.replace(" ", "").replace(".", "")
    if compact.isdigit() and len(compact) == 12:
        q |= Q(**{f"{prefix}national_id": compact})
    with contextlib.suppress(ValidationError):
        q |= Q(**{f"{prefix}phone": phone_clean(term)})
    return q


def member_list(*, user, search: str = "") -> QuerySet[Member]:
    """Return the members the staff user may see, optionally searched."""
    queryset = scoped(Member.objects.all(), user).select_related("unit", "employer")
    return queryset.filter(member_search_q(search)) if search else queryset


def member_for_user(*, user) -> Member | None:
    """Return the member record of a logged-in person, if they have one.

    The account keeps it as ``user.member`` for the rest of the request, so
    that the page's greeting (``User.get_short_name``) asks no query more.
    """
    member = (
        scoped(Member.objects.all(), user, portal=True)
        .select_related("unit", "employer")
        .first()
    )
    if user.is_authenticated:
        Member._meta.get_field("user").remote_field.set_cached_value(user, member)
    return member


def relatives_for_user(*, user) -> QuerySet[Relative]:
    """Return the person's own relatives, for the portal."""
    return scoped(Relative.objects.all(), user, portal=True).order_by(
        "date_of_birth", "pk"
    )


def member_home_panel(*, user) -> dict | None:
    """Return the portal home's panel for a member: name, unit, card and relatives."""
    member = member_for_user(user=user)
    if member is None:
        return None
    return {
        "template": "members/register/home_panel.html",
        "order": 10,
        "member": member,
    }


# Members now in the union: dues exemption does not end membership.
CURRENT_STATUSES = (Member.Status.ACTIVE, Member.Status.DUES_EXEMPT)


def _month_start(day: date, back: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(year, month0 + 1, 1)


def register_month_figures(*, user, today: date, months: int = 6) -> dict:
    """Return the user's members now, and who joined and left in recent months.

    One query: ``members`` (current members), and ``months`` as
    ``(first day, joined, left)`` from the oldest month to this one, by the
    union join date and the date the member left.
    """
    starts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    ends = [*starts[1:], _month_start(today, -1)]
    counts = {"members": Count("pk", filter=Q(status__in=CURRENT_STATUSES))}
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        counts[f"joined_{index}"] = Count(
            "pk", filter=Q(union_joined_on__gte=start, union_joined_on__lt=end)
        )
        counts[f"left_{index}"] = Count(
            "pk", filter=Q(left_on__gte=start, left_on__lt=end)
        )
    row = scoped(Member.objects.all(), user).aggregate(**counts)
    return {
        "members": row["members"],
        "months": [
            (start, row[f"joined_{index}"], row[f"left_{index}"])
            for index, start in enumerate(starts)
        ],
    }
