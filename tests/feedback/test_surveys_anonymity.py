"""Anonymous means unlinkable: what the response table holds and what it never can."""

import logging
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from feedback.models import (
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyResponse,
)
from feedback.services.surveys import survey_loosening_errors
from members.signals import survey_answered
from tests.feedback.factories import answer, make_survey, members_of

pytestmark = pytest.mark.django_db


def _columns(model) -> set[str]:
    with connection.cursor() as cursor:
        return {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, model._meta.db_table
            )
        }


def test_the_response_table_has_no_member_ip_agent_or_time_column():
    response, answers = _columns(SurveyResponse), _columns(SurveyAnswer)

    assert response == {"id", "survey_id", "unit_id", "submitted_on"}
    assert answers == {
        "id",
        "response_id",
        "question_id",
        "choice",
        "number",
        "text",
        "theme_id",
    }
    for forbidden in ("member", "user", "ip", "agent", "created", "at", "time"):
        assert not any(forbidden in name for name in response), forbidden
    # The day only: a date column, not a timestamp.
    assert SurveyResponse._meta.get_field("submitted_on").get_internal_type() == (
        "DateField"
    )
    # Participation holds who and which survey, never when.
    assert _columns(SurveyParticipation) == {
        "id",
        "survey_id",
        "member_id",
        "response_id",
    }


def test_keys_are_random_and_no_default_order_follows_the_order_of_writing(union):
    survey = make_survey(owner_unit=union.unit_a)
    people = members_of(union.unit_a, 12)
    for person in people:
        answer(survey, person, q1=0, q2=3)

    for model in (SurveyResponse, SurveyAnswer):
        assert isinstance(model._meta.pk.default(), uuid.UUID)
        assert model._meta.ordering == []
    keys = list(
        SurveyResponse.objects.filter(survey=survey).values_list("pk", flat=True)
    )
    assert {key.version for key in keys} == {4}
    # Participation in the order of writing; responses by key: not the same order
    # (12 random keys in writing order: 1 chance in 479,001,600).
    by_participation = list(
        SurveyParticipation.objects.filter(survey=survey)
        .order_by("pk")
        .values_list("member_id", flat=True)
    )
    assert by_participation == [person.pk for person in people]
    assert sorted(keys) != keys or len(set(keys)) < 2
    # And no response points at its participation in an anonymous survey.
    assert not SurveyParticipation.objects.filter(
        survey=survey, response__isnull=False
    ).exists()
    assert set(
        SurveyResponse.objects.filter(survey=survey).values_list(
            "submitted_on", flat=True
        )
    ) == {SurveyResponse.objects.filter(survey=survey).first().submitted_on}


def test_a_named_survey_links_each_participation_to_its_response(union):
    survey = make_survey(owner_unit=union.unit_a, anonymous=False)
    person = members_of(union.unit_a, 1)[0]

    answer(survey, person, q1=1, q2=5, q3="Cần thêm quạt")

    participation = SurveyParticipation.objects.get(survey=survey, member=person)
    assert participation.response.answers.get(text__startswith="Cần").text == (
        "Cần thêm quạt"
    )


def test_answering_sends_who_took_part_after_commit_and_logs_no_answer(
    union, caplog, django_capture_on_commit_callbacks
):
    survey = make_survey(owner_unit=union.unit_a)
    person = members_of(union.unit_a, 1)[0]
    heard = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    survey_answered.connect(receiver)
    try:
        with (
            caplog.at_level(logging.DEBUG),
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            answer(survey, person, q1=0, q2=2, q3="Quản đốc Bình hay quát 0912345678")
            assert heard == []  # not before the commit
        for callback in callbacks:
            callback()
        with caplog.at_level(logging.DEBUG), pytest.raises(ValidationError):
            answer(survey, person, q1=0, q3="Lần hai: bí mật riêng")
    finally:
        survey_answered.disconnect(receiver)

    assert [{k: v for k, v in event.items() if k != "signal"} for event in heard] == [
        {"survey_id": survey.pk, "member_id": person.pk, "anonymous": True}
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("quát", "0912345678", "bí mật"):
        assert secret not in logged


def _post_survey(client, survey, **changes):
    data = {
        "title": survey.title,
        "intro": survey.intro,
        "owner_unit": survey.owner_unit_id,
        "audience_units": [u.pk for u in survey.audience_units.all()],
        "opens_at_0": survey.opens_at.strftime("%d/%m/%Y"),
        "opens_at_1": "00:00:00",
        "closes_at_0": survey.closes_at.strftime("%d/%m/%Y"),
        "closes_at_1": "23:00:00",
        "status": survey.status,
        "k_min": survey.k_min,
        "k_text": survey.k_text,
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
    }
    if survey.anonymous:
        data["anonymous"] = "on"
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse("admin:feedback_survey_change", args=[survey.pk]), data)


def test_anonymity_and_k_cannot_be_loosened_once_a_response_exists(client, union):
    survey = make_survey(owner_unit=union.unit_a, k_min=5, k_text=10)
    client.force_login(union.officer_a)

    # Before any response the builder may still change them.
    response = _post_survey(client, survey, k_min=4)
    assert response.status_code == 302, response.context["errors"]
    survey.refresh_from_db()
    assert survey.k_min == 4

    answer(survey, members_of(union.unit_a, 1)[0], q1=0)
    response = _post_survey(client, survey, anonymous=None, k_min=3, k_text=5)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"anonymous", "k_min", "k_text"}
    survey.refresh_from_db()
    assert (survey.anonymous, survey.k_min, survey.k_text) == (True, 4, 10)
    # Tightening stays allowed.
    assert _post_survey(client, survey, k_min=8, k_text=12).status_code == 302
    survey.refresh_from_db()
    assert (survey.k_min, survey.k_text) == (8, 12)


def test_the_rule_reads_the_database_not_the_instance_a_form_filled(union):
    survey = make_survey(owner_unit=union.unit_a)
    answer(survey, members_of(union.unit_a, 1)[0], q1=0)
    survey.anonymous = False  # what a tampered form would have set

    assert set(
        survey_loosening_errors(survey=survey, anonymous=False, k_min=5, k_text=5)
    ) == {"anonymous"}


def test_a_named_survey_made_anonymous_drops_its_links(client, union):
    survey = make_survey(owner_unit=union.unit_a, anonymous=False)
    answer(survey, members_of(union.unit_a, 1)[0], q1=0)
    client.force_login(union.officer_a)

    response = _post_survey(client, survey, anonymous="on")

    assert response.status_code == 302
    assert Survey.objects.get(pk=survey.pk).anonymous
    assert not SurveyParticipation.objects.filter(response__isnull=False).exists()
