"""The register's picture: headcounts of a staff member's part of the union.

The figures are counted by members.picture_counts with a fixed number of
queries, whatever the size of the register, then cached per (scope, unit,
day) through members.cache: a write to the register (members, relatives,
care cases, transfers, units; members.receivers.register) makes the next
picture count anew, and ``PICTURE_TTL`` is only the safety net; the page
says when its figures were counted. Ages, years of service and retirement
are reckoned on the day of the key, so they move on at midnight (Vietnam
time) with a new key. The blocks (one table and its chart each) are built
from the counts on every request, in the language of the request.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from members.cache import REGISTER, UNITS, scoped_key
from members.models import CareCase, Member, Unit
from members.picture_counts import (
    AGE_BANDS,
    CHILD_AGES,
    PAST,
    SERVICE_BANDS,
    UNKNOWN,
    picture_counts,
    retirement_months,
)
from members.retirement import FEMALE, MALE
from members.scope import require_unit_in_scope

PICTURE_TTL = 3600
# The units chart shows this many of the largest units; the table lists all.
CHART_ROWS = 30
CHART_WIDTH = 360
CHART_LABEL_WIDTH = 300
CHART_ROW_HEIGHT = 22


def _cache_key(user, unit: Unit | None, today: date) -> str:
    path = unit.path if unit is not None else None
    return scoped_key(
        "members.picture",
        user=user,
        args=(path, today),
        depends=(REGISTER, UNITS),
        subtree=path,
    )


# The picture: translated blocks of rows, built from the counts ---------------


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[int, ...]
    unit_pk: int | None = None


@dataclass(frozen=True)
class Bar:
    """One bar of a chart, placed in SVG units (the template draws no sums)."""

    label: str
    value: int
    y: int
    width: int

    @property
    def value_x(self) -> int:
        return CHART_LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class Block:
    """One table of the picture, with what its chart draws (the first column)."""

    key: str
    title: str
    sheet_title: str
    help_text: str
    label_header: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    total: Row | None = None
    chart_note: str = ""
    chart_rows: tuple[Row, ...] = field(default=())

    @property
    def bars(self) -> list[Bar]:
        rows = self.chart_rows or self.rows
        top = max((row.values[0] for row in rows), default=0) or 1
        return [
            Bar(
                label=row.label,
                value=row.values[0],
                y=index * CHART_ROW_HEIGHT,
                width=round(row.values[0] * CHART_WIDTH / top),
            )
            for index, row in enumerate(rows)
        ]

    @property
    def chart_height(self) -> int:
        return max(len(self.bars), 1) * CHART_ROW_HEIGHT

    chart_width = CHART_LABEL_WIDTH + CHART_WIDTH + 80
    chart_label_x = CHART_LABEL_WIDTH - 8
    chart_bar_x = CHART_LABEL_WIDTH


@dataclass(frozen=True)
class RegisterPicture:
    """The picture of the members a staff member sees, optionally of one unit."""

    today: date
    computed_at: datetime
    unit: dict | None
    trail: tuple[dict, ...]
    blocks: tuple[Block, ...]

    def block(self, key: str) -> Block | None:
        return next((block for block in self.blocks if block.key == key), None)


def _with_total(rows: list[Row], label) -> Row:
    width = len(rows[0].values) if rows else 0
    return Row(label, tuple(sum(row.values[i] for row in rows) for i in range(width)))


def _unit_block(counts: dict) -> Block:
    base = counts["base"]
    rows = []
    for unit in counts["units"]:
        values = (unit["current"], unit["women"], unit["open_cases"])
        if base is not None and unit["pk"] == base["pk"]:
            label = _("Directly in %(unit)s") % {"unit": unit["name"]}
            if any(values):
                rows.append(Row(label, values))
            continue
        rows.append(Row(unit["name"], values, unit_pk=unit["pk"]))
    chart_rows, note = (), ""
    if len(rows) > CHART_ROWS:
        chart_rows = tuple(sorted(rows, key=lambda row: -row.values[0])[:CHART_ROWS])
        note = _("The chart shows the %(count)d units with the most members.") % {
            "count": CHART_ROWS
        }
    return Block(
        key="units",
        title=_("Members by unit"),
        sheet_title=_("Units"),
        help_text=_(
            "Active and dues-exempt members of each unit and all the units "
            "under it, the women among them, and their open care cases."
        ),
        label_header=_("Unit"),
        columns=(_("Members"), _("Women"), _("Open care cases")),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
        chart_note=note,
        chart_rows=chart_rows,
    )


def _status_block(counts: dict) -> Block:
    rows = [
        Row(label, (counts["status"].get(value, 0),))
        for value, label in Member.Status.choices
    ]
    return Block(
        key="status",
        title=_("Members by status"),
        sheet_title=_("Status"),
        help_text=_("Every member record of these units, whatever its status."),
        label_header=_("Status"),
        columns=(_("Members"),),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
    )


_GENDERS = ((MALE, _("Male")), (FEMALE, _("Female")), ("", _("Not recorded")))


def _gender_block(counts: dict) -> Block:
    genders = counts["gender"]
    rows = [Row(label, (genders.get(value, 0),)) for value, label in _GENDERS]
    return Block(
        key="gender",
        title=_("Members by gender"),
        sheet_title=_("Gender"),
        help_text=_("Active and dues-exempt members."),
        label_header=_("Gender"),
        columns=(_("Members"),),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
    )


def _by_gender(counts: dict[tuple[int, str], int], key: int) -> tuple[int, int, int]:
    men = counts.get((key, MALE), 0)
    women = counts.get((key, FEMALE), 0)
    return men + women + counts.get((key, ""), 0), men, women


def _age_block(counts: dict, on: str) -> Block:
    bands = [*enumerate(label for _low, label in AGE_BANDS)]
    bands.append((UNKNOWN, _("Date of birth not recorded")))
    rows = [Row(label, _by_gender(counts["ages"], key)) for key, label in bands]
    return Block(
        key="age",
        title=_("Members by age"),
        sheet_title=_("Age"),
        help_text=_("Active and dues-exempt members, by their age on %(date)s.")
        % {"date": on},
        label_header=_("Age"),
        columns=(_("Members"), _("Men"), _("Women")),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
    )


def _service_block(counts: dict, on: str) -> Block:
    bands = [*enumerate(label for _low, label in SERVICE_BANDS)]
    bands.append((UNKNOWN, _("Join and hire dates not recorded")))
    rows = [Row(label, (counts["service"].get(key, 0),)) for key, label in bands]
    return Block(
        key="service",
        title=_("Members by years of service"),
        sheet_title=_("Years of service"),
        help_text=_(
            "Full years in the union on %(date)s, counted from the union join "
            "date, or from the hire date when the join date is not recorded."
        )
        % {"date": on},
        label_header=_("Years of service"),
        columns=(_("Members"),),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
    )


def _retirement_block(counts: dict, today: date) -> Block:
    retiring = counts["retiring"]
    months = [
        Row(date_format(end, "YEAR_MONTH_FORMAT"), _by_gender(retiring, index))
        for index, end in enumerate(retirement_months(today))
    ]
    past = Row(_("Already past retirement age"), _by_gender(retiring, PAST))
    return Block(
        key="retirement",
        title=_("Reaching retirement age in the next 12 months"),
        sheet_title=_("Retirement"),
        help_text=_(
            "Active and dues-exempt members by the month in which they reach "
            "the retirement age by law (Labour Code 2019 Art. 169, Decree "
            "135/2020/NĐ-CP: men 60 years 3 months in 2021 up to 62, women 55 "
            "years 4 months up to 60); they retire on its last day. Members "
            "without a date of birth or gender are not counted."
        ),
        label_header=_("Month"),
        columns=(_("Members"), _("Men"), _("Women")),
        rows=(*months, past),
        total=_with_total(months, _("Next 12 months")),
        chart_rows=tuple(months),
    )


def _children_block(counts: dict, on: str) -> Block:
    children = counts["children"]
    labels = {6: _("Under 6"), 15: _("Under 15")}
    rows = [
        Row(labels[age], (children[f"members_{age}"], children[f"children_{age}"]))
        for age in CHILD_AGES
    ]
    return Block(
        key="children",
        title=_("Members with young children"),
        sheet_title=_("Young children"),
        help_text=_(
            "Active and dues-exempt members with at least one child (a relative "
            "recorded as a child, with a date of birth) of that age on %(date)s. "
            "A child recorded by both parents counts for each."
        )
        % {"date": on},
        label_header=_("Children's age"),
        columns=(_("Members"), _("Children")),
        rows=tuple(rows),
    )


def _care_block(counts: dict) -> Block:
    rows = [
        Row(label, (counts["care"].get(value, 0),))
        for value, label in CareCase.Kind.choices
    ]
    return Block(
        key="care",
        title=_("Open care cases by kind"),
        sheet_title=_("Care cases"),
        help_text=_("Care cases still open for members of these units."),
        label_header=_("Kind"),
        columns=(_("Open cases"),),
        rows=tuple(rows),
        total=_with_total(rows, _("Total")),
    )


BLOCK_KEYS = (
    "units",
    "status",
    "gender",
    "age",
    "service",
    "retirement",
    "children",
    "care",
)


def register_picture(
    *, user, unit: Unit | None = None, today: date | None = None, fresh: bool = False
) -> RegisterPicture:
    """Return the picture of the members ``user`` sees, or of one unit's subtree.

    A unit outside the user's scope is refused (PermissionDenied). The counts
    come from the cache when a picture of the same scope, unit and day was
    counted since the register's last write (members.cache) and less than
    ``PICTURE_TTL`` seconds ago; ``fresh`` counts anew (and caches the result).
    """
    if unit is not None:
        require_unit_in_scope(user, unit)
    today = today or timezone.localdate()
    key = _cache_key(user, unit, today)
    counts = None if fresh else cache.get(key)
    if counts is None:
        counts = picture_counts(user=user, unit=unit, today=today)
        cache.set(key, counts, PICTURE_TTL)
    on = date_format(today, "SHORT_DATE_FORMAT")
    blocks = (
        _unit_block(counts),
        _status_block(counts),
        _gender_block(counts),
        _age_block(counts, on),
        _service_block(counts, on),
        _retirement_block(counts, today),
        _children_block(counts, on),
        _care_block(counts),
    )
    return RegisterPicture(
        today=today,
        computed_at=counts["computed_at"],
        unit=counts["base"],
        trail=tuple(counts["trail"]),
        blocks=blocks,
    )
