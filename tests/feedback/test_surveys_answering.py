"""Members answer a survey on the portal: once, only theirs, by the builder's rules."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback.models import SurveyAnswer, SurveyParticipation, SurveyResponse
from tests.conftest import vi
from tests.feedback.factories import Kind, make_survey, question

pytestmark = pytest.mark.django_db

BRANCHED = (
    (Kind.YES_NO, "Anh/chị có tăng ca không?", ""),
    (Kind.SHORT_TEXT, "Bao nhiêu giờ mỗi tháng?", ""),
    (Kind.MULTIPLE, "Nên ưu tiên gì?", "Tiền lương\nBữa ăn ca\nNhà trẻ"),
    (Kind.SCALE, "Mức hài lòng?", ""),
)


@pytest.fixture
def survey(union):
    survey = make_survey(owner_unit=union.vnpt, questions=BRANCHED)
    hours = question(survey, 2)
    hours.show_if_question = question(survey, 1)
    hours.show_if_answer = "yes"
    hours.required = True
    hours.save()
    scale = question(survey, 4)
    scale.required = True
    scale.save()
    return survey


def _url(survey):
    return reverse("feedback:survey_answer", args=[survey.pk])


def _post(client, survey, **by_order):
    return client.post(
        _url(survey),
        {f"q{question(survey, int(k[1:])).pk}": v for k, v in by_order.items()},
    )


def test_the_member_sees_the_open_survey_and_answers_it(client, union, survey):
    client.force_login(union.member_a.user)

    listing = client.get(reverse("feedback:surveys"))
    assert survey.title in listing.content.decode()
    page = client.get(_url(survey))
    assert page.status_code == 200
    assert f'data-show-field="q{question(survey, 1).pk}"' in page.content.decode()

    response = _post(client, survey, q1="1", q2="20 giờ", q3=["0", "2"], q4="4")

    assert response.status_code == 302
    stored = SurveyResponse.objects.get(survey=survey)
    assert stored.unit == union.member_a.unit
    assert stored.submitted_on == timezone.localdate()
    assert sorted(
        SurveyAnswer.objects.filter(response=stored).values_list(
            "question__order", "choice", "number", "text"
        )
    ) == [
        (1, None, 1, ""),
        (2, None, None, "20 giờ"),
        (3, 0, None, ""),
        (3, 2, None, ""),
        (4, None, 4, ""),
    ]
    survey.refresh_from_db()
    assert survey.response_count == 1
    again = client.get(reverse("feedback:surveys"))
    assert vi("Answered. Thank you.") in again.content.decode()


def test_a_hidden_question_is_neither_required_nor_stored(client, union, survey):
    client.force_login(union.member_a.user)

    # "No" hides question 2; its (tampered) answer is dropped, not stored.
    response = _post(client, survey, q1="0", q2="bí mật", q4="3")

    assert response.status_code == 302
    assert not SurveyAnswer.objects.filter(question=question(survey, 2)).exists()


def test_a_shown_required_question_left_empty_saves_nothing(client, union, survey):
    client.force_login(union.member_a.user)

    response = _post(client, survey, q1="1", q4="3")

    assert response.status_code == 200
    assert "Bao nhiêu giờ" in response.content.decode()
    assert not SurveyParticipation.objects.exists()
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "tampered",
    [{"q4": "9"}, {"q3": ["0", "7"]}, {"q1": "2"}, {"q4": "3", "q3": "abc"}],
)
def test_tampered_answers_are_refused_whole(client, union, survey, tampered):
    client.force_login(union.member_a.user)

    response = _post(client, survey, **{"q1": "0", "q4": "3", **tampered})

    assert response.status_code == 200
    assert not SurveyParticipation.objects.exists()
    assert not SurveyAnswer.objects.exists()


def test_a_second_submission_changes_nothing(client, union, survey):
    client.force_login(union.member_a.user)
    _post(client, survey, q1="0", q4="3")

    again = _post(client, survey, q1="0", q4="5")

    assert again.status_code == 302
    assert SurveyResponse.objects.count() == 1
    assert SurveyAnswer.objects.get(question=question(survey, 4)).number == 3


def test_a_survey_not_meant_for_the_member_is_not_found(client, union):
    other = make_survey(owner_unit=union.unit_b, title="Khảo sát của B")
    client.force_login(union.member_a.user)

    assert client.get(_url(other)).status_code == 404
    assert _post(client, other, q1="0").status_code == 404
    assert (
        "Khảo sát của B" not in client.get(reverse("feedback:surveys")).content.decode()
    )
    assert not SurveyParticipation.objects.exists()


def test_a_closed_or_draft_survey_is_not_found(client, union, survey):
    client.force_login(union.member_a.user)
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.opens_at = survey.closes_at - timedelta(days=3)
    survey.save()

    assert client.get(_url(survey)).status_code == 404
    assert _post(client, survey, q1="0", q4="3").status_code == 404


def test_the_home_shows_the_surveys_waiting_for_an_answer(client, union, survey):
    client.force_login(union.member_a.user)

    home = client.get("/").content.decode()
    assert 'id="home-surveys"' in home
    assert survey.title in home

    _post(client, survey, q1="0", q4="3")
    assert 'id="home-surveys"' not in client.get("/").content.decode()
