"""The staff's course report: per course and unit, who learns and how far; one query."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from learning.models import Attempt, Enrolment, LessonCompletion, VideoProgress
from members.scope import scoped

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


def course_report(*, user, course_id: int | None = None) -> list[ReportRow]:
    """Return a row a course and unit (the learner's own unit) in the user's scope.

    assigned: enrolled by an assignment; started: read, watched or attempted
    something of the course (or completed it); overdue: not completed and past
    its deadline; average score: of each learner's best submitted attempt at
    the course's quizzes, over the learners who submitted one. One query.
    """
    today = timezone.localdate()
    member, course = OuterRef("member_id"), OuterRef("course_id")
    attempts = Attempt.objects.filter(
        member_id=member,
        quiz__lesson__module__course_id=course,
        submitted_at__isnull=False,
    )
    best = attempts.values("member_id").annotate(best=Max("score")).values("best")
    started = (
        Q(completed_at__isnull=False)
        | Q(
            Exists(
                LessonCompletion.objects.filter(
                    member_id=member, lesson__module__course_id=course
                )
            )
        )
        | Q(
            Exists(
                VideoProgress.objects.filter(
                    member_id=member, lesson__module__course_id=course
                )
            )
        )
        | Q(Exists(attempts))
    )
    enrolments = scoped(Enrolment.objects.all(), user)
    if course_id is not None:
        enrolments = enrolments.filter(course_id=course_id)
    rows = (
        enrolments.annotate(best_score=Subquery(best))
        .values(
            "course_id",
            "course__title",
            "member__unit_id",
            "member__unit__name",
            "member__unit__path",
        )
        .annotate(
            assigned=Count("pk", filter=Q(source=Enrolment.Source.ASSIGNED)),
            enrolled=Count("pk"),
            started=Count("pk", filter=started),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            overdue=Count(
                "pk", filter=Q(completed_at__isnull=True, deadline__lt=today)
            ),
            average_score=Avg("best_score"),
        )
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
            average_score=(
                None
                if row["average_score"] is None
                else Decimal(row["average_score"]).quantize(Decimal("0.1"))
            ),
        )
        for row in rows
    ]


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
