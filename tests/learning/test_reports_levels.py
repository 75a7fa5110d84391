"""The course report by level, and the enrolment columns it counts from.

The services keep each enrolment's "started" time and best score as the
learner goes; the report groups enrolments by the unit one level under the
unit opened, and the page opens a unit to show the units under it.
"""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from learning import services
from learning.models import Enrolment
from learning.selectors.reports import course_report_by_level, report_parents
from tests.learning.factories import (
    make_category,
    make_course,
    make_learner,
    make_module,
    make_quiz_lesson,
    make_text_lesson,
    make_video_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db

backfill = importlib.import_module(
    "learning.migrations.0003_enrolment_started_best_score"
).backfill


def _submit(member, quiz, question, *, right: bool):
    attempt = services.attempt_start(quiz=quiz, member=member)
    ids = {answer.text: answer.pk for answer in question.answers.all()}
    choice = ids["true"] if right else ids["false"]
    return services.attempt_submit(
        attempt=attempt, member=member, responses={str(question.pk): choice}
    )


@pytest.fixture
def course(union):
    course = make_course(owner_unit=union.vnpt, title="Chuyển đổi số")
    module = make_module(course=course)
    course.reading = make_text_lesson(module=module, order=1)
    course.video = make_video_lesson(module=module, order=2)
    course.question = truefalse(make_category(course=course))
    course.quiz = make_quiz_lesson(
        module=module, order=3, questions=(course.question,), attempts_allowed=0
    )
    return course


def _enrolment(member, course) -> Enrolment:
    return Enrolment.objects.get(member=member, course=course)


def test_the_services_keep_started_and_the_best_score_on_the_enrolment(union, course):
    reader, viewer, taker, idle = (
        make_learner(unit=union.unit_a, full_name=name)
        for name in ("Lê Đọc", "Trần Xem", "Phạm Thi", "Hồ Chờ")
    )
    for member in (reader, viewer, taker, idle):
        services.course_enrol(course=course, member=member)
    services.lesson_complete(member=reader, lesson=course.reading)
    services.video_heartbeat(
        member=viewer,
        lesson=course.video,
        session="s1",
        sequence=0,
        intervals=[],
        active_seconds=0,
        position=0,
    )
    _submit(taker, course.quiz, course.question, right=False)
    first = _enrolment(taker, course)
    assert first.best_score == Decimal("0.00")
    _submit(taker, course.quiz, course.question, right=True)
    _submit(taker, course.quiz, course.question, right=False)

    assert _enrolment(reader, course).started_at is not None
    assert _enrolment(viewer, course).started_at is not None
    after = _enrolment(taker, course)
    assert after.started_at == first.started_at  # the first time only
    assert after.best_score == Decimal("100.00")  # the best, not the last
    assert _enrolment(idle, course).started_at is None
    assert _enrolment(idle, course).best_score is None

    # The migration's backfill, run on the same rows, agrees with the services.
    kept = {
        row.pk: (row.started_at is not None, row.best_score)
        for row in Enrolment.objects.all()
    }
    Enrolment.objects.update(started_at=None, best_score=None)
    backfill(apps, None)
    assert {
        row.pk: (row.started_at is not None, row.best_score)
        for row in Enrolment.objects.all()
    } == kept


def _rows(rows):
    return {
        row.unit_name: (row.enrolled, row.started, row.completed, row.can_open)
        for row in rows
    }


def test_the_report_rows_are_the_units_one_level_down_with_their_subtrees(
    union, course, superuser
):
    a2 = make_learner(unit=union.unit_a, full_name="Lê Văn Hai")
    in_group = make_learner(unit=union.group_a, full_name="Phạm Thị Ba")
    b2 = make_learner(unit=union.unit_b, full_name="Hồ Văn Tư")
    for member in (union.member_a, a2, in_group, union.member_b, b2):
        services.course_enrol(course=course, member=member)
    services.lesson_complete(member=in_group, lesson=course.reading)
    services.lesson_complete(member=b2, lesson=course.reading)

    top = report_parents(user=union.officer_vnpt)
    assert top == [union.vnpt]
    rows = course_report_by_level(user=union.officer_vnpt, parents=top)
    # The group's learner counts in its grassroots union, which can be opened.
    assert _rows(rows) == {
        "CĐCS VNPT Hà Nội": (3, 1, 0, True),
        "CĐCS VNPT TP. Hồ Chí Minh": (2, 1, 0, False),
    }
    opened = course_report_by_level(
        user=union.officer_vnpt,
        parents=report_parents(user=union.officer_vnpt, unit=union.unit_a),
    )
    assert _rows(opened) == {
        "CĐCS VNPT Hà Nội (đoàn viên trực thuộc)": (2, 0, 0, False),
        "Tổ công đoàn Kỹ thuật": (1, 1, 0, False),
    }
    # The sector's superuser sees the same figures from the top of the tree.
    assert (
        sum(
            row.enrolled
            for row in course_report_by_level(
                user=superuser, parents=report_parents(user=superuser)
            )
        )
        == 5
    )


def test_the_page_opens_a_unit_and_refuses_one_outside_the_scope(client, union, course):
    in_group = make_learner(unit=union.group_a, full_name="Phạm Thị Ba")
    services.course_enrol(course=course, member=in_group)
    services.course_enrol(course=course, member=union.member_b)
    client.force_login(union.officer_vnpt)
    url = reverse("admin:learning_enrolment_report")
    body = client.get(url).content.decode()
    opener = f'href="?unit={union.unit_a.pk}"'
    assert opener in body  # the union with a group under it can be opened
    page = client.get(url, {"unit": union.unit_a.pk, "course": course.pk})
    assert page.status_code == 200
    assert [row.unit_name for row in page.context["rows"]] == ["Tổ công đoàn Kỹ thuật"]
    assert [unit.pk for unit in page.context["trail"]] == [
        union.vnpt.pk,
        union.unit_a.pk,
    ]
    xlsx = client.get(
        reverse("admin:learning_enrolment_report_xlsx"), {"unit": union.unit_a.pk}
    )
    assert xlsx.status_code == 200

    client.force_login(union.officer_a)
    assert client.get(url, {"unit": union.unit_b.pk}).status_code == 403
    xlsx_url = reverse("admin:learning_enrolment_report_xlsx")
    assert client.get(xlsx_url, {"unit": union.unit_b.pk}).status_code == 403
    assert client.get(url, {"unit": "abc"}).status_code == 404
    assert client.get(url, {"unit": 999999}).status_code == 404
