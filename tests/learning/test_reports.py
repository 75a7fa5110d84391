"""The staff's course report: counts per course and unit, one query, the scope only."""

import importlib
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime
from openpyxl import load_workbook

from learning import services
from learning.models import Attempt, Enrolment
from learning.selectors.reports import REPORT, course_report
from members.cache import cache_bump
from members.resources import XLSX_CONTENT_TYPE
from members.scope import staff_unit_paths
from tests.learning.factories import (
    make_course,
    make_learner,
    make_module,
    make_quiz_lesson,
    make_text_lesson,
)

pytestmark = pytest.mark.django_db

# The migration that fills the enrolments' started and best-score columns
# from the progress rows; the fixture below makes its rows directly, so it
# runs it as the migration did.
backfill = importlib.import_module(
    "learning.migrations.0003_enrolment_started_best_score"
).backfill

# The admin's own reads of the request (session, user, second factor,
# greeting), the scope's roles, the top units of the scope, the report itself
# in one query, and the names of its rows' units.
PAGE_QUERIES = 9


def _attempt(quiz, member, number, score):
    now = timezone.now()
    return Attempt.objects.create(
        member=member,
        quiz=quiz,
        number=number,
        started_at=now,
        submitted_at=now,
        score=Decimal(score),
        passed=Decimal(score) >= 50,
    )


@pytest.fixture
def learning_data(union):
    """A VNPT course: three learners in union A, two in B, in various states."""
    course = make_course(owner_unit=union.vnpt, title="An toàn thông tin")
    module = make_module(course=course)
    reading = make_text_lesson(module=module, order=1)
    quiz = make_quiz_lesson(module=module, order=2)
    past = timezone.localdate() - timedelta(days=2)
    a2 = make_learner(unit=union.unit_a, full_name="Lê Văn Hai")
    a3 = make_learner(unit=union.group_a, full_name="Phạm Thị Ba")
    b2 = make_learner(unit=union.unit_b, full_name="Hồ Văn Tư")
    # Union A: member_a assigned, overdue, never started; a2 read and scored
    # 60 then 80; a3 (group under A) enrolled themselves, scored 40.
    Enrolment.objects.create(
        member=union.member_a,
        course=course,
        source=Enrolment.Source.ASSIGNED,
        deadline=past,
    )
    Enrolment.objects.create(
        member=a2, course=course, source=Enrolment.Source.ASSIGNED, deadline=past
    )
    services.lesson_complete(member=a2, lesson=reading)
    _attempt(quiz, a2, 1, "60")
    _attempt(quiz, a2, 2, "80")
    Enrolment.objects.create(member=a3, course=course, source=Enrolment.Source.SELF)
    _attempt(quiz, a3, 1, "40")
    # Union B: member_b completed (marked so), b2 enrolled, nothing else.
    Enrolment.objects.create(
        member=union.member_b,
        course=course,
        source=Enrolment.Source.SELF,
        completed_at=timezone.now(),
    )
    Enrolment.objects.create(member=b2, course=course, source=Enrolment.Source.SELF)
    other = make_course(owner_unit=union.unit_b, title="Kỹ năng mềm")
    Enrolment.objects.create(member=b2, course=other, source=Enrolment.Source.SELF)
    backfill(apps, None)
    return course, other


def _table(rows):
    return {
        (row.course_title, row.unit_name): (
            row.assigned,
            row.enrolled,
            row.started,
            row.completed,
            row.overdue,
            row.average_score,
        )
        for row in rows
    }


def test_the_report_counts_each_course_and_unit_in_one_query(union, learning_data):
    course, _other = learning_data
    staff_unit_paths(union.officer_vnpt)  # the scope's roles, read once a request
    with CaptureQueriesContext(connection) as queries:
        rows = course_report(user=union.officer_vnpt)
    assert len(queries) == 1
    assert _table(rows) == {
        ("An toàn thông tin", "CĐCS VNPT Hà Nội"): (2, 2, 1, 0, 2, Decimal("80.0")),
        ("An toàn thông tin", "Tổ công đoàn Kỹ thuật"): (
            0,
            1,
            1,
            0,
            0,
            Decimal("40.0"),
        ),
        ("An toàn thông tin", "CĐCS VNPT TP. Hồ Chí Minh"): (0, 2, 1, 1, 0, None),
        ("Kỹ năng mềm", "CĐCS VNPT TP. Hồ Chí Minh"): (0, 1, 0, 0, 0, None),
    }
    only = course_report(user=union.officer_vnpt, course_id=course.pk)
    assert {row.course_title for row in only} == {"An toàn thông tin"}


def test_an_officer_of_union_a_sees_only_union_as_rows(union, learning_data):
    rows = course_report(user=union.officer_a)
    assert {row.unit_name for row in rows} == {
        "CĐCS VNPT Hà Nội",
        "Tổ công đoàn Kỹ thuật",
    }
    assert {row.unit_name for row in course_report(user=union.officer_b)} == {
        "CĐCS VNPT TP. Hồ Chí Minh"
    }


def test_the_report_page_shows_the_table_and_a_chart_of_the_scope(
    client, union, learning_data
):
    course, _other = learning_data
    client.force_login(union.officer_a)
    url = reverse("admin:learning_enrolment_report") + f"?course={course.pk}"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "CĐCS VNPT Hà Nội" in body
    assert "TP. Hồ Chí Minh" not in body
    assert "<svg" in body
    assert "style=" not in body.split('id="content-main"')[1]
    assert "<script" not in body.split('id="content-main"')[1]
    assert [bar.value for bar in page.context["bars"]] == [0, 0]


def test_the_report_page_reads_the_enrolments_in_one_query(
    client, union, learning_data
):
    client.force_login(union.officer_vnpt)
    url = reverse("admin:learning_enrolment_report")
    client.get(url)  # warm the session and the user's scope caches
    cache_bump(REPORT)  # and count the report anew
    with CaptureQueriesContext(connection) as queries:
        counted = client.get(url)
    report = [q for q in queries if "learning_enrolment" in q["sql"]]
    assert len(report) == 1, [q["sql"] for q in report]
    # The session, the user, the scope's roles and the report: no more per row.
    assert len(queries) == PAGE_QUERIES, [q["sql"] for q in queries]
    # Kept two minutes for this scope: the next view counts nothing, and says
    # when its figures were counted.
    with CaptureQueriesContext(connection) as again:
        kept = client.get(url)
    assert [q for q in again if "learning_enrolment" in q["sql"]] == []
    assert kept.context["rows"] == counted.context["rows"]
    assert kept.context["as_of"] == counted.context["as_of"]
    assert localtime(kept.context["as_of"]).strftime("%H:%M") in kept.content.decode()
    # Another scope never gets these figures.
    client.force_login(union.officer_a)
    other = client.get(url)
    assert other.context["as_of"] >= counted.context["as_of"]
    assert other.context["rows"] != counted.context["rows"]


def test_the_xlsx_export_holds_the_rows_escaped(client, union, learning_data):
    course, _other = learning_data
    course.title = "=HYPERLINK(1)"
    course.save(update_fields=["title"])
    client.force_login(union.officer_b)
    response = client.get(reverse("admin:learning_enrolment_report_xlsx"))
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1:] == [
        ["'=HYPERLINK(1)", "CĐCS VNPT TP. Hồ Chí Minh", 0, 2, 1, 1, 0, None],
        ["Kỹ năng mềm", "CĐCS VNPT TP. Hồ Chí Minh", 0, 1, 0, 0, 0, None],
    ]


def test_a_course_that_does_not_exist_is_not_found(client, union):
    client.force_login(union.officer_a)
    url = reverse("admin:learning_enrolment_report")
    assert client.get(url + "?course=999999").status_code == 404
    assert client.get(url + "?course=abc").status_code == 404
