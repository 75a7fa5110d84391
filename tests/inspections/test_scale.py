"""The full-size seed of inspections, run small over the benchmark's register.

Transactional tests: the register's seeder truncates and vacuums, which a
test's transaction would not allow; the flush after each test empties it.
"""

import hashlib
from datetime import date

import pytest
from django.db import connection

from benchmarks.inspections import bench_people
from benchmarks.members_seed import register_get
from inspections.demo import seed as demo_seed
from inspections.models import (
    Activity,
    AnswerSubmission,
    ChecklistAnswer,
    Finding,
    Plan,
    Recommendation,
)
from inspections.scale import RECOMMENDATIONS_PER_ACTIVITY, SCALE_NOTE, seed
from inspections.selectors.followup import (
    activities_of_person,
    recommendations_of_owner,
)
from inspections.selectors.split import split_dashboard
from inspections.services.activities import activity_validate
from inspections.services.findings import belongs_to
from members.management.scale import Scale
from members.models import Unit
from members.text import fold
from tests.conftest import require_service

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 9, 15)
SMALL = Scale(today=TODAY, factor=0.01)


@pytest.fixture
def world(settings, tmp_path):
    require_service(
        connection.vendor == "postgresql", "the full-size seed runs on PostgreSQL"
    )
    register = register_get(
        members=820, units=40, relatives=300, open_cases=20, seed=1, reseed=False
    )
    return register, bench_people(register)


def _scale_activities():
    return Activity.objects.filter(plan__notes=SCALE_NOTE)


def _digest() -> str:
    """The seeded rows by what they say, not by their ids or write times."""
    parts = []
    parts += Plan.objects.order_by("inspecting_unit__path", "year").values_list(
        "inspecting_unit__path", "year", "title", "notes"
    )
    parts += Activity.objects.order_by("pk").values_list(
        "inspecting_unit__path",
        "inspected_unit__path",
        "kind",
        "mode",
        "topic",
        "planned_start",
        "planned_end",
        "original_start",
        "actual_start",
        "actual_end",
        "status",
        "lead__email",
        "checklist__code",
        "cancelled_reason",
    )
    parts += Activity.team.through.objects.order_by("pk").values_list(
        "activity__planned_start", "user__email"
    )
    parts += Activity.contacts.through.objects.order_by("pk").values_list(
        "activity__planned_start", "user__email"
    )
    parts += ChecklistAnswer.objects.order_by("pk").values_list(
        "activity__planned_start", "item__order", "verdict", "score", "text"
    )
    parts += Finding.objects.order_by("pk").values_list(
        "activity__planned_start", "topic", "repeated_of__activity__planned_start"
    )
    parts += Recommendation.objects.order_by("pk").values_list(
        "finding__topic",
        "owner__email",
        "due_date",
        "status",
        "responded_at",
        "reviewed_at",
        "review_note",
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _wipe_inspections():
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inspections_recommendation, inspections_finding, "
            "inspections_answersubmission, inspections_checklistanswer, "
            "inspections_activitydocument, inspections_activity_team, "
            "inspections_activity_contacts, inspections_activity, inspections_plan "
            "RESTART IDENTITY CASCADE"
        )


def test_the_seed_writes_two_years_the_services_would_write_and_reuses_them(world):
    register, people = world
    line = seed(scale=SMALL, people=people)
    wanted = SMALL.count("inspection_activities")
    assert wanted == 1_000
    activities = _scale_activities()
    assert activities.count() == wanted, line
    recommendations = Recommendation.objects.all()
    assert recommendations.count() == RECOMMENDATIONS_PER_ACTIVITY * wanted
    # A plan a year for the sector, each upper and each grassroots union.
    committees = Unit.objects.exclude(level=Unit.Level.GROUP).count()
    assert Plan.objects.filter(notes=SCALE_NOTE).count() == 2 * committees
    assert set(activities.values_list("year", flat=True)) == {2025, 2026}

    # The scope's rule: the inspected unit lies under the inspecting unit.
    for inspecting, inspected in activities.values_list(
        "inspecting_unit__path", "inspected_unit__path"
    ):
        assert inspected.startswith(inspecting)
    # Every rule of the services, on a sample.
    for activity in activities.select_related(
        "plan__inspecting_unit", "inspected_unit", "lead"
    ).order_by("pk")[::25]:
        activity_validate(
            activity,
            team=list(activity.team.all()),
            contacts=list(activity.contacts.all()),
        )
    for recommendation in recommendations.select_related(
        "owner", "inspected_unit", "finding__activity"
    ).order_by("pk")[::60]:
        assert belongs_to(recommendation.owner, recommendation.inspected_unit)
        assert recommendation.due_date > recommendation.finding.activity.actual_end

    # Statuses as the dates make them.
    for status, start, end, actual_start, actual_end, reason in activities.values_list(
        "status",
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "cancelled_reason",
    ):
        assert start.year == end.year
        if status in Activity.DONE:
            assert actual_start == start
            assert actual_end == end < TODAY
        elif status == "in_progress":
            assert actual_start == start <= TODAY <= end
            assert actual_end is None
        elif status == "planned":
            assert start > TODAY
            assert actual_start is None
        else:
            assert status == "cancelled"
            assert reason
            assert actual_start is None
    counts = {
        status: activities.filter(status=status).count()
        for status in Activity.Status.values
    }
    assert all(counts.values()), counts
    moved = [
        (first, now)
        for first, now in activities.values_list("original_start", "planned_start")
        if (first.month - 1) // 3 != (now.month - 1) // 3
    ]
    assert 20 <= len(moved) <= 100
    # A closed follow-up has every recommendation accepted.
    assert not Recommendation.objects.filter(
        finding__activity__status="closed"
    ).exclude(status="accepted")
    # A fifth overdue; answers and reviews as the status says.
    overdue = recommendations.filter(
        status__in=Recommendation.WAITING_ON_UNIT, due_date__lt=TODAY
    ).count()
    assert overdue == 600
    for row in recommendations.values(
        "status",
        "owner_id",
        "responded_by_id",
        "responded_at",
        "response",
        "response_evidence",
        "reviewed_by_id",
        "reviewed_at",
        "review_note",
    ):
        answered = row["status"] != "open"
        assert bool(row["response"]) == answered == bool(row["response_evidence"])
        assert (row["responded_by_id"] == row["owner_id"]) == answered
        reviewed = row["status"] in ("accepted", "returned")
        assert (row["reviewed_by_id"] is not None) == reviewed
        if reviewed:
            assert row["reviewed_at"] > row["responded_at"]
        assert bool(row["review_note"]) == (row["status"] == "returned")
    assert set(recommendations.values_list("status", flat=True)) == {
        "open",
        "responded",
        "returned",
        "accepted",
    }
    # Findings: folded topics; a repeat points at last year's, same unit and topic.
    findings = Finding.objects.all()
    assert findings.count() > 100
    for topic, key in findings.values_list("topic", "topic_key"):
        assert key == fold(topic)
    repeats = findings.filter(repeated_of__isnull=False).select_related("repeated_of")
    assert repeats.exists()
    for finding in repeats:
        assert finding.repeated_of.inspected_unit_id == finding.inspected_unit_id
        assert finding.repeated_of.topic_key == finding.topic_key
        assert finding.activity.year == 2026
        assert finding.repeated_of.activity.year == 2025
    # The checklist: answers of done inspections, each with its submission.
    answers = ChecklistAnswer.objects.all()
    assert answers.exists()
    assert answers.count() == AnswerSubmission.objects.filter(outcome="applied").count()
    assert not answers.exclude(activity__status__in=Activity.DONE)

    # The split: the sector's officer sees the year in every kind, near targets.
    split = split_dashboard(user=register.sector_user, year=2026)
    inspection, supervision = (kind.year for kind in split.kinds)
    assert inspection.done > 50
    assert inspection.remaining > 10
    assert 60 <= inspection.online_percent <= 80
    assert supervision.online_percent >= 90
    assert len(split.units) > 3
    below = [
        unit
        for unit, kinds in split.units
        if kinds[0].year.online_percent is not None
        and kinds[0].year.online_percent < 70
    ]
    assert below
    grassroots = split_dashboard(user=register.grassroots_user, year=2026)
    assert sum(kind.year.planned for kind in grassroots.kinds) > 0
    # The demo accounts' portal pages hold something.
    assert activities_of_person(user=people.officer).exists()
    assert recommendations_of_owner(user=people.member_user).exists()

    # A second run writes nothing.
    last = Activity.objects.order_by("-pk").values_list("pk", flat=True).first()
    again = seed(scale=SMALL, people=people)
    assert "reused" in again
    assert Activity.objects.order_by("-pk").values_list("pk", flat=True).first() == last
    assert Recommendation.objects.count() == 3_000


def test_the_same_seed_gives_the_same_rows_beside_the_demo_at_any_scale(
    world, time_machine
):
    """Deterministic; the small demo's plan kept; another scale rewrites its own."""
    _register, people = world
    seed(scale=SMALL, people=people)
    first = _digest()
    _wipe_inspections()
    seed(scale=SMALL, people=people)
    assert _digest() == first
    _wipe_inspections()
    seed(scale=Scale(today=TODAY, factor=0.01, seed=7), people=people)
    assert _digest() != first

    _wipe_inspections()
    time_machine.move_to("2026-09-15 09:00 +0700", tick=False)
    demo_seed(people=people, today=TODAY)
    demo = set(Activity.objects.values_list("pk", flat=True))
    demo_plan = Plan.objects.get()
    seed(scale=SMALL, people=people)
    line = seed(scale=Scale(today=TODAY, factor=0.005), people=people)
    assert "reused" not in line
    assert _scale_activities().count() == 500
    mine = Recommendation.objects.filter(finding__activity__plan__notes=SCALE_NOTE)
    assert mine.count() == 1_500
    # The demo's plan and activities are as the demo made them; no second plan
    # of the demo's unit that year.
    demo_now = Activity.objects.filter(plan=demo_plan).values_list("pk", flat=True)
    assert set(demo_now) == demo
    unit = demo_plan.inspecting_unit
    assert Plan.objects.filter(inspecting_unit=unit, year=2026).count() == 1
