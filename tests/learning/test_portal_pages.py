"""The member portal's learning pages: what each shows, and only to whom it may."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learning import services
from learning.models import Attempt, Course, Enrolment, LessonCompletion
from learning.selectors.portal import my_courses
from tests.learning.factories import (
    make_category,
    make_course,
    make_module,
    make_question,
    make_quiz_lesson,
    make_text_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a(client, union):
    client.force_login(union.member_a.user)
    return client


@pytest.fixture
def quiz(module):
    category = make_category(course=module.course)
    return make_quiz_lesson(
        module=module,
        questions=(truefalse(category, right=True, text="Trời xanh?"),),
        pass_mark=50,
        attempts_allowed=2,
        time_limit_minutes=15,
    )


def _ids(html: str, prefix: str) -> set[str]:
    return set(re.findall(rf'id="{prefix}-(\d+)"', html))


def test_catalogue_lists_published_courses_meant_for_the_member(client_a, union):
    open_course = make_course(owner_unit=union.vnpt, title="Kỹ năng số")
    draft = make_course(
        owner_unit=union.vnpt, title="Bản nháp", status=Course.Status.DRAFT
    )
    for_b = make_course(
        owner_unit=union.vnpt,
        title="Cho đơn vị B",
        audience=Course.Audience.UNITS,
        audience_units=(union.unit_b,),
    )
    html = client_a.get(reverse("learning:catalogue")).content.decode()
    shown = _ids(html, "course")
    assert str(open_course.pk) in shown
    assert str(draft.pk) not in shown
    assert str(for_b.pk) not in shown


def test_catalogue_filters_by_category(client_a, union):
    make_course(owner_unit=union.vnpt, category=Course.Category.DIGITAL)
    law = make_course(owner_unit=union.vnpt, category=Course.Category.LAW)
    html = client_a.get(
        reverse("learning:catalogue"), {"category": "law"}
    ).content.decode()
    assert _ids(html, "course") == {str(law.pk)}


def test_an_unpublished_or_other_audience_course_page_is_not_found(client_a, union):
    draft = make_course(owner_unit=union.vnpt, status=Course.Status.DRAFT)
    for_b = make_course(
        owner_unit=union.vnpt,
        audience=Course.Audience.UNITS,
        audience_units=(union.unit_b,),
    )
    for course in (draft, for_b):
        url = reverse("learning:course", args=[course.slug])
        assert client_a.get(url).status_code == 404
        enrol = reverse("learning:course_enrol", args=[course.slug])
        assert client_a.post(enrol).status_code == 404
    assert not Enrolment.objects.filter(member=union.member_a).exists()


def test_the_enrol_button_enrols_through_the_service(client_a, union, course, video):
    page = client_a.get(reverse("learning:course", args=[course.slug]))
    assert b'id="enrol"' in page.content
    response = client_a.post(reverse("learning:course_enrol", args=[course.slug]))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(member=union.member_a, course=course)
    assert enrolment.source == Enrolment.Source.SELF
    page = client_a.get(reverse("learning:course", args=[course.slug]))
    assert b'id="enrol"' not in page.content
    assert b'id="progress-bar" value="0" max="1"' in page.content


def test_my_courses_shows_progress_in_a_constant_number_of_queries(
    client_a, union, django_assert_num_queries
):
    def add_course(index):
        course = make_course(owner_unit=union.vnpt, title=f"Khoá {index}")
        module = make_module(course=course)
        first = make_text_lesson(module=module, title="Bài 1", order=1)
        make_text_lesson(module=module, title="Bài 2", order=2)
        services.course_enrol(course=course, member=union.member_a)
        services.lesson_complete(member=union.member_a, lesson=first)
        return course

    add_course(1)
    url = reverse("learning:my_courses")
    with CaptureQueriesContext(connection) as one:
        html = client_a.get(url).content.decode()
    assert 'value="1" max="2"' in html
    for index in range(2, 6):
        add_course(index)
    with CaptureQueriesContext(connection) as five:
        html = client_a.get(url).content.decode()
    assert html.count('value="1" max="2"') == 5
    assert len(five) == len(one)
    with django_assert_num_queries(1):
        rows = my_courses(member=union.member_a)
    assert [(row.done_count, row.required_count, row.percent) for row in rows] == [
        (1, 2, 50)
    ] * 5


def test_my_courses_lists_only_the_members_own_enrolments(client_a, union, course):
    services.course_enrol(course=course, member=union.member_b)
    html = client_a.get(reverse("learning:my_courses")).content.decode()
    assert _ids(html, "enrolment") == set()


def test_a_lesson_of_a_course_not_meant_for_the_member_is_not_found(client_a, union):
    for_b = make_course(
        owner_unit=union.vnpt,
        audience=Course.Audience.UNITS,
        audience_units=(union.unit_b,),
    )
    lesson = make_text_lesson(module=make_module(course=for_b))
    services.course_enrol(course=for_b, member=union.member_b)
    for name in (
        "learning:lesson",
        "learning:lesson_video",
        "learning:lesson_captions",
    ):
        assert client_a.get(reverse(name, args=[lesson.pk])).status_code == 404
    response = client_a.post(reverse("learning:lesson_read", args=[lesson.pk]))
    assert response.status_code == 404
    assert not LessonCompletion.objects.exists()


def test_a_lesson_before_enrolling_leads_to_the_course_page(client_a, course, video):
    response = client_a.get(reverse("learning:lesson", args=[video.pk]))
    assert response.status_code == 302
    assert response.url == reverse("learning:course", args=[course.slug])


def test_a_lesson_of_an_unpublished_course_is_not_found(client_a, union, course, video):
    services.course_enrol(course=course, member=union.member_a)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.DRAFT)
    assert client_a.get(reverse("learning:lesson", args=[video.pk])).status_code == 404


def test_the_player_resumes_where_the_member_stopped(
    client_a, union, course, video, time_machine
):
    services.course_enrol(course=course, member=union.member_a)
    time_machine.move_to("2025-03-10 09:00 +0700", tick=False)
    services.video_heartbeat(
        member=union.member_a,
        lesson=video,
        session="s1",
        sequence=0,
        intervals=[],
        active_seconds=0,
        position=0,
    )
    time_machine.shift(30)
    services.video_heartbeat(
        member=union.member_a,
        lesson=video,
        session="s1",
        sequence=1,
        intervals=[[0, 30]],
        active_seconds=30,
        position=42.5,
    )
    html = client_a.get(reverse("learning:lesson", args=[video.pk])).content.decode()
    assert 'data-resume="42.50"' in html
    assert 'preload="none"' in html
    assert reverse("learning:lesson_heartbeat", args=[video.pk]) in html
    assert 'id="video-percent">30<' in html
    assert 'id="playback-rate"' in html
    assert 'id="data-saver"' in html
    assert "<script>" not in html
    assert "style=" not in html


def test_the_player_offers_captions_and_both_renditions(
    client_a, union, course, module
):
    from django.core.files.base import ContentFile

    from learning.models import Lesson

    lesson = Lesson(
        module=module, title="Video", kind=Lesson.Kind.VIDEO, duration_seconds=3
    )
    lesson.video_file.save("v.webm", ContentFile(b"\x1a" * 10), save=False)
    lesson.captions.save("v.vtt", ContentFile(b"WEBVTT\n\n"), save=False)
    lesson.save()
    services.course_enrol(course=course, member=union.member_a)
    html = client_a.get(reverse("learning:lesson", args=[lesson.pk])).content.decode()
    assert f'src="{reverse("learning:lesson_captions", args=[lesson.pk])}"' in html
    assert (
        f'data-low="{reverse("learning:lesson_video_low", args=[lesson.pk])}"' in html
    )
    captions = client_a.get(reverse("learning:lesson_captions", args=[lesson.pk]))
    assert captions["Content-Type"].startswith("text/vtt")
    assert b"".join(captions.streaming_content).startswith(b"WEBVTT")


def test_reading_a_text_lesson_completes_it(client_a, union, course, module):
    text = make_text_lesson(module=module, order=1)
    services.course_enrol(course=course, member=union.member_a)
    client_a.post(reverse("learning:lesson_read", args=[text.pk]))
    assert LessonCompletion.objects.filter(member=union.member_a, lesson=text).exists()
    assert Enrolment.objects.get(member=union.member_a).completed_at is not None


def test_a_quiz_page_shows_the_limit_attempts_and_starts_an_attempt(
    client_a, union, course, quiz
):
    services.course_enrol(course=course, member=union.member_a)
    url = reverse("learning:lesson", args=[quiz.lesson.pk])
    html = client_a.get(url).content.decode()
    assert re.search(r'id="quiz-time-limit">[^<]*\b15\b', html)
    assert re.search(r'id="quiz-attempts-left">[^<]*\b2\b[^<]*\b2\b', html)
    response = client_a.post(reverse("learning:quiz_start", args=[quiz.lesson.pk]))
    attempt = Attempt.objects.get(member=union.member_a, quiz=quiz)
    assert response.url == reverse("learning:attempt", args=[attempt.pk])
    page = client_a.get(response.url).content.decode()
    question_id = attempt.layout[0]["question"]
    assert f'id="question-{question_id}"' in page
    assert 'id="attempt-deadline"' in page


def test_submitting_the_form_is_scored_on_the_server_and_completes_the_course(
    client_a, union, course, quiz
):
    services.course_enrol(course=course, member=union.member_a)
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    question = attempt.layout[0]["question"]
    right = next(
        a.pk for a in quiz.slots.get().question.answers.all() if a.fraction == 100
    )
    response = client_a.post(
        reverse("learning:attempt", args=[attempt.pk]),
        {f"q-{question}": str(right), "submit": "1", "score": "0"},
    )
    assert response.url == reverse("learning:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.passed is True
    assert attempt.score == 100
    result = client_a.get(response.url).content.decode()
    assert re.search(r'id="attempts-left">[^<]*\b1\b[^<]*\b2\b', result)
    assert Enrolment.objects.get(member=union.member_a).completed_at is not None
    course_page = client_a.get(reverse("learning:course", args=[course.slug]))
    assert b'id="course-complete"' in course_page.content


def test_saving_answers_keeps_the_attempt_open(client_a, union, course, module):
    category = make_category(course=course)
    short = make_question(
        category=category,
        qtype="shortanswer",
        answers=[{"text": "Hà Nội", "fraction": 100}],
        text="Thủ đô?",
    )
    quiz = make_quiz_lesson(module=module, questions=(short,))
    services.course_enrol(course=course, member=union.member_a)
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    client_a.post(
        reverse("learning:attempt", args=[attempt.pk]),
        {f"q-{short.pk}": "hà nội", "save": "1"},
    )
    attempt.refresh_from_db()
    assert attempt.is_open
    assert attempt.responses == {str(short.pk): "hà nội"}
    page = client_a.get(reverse("learning:attempt", args=[attempt.pk]))
    assert 'value="hà nội"' in page.content.decode()


def test_another_members_attempt_is_not_found(client, union, course, quiz):
    services.course_enrol(course=course, member=union.member_b)
    attempt = services.attempt_start(quiz=quiz, member=union.member_b)
    client.force_login(union.member_a.user)
    for name in ("learning:attempt", "learning:attempt_result"):
        assert client.get(reverse(name, args=[attempt.pk])).status_code == 404
    response = client.post(
        reverse("learning:attempt", args=[attempt.pk]), {"submit": "1"}
    )
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open


def test_the_portal_navigation_links_to_the_catalogue(client_a):
    html = client_a.get(reverse("learning:my_courses")).content.decode()
    assert f'href="{reverse("learning:catalogue")}"' in html


def test_an_account_without_a_member_gets_the_not_linked_page(client, union):
    from tests.members.factories import make_staff

    staff = make_staff(email="x@example.vn", name="Cán bộ", unit=union.vnpt)
    client.force_login(staff)
    response = client.get(reverse("learning:catalogue"))
    assert response.status_code == 200
    assert "members/not_linked.html" in [t.name for t in response.templates]


def test_the_form_reads_matching_and_several_choices_as_the_services_store_them(
    client_a, union, course, module
):
    category = make_category(course=course)
    matching = make_question(
        category=category,
        qtype="matching",
        answers=[
            {"text": "Hà Nội", "match_text": "Thủ đô"},
            {"text": "TP. HCM", "match_text": "Thành phố lớn nhất"},
            {"text": "", "match_text": "Cố đô"},
        ],
    )
    several = make_question(
        category=category,
        qtype="multichoice",
        single=False,
        answers=[
            {"text": "Mật khẩu dài", "fraction": 50},
            {"text": "Xác thực hai bước", "fraction": 50},
            {"text": "Dùng chung mật khẩu", "fraction": -100},
        ],
    )
    quiz = make_quiz_lesson(module=module, questions=(matching, several))
    services.course_enrol(course=course, member=union.member_a)
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    answers = {a.text or a.match_text: a for a in matching.answers.all()}
    right = {a.text: a.pk for a in several.answers.all() if a.fraction > 0}
    url = reverse("learning:attempt", args=[attempt.pk])
    form = {
        f"q-{matching.pk}-{answers['Hà Nội'].pk}": str(answers["Hà Nội"].pk),
        f"q-{matching.pk}-{answers['TP. HCM'].pk}": str(answers["TP. HCM"].pk),
        f"q-{several.pk}": [str(pk) for pk in right.values()],
    }
    client_a.post(url, {**form, "save": "1"})
    page = client_a.get(url).content.decode()
    assert f'<option value="{answers["Hà Nội"].pk}" selected>' in page
    client_a.post(url, {**form, "submit": "1"})
    attempt.refresh_from_db()
    assert set(attempt.responses[str(several.pk)]) == set(right.values())
    assert attempt.score == 100
