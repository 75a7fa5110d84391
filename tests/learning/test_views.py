"""Members' JSON endpoints: heartbeats, quiz submission; own rows, CSRF-checked."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from learning import services
from learning.models import Attempt, VideoProgress
from tests.conftest import vi_text
from tests.learning.factories import make_category, make_quiz_lesson, truefalse

pytestmark = pytest.mark.django_db

TOKEN = "k" * 32  # a CSRF secret, as the cookie holds it


def member_client(member) -> Client:
    """A browser of the member: signed in, CSRF checked, the page's token at hand."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member.user)
    client.cookies["csrftoken"] = TOKEN
    return client


def post_json(client, url, data, *, token: str | None = TOKEN):
    headers = {"X-CSRFToken": token} if token else {}
    return client.post(
        url, json.dumps(data), content_type="application/json", headers=headers
    )


def heartbeat_url(lesson) -> str:
    return reverse("learning:lesson_heartbeat", args=[lesson.pk])


def beat(sequence=0, **fields) -> dict:
    return {
        "session": "phien-1",
        "sequence": sequence,
        "intervals": [],
        "active_seconds": 0,
        "position": 0,
        **fields,
    }


@pytest.fixture
def enrolled(union, course):
    return services.course_enrol(course=course, member=union.member_a)


def test_a_heartbeat_is_counted_for_the_signed_in_member(
    union, video, enrolled, time_machine
):
    time_machine.move_to("2025-03-10 09:00 +0700", tick=False)
    client = member_client(union.member_a)
    post_json(client, heartbeat_url(video), beat(0))
    time_machine.shift(10)

    response = post_json(
        client,
        heartbeat_url(video),
        # A member id in the body names nobody: the session's member counts.
        beat(1, intervals=[[0, 10]], active_seconds=10, position=10, member=999),
    )

    assert response.status_code == 200
    assert response.json() == {
        "covered_seconds": 10.0,
        "active_seconds": 10.0,
        "position_seconds": 10.0,
        "completed": False,
    }
    progress = VideoProgress.objects.get()
    assert progress.member == union.member_a
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_heartbeat_without_the_csrf_token_is_refused(union, video, enrolled):
    client = member_client(union.member_a)

    response = post_json(client, heartbeat_url(video), beat(0), token=None)

    assert response.status_code == 403
    assert not VideoProgress.objects.exists()


def test_a_heartbeat_needs_a_signed_in_member_and_a_post(union, video, enrolled):
    anonymous = Client()
    assert post_json(anonymous, heartbeat_url(video), beat(0)).status_code == 403
    client = member_client(union.member_a)
    assert client.get(heartbeat_url(video)).status_code == 405
    assert not VideoProgress.objects.exists()


def test_a_lesson_of_a_course_not_learnt_is_missing_to_the_member(
    union, video, enrolled
):
    client = member_client(union.member_b)

    response = post_json(client, heartbeat_url(video), beat(0))

    # As an id that exists nowhere: nothing tells what lies behind it.
    assert response.status_code == 404
    assert not VideoProgress.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "The request could not be read."),
        (b"[1, 2]", "The request could not be read."),
        (
            json.dumps(beat(0, intervals="0-10")).encode(),
            "The intervals played are a list of [start, end] pairs of seconds.",
        ),
    ],
)
def test_a_malformed_heartbeat_is_answered_in_vietnamese(
    union, video, enrolled, body, message
):
    client = member_client(union.member_a)

    response = client.post(
        heartbeat_url(video),
        body,
        content_type="application/json",
        headers={"X-CSRFToken": TOKEN},
    )

    assert response.status_code == 400
    assert response.json() == {"error": vi_text(message)}


# Quiz submission -----------------------------------------------------------------


@pytest.fixture
def quiz_attempt(union, module, course, enrolled):
    question = truefalse(make_category(course=course))
    quiz = make_quiz_lesson(module=module, questions=(question,))
    attempt = services.attempt_start(quiz=quiz, member=union.member_a)
    right = question.answers.get(text="true").pk
    return attempt, {str(question.pk): right}


def submit_url(attempt) -> str:
    return reverse("learning:attempt_submit", args=[attempt.pk])


def test_an_attempt_is_scored_on_the_server_whatever_score_is_posted(
    union, quiz_attempt
):
    attempt, right = quiz_attempt
    client = member_client(union.member_a)
    wrong = {key: value + 1 for key, value in right.items()}

    response = post_json(
        client,
        submit_url(attempt),
        {"responses": wrong, "score": "100.00", "passed": True},
    )

    assert response.status_code == 200
    assert response.json() == {
        "number": 1,
        "score": "0.00",
        "passed": False,
        "late": False,
    }
    attempt.refresh_from_db()
    assert (attempt.score, attempt.passed) == (0, False)


def test_another_members_attempt_is_not_found_and_left_alone(
    union, quiz_attempt, course
):
    attempt, right = quiz_attempt
    services.course_enrol(course=course, member=union.member_b)
    client = member_client(union.member_b)

    response = post_json(client, submit_url(attempt), {"responses": right})

    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.responses == {}


def test_submitting_needs_the_csrf_token(union, quiz_attempt):
    attempt, right = quiz_attempt
    client = member_client(union.member_a)

    response = post_json(client, submit_url(attempt), {"responses": right}, token=None)

    assert response.status_code == 403
    assert Attempt.objects.get().submitted_at is None


def test_a_second_submission_is_refused_in_vietnamese(union, quiz_attempt):
    attempt, right = quiz_attempt
    client = member_client(union.member_a)
    post_json(client, submit_url(attempt), {"responses": right})

    again = post_json(client, submit_url(attempt), {"responses": {}})

    assert again.status_code == 400
    message = vi_text("This attempt has been submitted already.")
    assert again.json() == {"error": message}
    assert Attempt.objects.get().score == 100
