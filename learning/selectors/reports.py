"""The staff's course report: per course and unit, who learns and how far."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Avg, Case, CharField, Count, Q, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from learning.models import Enrolment
from members.cache import UNITS, scoped_cached
from members.db import report_db
from members.models import Unit
from members.scope import require_unit_in_scope, scoped, staff_unit_paths

# The report page's figures are kept this long per scope, then counted anew.
# Every lesson read, video watched or quiz passed can change them: bumped on
# each, they would be counted anew on nearly every view in a campaign (a
# sector-wide count of 400,000 enrolments, about half a second), so the page
# says when they were counted instead (docs/decisions.md).
REPORT = "learning.report"
REPORT_TTL = 120
# The chart's geometry, in SVG user units.
CHART_LABEL_WIDTH = 260
CHART_BAR_WIDTH = 300
CHART_ROW_HEIGHT = 22


@dataclass(frozen=True)
class ReportRow:
    course_id: int
    course_title: str
    unit_id: int
    unit_name: str
    assigned: int
    enrolled: int
    started: int
    completed: int
    overdue: int
    average_score: Decimal | None

    @property
    def completed_percent(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


@dataclass(frozen=True)
class Bar:
    label: str
    value: int  # percent completed
    y: int
    width: int
    value_x: int


def _started() -> Q:
    return Q(started_at__isnull=False) | Q(completed_at__isnull=False)


def _counts(today) -> dict:
    """The report's figures of a group of enrolments (see ``course_report``)."""
    return {
        "assigned": Count("pk", filter=Q(source=Enrolment.Source.ASSIGNED)),
        "enrolled": Count("pk"),
        "started": Count("pk", filter=_started()),
        "completed": Count("pk", filter=Q(completed_at__isnull=False)),
        "overdue": Count("pk", filter=Q(completed_at__isnull=True, deadline__lt=today)),
        "average_score": Avg("best_score"),
    }


def _score(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.1"))


def course_report(
    *, user, course_id: int | None = None, unit: Unit | None = None
) -> list[ReportRow]:
    """Return a row a course and unit (the learner's own unit) in the user's scope.

    Only the subtree of ``unit`` if given (PermissionDenied outside the scope).

    assigned: enrolled by an assignment; started: read, watched or submitted
    something of the course (or completed it); overdue: not completed and
    past its deadline; average score: of each learner's best submitted
    attempt at the course's quizzes, over the learners who submitted one.
    The services keep "started" and the best score on the enrolment
    (``Enrolment.started_at``, ``best_score``), so this is one GROUP BY over
    the enrolments in scope. One query.
    """
    enrolments = scoped(Enrolment.objects.using(report_db()), user)
    if course_id is not None:
        enrolments = enrolments.filter(course_id=course_id)
    if unit is not None:
        require_unit_in_scope(user, unit)
        enrolments = enrolments.filter(member__unit__path__startswith=unit.path)
    rows = (
        enrolments.values(
            "course_id",
            "course__title",
            "member__unit_id",
            "member__unit__name",
            "member__unit__path",
        )
        .annotate(**_counts(timezone.localdate()))
        .order_by("course__title", "course_id", "member__unit__path")
    )
    return [
        ReportRow(
            course_id=row["course_id"],
            course_title=row["course__title"],
            unit_id=row["member__unit_id"],
            unit_name=row["member__unit__name"],
            assigned=row["assigned"],
            enrolled=row["enrolled"],
            started=row["started"],
            completed=row["completed"],
            overdue=row["overdue"],
            average_score=_score(row["average_score"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class LevelRow(ReportRow):
    """A row of the report by level: a unit's whole subtree, or its own members."""

    direct: bool = False  # the members of the parent unit itself, not of a child
    can_open: bool = False  # the unit has units under it: the page can open it


def report_parents(*, user, unit: Unit | None = None) -> list[Unit]:
    """Return the units whose children are the report's rows.

    The unit asked for, if the user may see it; else the top units of the
    user's scope (the tree's roots for a superuser). PermissionDenied for a
    unit outside the scope.
    """
    if unit is not None:
        require_unit_in_scope(user, unit)
        return [unit]
    paths = staff_unit_paths(user)
    units = (
        Unit.objects.filter(depth=1)
        if paths is None
        else Unit.objects.filter(path__in=paths)
    )
    return list(units.order_by("path"))


def course_report_by_level(
    *, user, parents: list[Unit], course_id: int | None = None
) -> list[LevelRow]:
    """Return a row a course and unit one level under each parent, in scope.

    Each child unit's row counts the enrolments of its whole subtree; a
    parent's own members (in the parent unit itself) make a row of their own.
    The figures are those of ``course_report``. Two queries: the counts,
    grouped by the path of the unit one level under the parent, and the
    names of those units.
    """
    if not parents:
        return []
    enrolments = scoped(Enrolment.objects.using(report_db()), user)
    if course_id is not None:
        enrolments = enrolments.filter(course_id=course_id)
    under = Q()
    prefixes = []
    for parent in parents:
        under |= Q(member__unit__path__startswith=parent.path)
        prefixes.append(
            When(
                member__unit__path__startswith=parent.path,
                then=Substr("member__unit__path", 1, len(parent.path) + Unit.steplen),
            )
        )
    rows = list(
        enrolments.filter(under)
        .annotate(row_path=Case(*prefixes, output_field=CharField()))
        .values("course_id", "course__title", "row_path")
        .annotate(**_counts(timezone.localdate()))
        .order_by("course__title", "course_id", "row_path")
    )
    units = {
        unit.path: unit
        for unit in Unit.objects.filter(
            path__in={row["row_path"] for row in rows}
        ).only("pk", "path", "name", "numchild")
    }
    parent_paths = {parent.path for parent in parents}
    result = []
    for row in rows:
        unit = units[row["row_path"]]
        direct = unit.path in parent_paths
        result.append(
            LevelRow(
                course_id=row["course_id"],
                course_title=row["course__title"],
                unit_id=unit.pk,
                unit_name=(
                    _("%(unit)s (its own members)") % {"unit": unit.name}
                    if direct
                    else unit.name
                ),
                assigned=row["assigned"],
                enrolled=row["enrolled"],
                started=row["started"],
                completed=row["completed"],
                overdue=row["overdue"],
                average_score=_score(row["average_score"]),
                direct=direct,
                can_open=not direct and unit.numchild > 0,
            )
        )
    return result


@dataclass(frozen=True)
class CountedReport:
    """The report by level as counted at ``as_of``."""

    rows: list[LevelRow]
    as_of: datetime


def course_report_by_level_counted(
    *, user, parents: list[Unit], course_id: int | None = None
) -> CountedReport:
    """Return ``course_report_by_level``, kept ``REPORT_TTL`` seconds per scope.

    Kept per viewer's scope signature, units opened, course and language
    (members.cache): never another scope's figures; a renamed or moved unit
    counts anew at once.
    """
    return scoped_cached(
        REPORT,
        lambda: CountedReport(
            rows=course_report_by_level(
                user=user, parents=parents, course_id=course_id
            ),
            as_of=timezone.now(),
        ),
        user=user,
        args=(",".join(p.path for p in parents), course_id, get_language()),
        depends=(UNITS,),
        ttl=REPORT_TTL,
    )


def report_bars(rows: list[ReportRow], *, with_course: bool) -> list[Bar]:
    """Return the chart's bars: the share of each row's learners who completed."""
    bars = []
    for index, row in enumerate(rows):
        label = (
            f"{row.course_title} · {row.unit_name}" if with_course else row.unit_name
        )
        width = round(CHART_BAR_WIDTH * row.completed_percent / 100)
        bars.append(
            Bar(
                label=label,
                value=row.completed_percent,
                y=index * CHART_ROW_HEIGHT,
                width=width,
                value_x=CHART_LABEL_WIDTH + 8 + width + 4,
            )
        )
    return bars
