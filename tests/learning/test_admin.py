"""The learning admin under the staff scope: union A's officers never reach B's."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms import CheckboxInput, ModelMultipleChoiceField
from django.urls import reverse
from django.utils import timezone

from learning import services
from learning.models import (
    Assignment,
    Attempt,
    Course,
    Enrolment,
    Lesson,
    LessonCompletion,
    Module,
    VideoProgress,
)
from tests.conftest import vi
from tests.learning.factories import (
    make_category,
    make_course,
    make_module,
    make_quiz_lesson,
    make_text_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def form_data(page, **overrides) -> dict:
    """Return what a browser would post back from an admin form page, changed."""
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field.widget, CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(bound.field, ModelMultipleChoiceField):
                data[bound.html_name] = [str(item) for item in value or []]
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif isinstance(value, date):
                data[bound.html_name] = value.isoformat()
            else:
                data[bound.html_name] = "" if value is None else str(value)
    for name, value in overrides.items():
        data[name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return data


def listed(client, model) -> list:
    page = client.get(admin_url(model, "changelist"))
    assert page.status_code == 200
    return list(page.context["cl"].result_list)


@pytest.fixture
def courses(union):
    """A course owned by union A and one owned by union B."""
    course_a = make_course(owner_unit=union.unit_a, title="Khoá riêng CĐCS Hà Nội")
    course_b = make_course(owner_unit=union.unit_b, title="Khoá riêng CĐCS TP. HCM")
    return course_a, course_b


@pytest.fixture
def officer_a(client, union):
    client.force_login(union.officer_a)
    return client


def test_an_officer_sees_and_edits_only_the_courses_of_their_units(
    officer_a, client, union, courses
):
    course_a, course_b = courses

    assert listed(officer_a, Course) == [course_a]
    assert officer_a.get(admin_url(Course, "change", course_a.pk)).status_code == 200
    page = officer_a.get(admin_url(Course, "change", course_b.pk))
    assert page.status_code == 302
    forged = officer_a.post(
        admin_url(Course, "change", course_b.pk),
        {"title": "Đã bị sửa", "slug": course_b.slug},
    )
    assert forged.status_code == 302
    course_b.refresh_from_db()
    assert course_b.title == "Khoá riêng CĐCS TP. HCM"

    client.force_login(union.officer_vnpt)
    assert set(listed(client, Course)) == {course_a, course_b}


def test_an_officer_cannot_give_a_course_to_another_unit_or_its_audience(
    officer_a, union, courses
):
    course_a, _course_b = courses
    url = admin_url(Course, "change", course_a.pk)
    page = officer_a.get(url)

    moved = officer_a.post(url, form_data(page, owner_unit=union.unit_b.pk))
    aimed = officer_a.post(
        url,
        form_data(
            page, audience=Course.Audience.UNITS, audience_units=[union.unit_b.pk]
        ),
    )

    assert "owner_unit" in moved.context["adminform"].form.errors
    assert "audience_units" in aimed.context["adminform"].form.errors
    course_a.refresh_from_db()
    assert course_a.owner_unit == union.unit_a
    assert course_a.audience == Course.Audience.ALL


def test_an_officer_adds_a_course_of_their_unit(officer_a, union):
    page = officer_a.get(admin_url(Course, "add"))
    response = officer_a.post(
        admin_url(Course, "add"),
        form_data(
            page,
            title="An toàn lao động",
            slug="an-toan-lao-dong",
            category=Course.Category.VOCATIONAL,
            audience=Course.Audience.ALL,
            status=Course.Status.DRAFT,
            owner_unit=union.unit_a.pk,
            **{
                "modules-TOTAL_FORMS": 1,
                "modules-0-title": "Mở đầu",
                "modules-0-order": 1,
            },
        ),
    )

    assert response.status_code == 302
    course = Course.objects.get(slug="an-toan-lao-dong")
    assert course.created_by == union.officer_a
    assert list(course.modules.values_list("title", flat=True)) == ["Mở đầu"]


def test_copy_as_a_new_version_copies_only_courses_in_scope(officer_a, union, courses):
    course_a, course_b = courses

    officer_a.post(
        admin_url(Course, "changelist"),
        {
            "action": "copy_as_new_version",
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(course_a.pk), str(course_b.pk)],
        },
    )

    assert Course.objects.filter(lineage=course_a.lineage).count() == 2
    assert Course.objects.filter(lineage=course_b.lineage).count() == 1
    copy = Course.objects.get(copied_from=course_a)
    assert (copy.version, copy.status, copy.created_by) == (
        2,
        Course.Status.DRAFT,
        union.officer_a,
    )


def test_a_published_course_cannot_be_deleted(officer_a, courses):
    course_a, _course_b = courses
    response = officer_a.post(admin_url(Course, "delete", course_a.pk), {"post": "yes"})
    assert response.status_code == 403
    assert Course.objects.filter(pk=course_a.pk).exists()


def test_modules_and_lessons_are_listed_in_their_order(officer_a, courses):
    course_a, _course_b = courses
    second = make_module(course=course_a, title="Chương hai", order=2)
    make_module(course=course_a, title="Chương một", order=1)
    make_text_lesson(module=second, title="Bài sau", order=5)
    make_text_lesson(module=second, title="Bài trước", order=1)

    course_page = officer_a.get(admin_url(Course, "change", course_a.pk))
    module_page = officer_a.get(admin_url(Module, "change", second.pk))

    modules = [
        form.instance.title
        for form in course_page.context["inline_admin_formsets"][0].formset.forms
    ]
    lessons = [
        form.instance.title
        for form in module_page.context["inline_admin_formsets"][0].formset.forms
    ]
    assert modules == ["Chương một", "Chương hai"]
    assert lessons == ["Bài trước", "Bài sau"]


def test_lessons_and_question_banks_of_another_unit_stay_hidden(
    officer_a, union, courses
):
    course_a, course_b = courses
    own = make_text_lesson(module=make_module(course=course_a), title="Bài của A")
    hidden = make_text_lesson(module=make_module(course=course_b), title="Bài của B")
    question = truefalse(make_category(course=course_b))
    make_quiz_lesson(module=hidden.module, questions=(question,))

    assert listed(officer_a, Lesson) == [own]
    assert officer_a.get(admin_url(Lesson, "change", hidden.pk)).status_code == 302
    for model in ("question", "questioncategory", "quiz"):
        page = officer_a.get(reverse(f"admin:learning_{model}_changelist"))
        assert list(page.context["cl"].result_list) == []


# Assignments ----------------------------------------------------------------


def test_an_assignment_made_in_the_admin_enrols_the_units_members(
    officer_a, union, courses
):
    course_a, _course_b = courses
    deadline = timezone.localdate() + timedelta(days=10)
    page = officer_a.get(admin_url(Assignment, "add"))

    response = officer_a.post(
        admin_url(Assignment, "add"),
        form_data(page, course=course_a.pk, unit=union.unit_a.pk, deadline=deadline),
    )

    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.assigned_by == union.officer_a
    enrolment = Enrolment.objects.get(member=union.member_a)
    assert (enrolment.assignment, enrolment.deadline) == (assignment, deadline)


@pytest.mark.parametrize("forged", ["unit", "course", "past"])
def test_an_assignment_outside_the_scope_or_in_the_past_is_refused(
    officer_a, union, courses, forged
):
    course_a, course_b = courses
    fields = {
        "course": course_a.pk,
        "unit": union.unit_a.pk,
        "deadline": timezone.localdate() + timedelta(days=10),
    }
    if forged == "unit":
        fields["unit"] = union.unit_b.pk
    elif forged == "course":
        fields["course"] = course_b.pk
    else:
        fields["deadline"] = timezone.localdate() - timedelta(days=1)
    page = officer_a.get(admin_url(Assignment, "add"))

    response = officer_a.post(admin_url(Assignment, "add"), form_data(page, **fields))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Assignment.objects.exists()
    assert not Enrolment.objects.exists()


# Learners' records ------------------------------------------------------------


@pytest.fixture
def records(union):
    """Both members learn a VNPT course: enrolled, one attempt, some video."""
    course = make_course(owner_unit=union.vnpt)
    module = make_module(course=course)
    quiz = make_quiz_lesson(
        module=module, questions=(truefalse(make_category(course=course)),)
    )
    lesson = make_text_lesson(module=module)
    for member in (union.member_a, union.member_b):
        services.course_enrol(course=course, member=member)
        attempt = services.attempt_start(quiz=quiz, member=member)
        services.attempt_submit(attempt=attempt, member=member, responses={})
        services.lesson_complete(member=member, lesson=lesson)
        VideoProgress.objects.create(member=member, lesson=lesson)
    return course


@pytest.mark.parametrize("model", [Enrolment, Attempt, VideoProgress, LessonCompletion])
def test_learners_records_are_read_only_and_scoped_by_the_members_unit(
    officer_a, union, records, model
):
    rows = listed(officer_a, model)
    assert [row.member for row in rows] == [union.member_a]

    other = model.objects.get(member=union.member_b)
    own = model.objects.get(member=union.member_a)
    assert officer_a.get(admin_url(model, "change", other.pk)).status_code == 302
    assert officer_a.get(admin_url(model, "change", own.pk)).status_code == 200
    assert officer_a.get(admin_url(model, "add")).status_code == 403
    assert officer_a.post(admin_url(model, "delete", own.pk)).status_code == 403
    assert model.objects.count() == 2


def test_the_learning_admin_speaks_vietnamese(officer_a, courses):
    changelist = officer_a.get(admin_url(Course, "changelist")).content.decode()
    add = officer_a.get(admin_url(Course, "add")).content.decode()

    assert vi("Copy as a new version") in changelist
    assert "Đơn vị quản lý" in add
    assert "Ảnh bìa" in add
    assert vi("Union-officer training") in add
