"""The counts behind the register's picture: a fixed number of queries.

The units, two GROUP BYs over members (by unit, status and gender; and the
current members by gender, age band, service band and retirement month), one
aggregate over children and one GROUP BY over open care cases, whatever the
size of the register. The result is plain data, the same in every language,
which members.selectors.picture caches.
"""

import calendar
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.db import report_db
from members.eligibility import years_before
from members.models import CareCase, Member, Relative, Unit
from members.retirement import FEMALE, MALE, born_by_retirement
from members.scope import scoped, staff_unit_paths, subtree_q

# Members now in the union: dues exemption does not end membership.
CURRENT = (Member.Status.ACTIVE, Member.Status.DUES_EXEMPT)
# Lower bounds in years, for age and years of service.
AGE_BANDS = (
    (0, _("Under 30")),
    (30, _("30 to 39")),
    (40, _("40 to 49")),
    (50, _("50 to 59")),
    (60, _("60 and over")),
)
SERVICE_BANDS = (
    (0, _("Under 5 years")),
    (5, _("5 to 9 years")),
    (10, _("10 to 19 years")),
    (20, _("20 to 29 years")),
    (30, _("30 years and more")),
)
CHILD_AGES = (6, 15)
RETIREMENT_MONTHS = 12
UNKNOWN = -1
PAST = -1


def _month_end(year: int, month: int) -> date:
    year, month0 = divmod(year * 12 + month - 1, 12)
    return date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])


def _bands(lookup: str, bands, today: date) -> Case:
    """Return the index of the band a date falls in (years before ``today``)."""
    whens = [When(**{f"{lookup}__isnull": True}, then=Value(UNKNOWN))]
    for index in range(len(bands) - 1, 0, -1):
        cut = years_before(today, bands[index][0])
        whens.append(When(**{f"{lookup}__lte": cut}, then=Value(index)))
    return Case(*whens, default=Value(0), output_field=IntegerField())


def retirement_months(today: date) -> list[date]:
    """Return the last days of the current month and the eleven after it."""
    return [_month_end(today.year, today.month + k) for k in range(RETIREMENT_MONTHS)]


def _retirement_bucket(today: date) -> Case:
    """Return PAST, the month index (0 = this month) of retiring, or None.

    A member's retirement date is the end of a month (members.retirement), and
    a later birth never retires earlier: each month is a range of birth dates.
    """
    before = _month_end(today.year, today.month - 1)
    whens = []
    for gender in (MALE, FEMALE):
        ends = [before, *retirement_months(today)]
        for index, end in enumerate(ends, start=-1):
            born = born_by_retirement(gender=gender, on_or_before=end)
            whens.append(
                When(gender=gender, date_of_birth__lte=born, then=Value(index))
            )
    return Case(*whens, default=None, output_field=IntegerField())


def _units(user, unit: Unit | None) -> tuple[list[dict], dict | None, list[dict]]:
    """Return the units the rows roll up to, the unit of the direct row, the trail.

    With a unit (or a scope of one unit): the units right under it, and a row
    for the members directly in it. A scope of several units: those units.
    The trail is the chosen unit's ancestors within the scope, top first.
    """
    steplen = Unit.steplen
    fields = ("pk", "name", "code", "path", "depth")
    paths = staff_unit_paths(user)
    if unit is not None:
        ancestors = Unit.lineage_paths(unit.path)[:-1]
        query = Q(path__in=ancestors) | Q(
            path__startswith=unit.path, depth=unit.depth + 1
        )
        rows = list(Unit.objects.filter(query).order_by("path").values(*fields))
        trail = [
            u
            for u in rows
            if u["depth"] < unit.depth
            and (paths is None or any(u["path"].startswith(p) for p in paths))
        ]
        children = [u for u in rows if u["depth"] == unit.depth + 1]
        return children, {f: getattr(unit, f) for f in fields}, trail
    if paths is None:
        query = Q(depth__in=(1, 2))
    else:
        query = Q(path__in=paths)
        for path in paths:
            query |= Q(path__startswith=path, depth=len(path) // steplen + 1)
    rows = list(Unit.objects.filter(query).order_by("path").values(*fields))
    tops = [
        u for u in rows if (u["depth"] == 1 if paths is None else u["path"] in paths)
    ]
    if len(tops) != 1:
        return tops, None, []
    top = tops[0]
    children = [u for u in rows if u["depth"] == top["depth"] + 1]
    return children, top, []


def picture_counts(*, user, unit: Unit | None, today: date) -> dict:
    """Count the figures of the picture; see the module's docstring.

    ``unit`` must be in the user's scope (the caller checks).
    """
    children, base, trail = _units(user, unit)
    members = scoped(Member.objects.using(report_db()), user)
    relatives = scoped(Relative.objects.using(report_db()), user)
    cases = scoped(CareCase.objects.using(report_db()), user)
    if unit is not None:
        members = members.filter(subtree_q(Member, unit))
        relatives = relatives.filter(subtree_q(Relative, unit))
        cases = cases.filter(subtree_q(CareCase, unit))

    by_unit = (
        members.values_list("unit__path", "status", "gender")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_kind = (
        cases.filter(status=CareCase.Status.OPEN)
        .values_list("member__unit__path", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    current = (
        members.filter(status__in=CURRENT)
        .alias(service_from=Coalesce("union_joined_on", "hired_on"))
        .annotate(
            age=_bands("date_of_birth", AGE_BANDS, today),
            service=_bands("service_from", SERVICE_BANDS, today),
            retires=_retirement_bucket(today),
        )
        .values_list("gender", "age", "service", "retires")
        .annotate(n=Count("pk"))
        .order_by()
    )
    youngest = years_before(today, max(CHILD_AGES))
    children_of = relatives.filter(
        relationship=Relative.Relationship.CHILD,
        date_of_birth__gt=youngest,
        date_of_birth__lte=today,
        member__status__in=CURRENT,
    ).aggregate(
        **{
            f"members_{age}": Count(
                "member",
                distinct=True,
                filter=Q(date_of_birth__gt=years_before(today, age)),
            )
            for age in CHILD_AGES
        },
        **{
            f"children_{age}": Count(
                "pk", filter=Q(date_of_birth__gt=years_before(today, age))
            )
            for age in CHILD_AGES
        },
    )

    row_of = _row_finder(children, base)
    rows = [*children, base] if base is not None else children
    units = {u["pk"]: {**u, "current": 0, "women": 0, "open_cases": 0} for u in rows}
    status: dict[str, int] = {}
    for path, member_status, gender, n in by_unit:
        status[member_status] = status.get(member_status, 0) + n
        row = row_of(path)
        if row is not None and member_status in CURRENT:
            units[row]["current"] += n
            if gender == FEMALE:
                units[row]["women"] += n
    care: dict[str, int] = {}
    for path, kind, n in by_kind:
        care[kind] = care.get(kind, 0) + n
        row = row_of(path)
        if row is not None:
            units[row]["open_cases"] += n
    gender_counts: dict[str, int] = {}
    ages: dict[tuple[int, str], int] = {}
    service: dict[int, int] = {}
    retiring: dict[tuple[int, str], int] = {}
    for gender, age, served, retires, n in current:
        gender_counts[gender] = gender_counts.get(gender, 0) + n
        ages[age, gender] = ages.get((age, gender), 0) + n
        service[served] = service.get(served, 0) + n
        if retires is not None:
            retiring[retires, gender] = retiring.get((retires, gender), 0) + n
    return {
        "computed_at": timezone.now(),
        "today": today,
        "base": base,
        "trail": trail,
        "units": [units[pk] for pk in units],
        "status": status,
        "gender": gender_counts,
        "ages": ages,
        "service": service,
        "retiring": retiring,
        "children": children_of,
        "care": care,
    }


def _row_finder(children: list[dict], base: dict | None):
    """Return a function giving the row (a unit's pk) a unit path rolls up to."""
    by_path = {u["path"]: u["pk"] for u in children}
    lengths = sorted({len(path) for path in by_path})

    def row_of(path: str) -> int | None:
        if base is not None and path == base["path"]:
            return base["pk"]
        for length in lengths:
            pk = by_path.get(path[:length])
            if pk is not None:
                return pk
        return None

    return row_of
