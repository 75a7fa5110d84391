"""Closing the loop and reminders: both reach people through participation only."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import SurveyAction, SurveyParticipation
from members.models import Notification
from members.reminders import reminder_get
from tests.feedback.factories import answer, make_survey, members_of
from tests.learning.factories import make_learner
from unionportal.celery import app as portal_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    before = portal_app.conf.task_always_eager
    portal_app.conf.task_always_eager = True
    yield
    portal_app.conf.task_always_eager = before


def test_publishing_an_action_notifies_the_respondents_only_once(
    client, union, eager, django_capture_on_commit_callbacks
):
    survey = make_survey(owner_unit=union.vnpt)
    answered = [
        make_learner(unit=union.unit_a, full_name=f"Người trả lời {i}")
        for i in range(3)
    ]
    for person in answered:
        answer(survey, person, q1=0)
    action = SurveyAction.objects.create(
        survey=survey, you_said="Bữa ăn ca chưa ngon", we_did="Đổi nhà cung cấp suất ăn"
    )
    client.force_login(union.officer_vnpt)
    changelist = reverse("admin:feedback_surveyaction_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "publish", "_selected_action": [action.pk]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "publish", "_selected_action": [action.pk]})

    action.refresh_from_db()
    assert action.published_at is not None
    notified = Notification.objects.filter(kind="feedback.survey_action")
    assert sorted(notified.values_list("recipient_id", flat=True)) == sorted(
        person.user_id for person in answered
    )
    # member_a (an account, in the audience) did not answer: not told.
    assert not notified.filter(recipient=union.member_a.user).exists()
    client.force_login(answered[0].user)
    page = client.get(reverse("feedback:survey_actions")).content.decode()
    assert "Đổi nhà cung cấp suất ăn" in page
    client.force_login(union.member_a.user)
    page = client.get(reverse("feedback:survey_actions")).content.decode()
    assert "Đổi nhà cung cấp suất ăn" not in page


def test_an_officer_of_another_union_cannot_publish(client, union):
    survey = make_survey(owner_unit=union.unit_a)
    action = SurveyAction.objects.create(survey=survey, you_said="x", we_did="y")

    with pytest.raises(PermissionDenied):
        services.action_publish(action=action, actor=union.officer_b)
    action.refresh_from_db()
    assert action.published_at is None


def test_reminders_go_two_days_before_closing_to_those_who_have_not_answered(union):
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    survey = make_survey(owner_unit=union.vnpt)
    survey.closes_at = datetime.combine(
        today + timedelta(days=2), time(17), tzinfo=zone
    )
    survey.save()
    later = make_survey(owner_unit=union.vnpt, title="Đóng sau", days_left=10)
    answered = make_learner(unit=union.unit_a, full_name="Đã trả lời")
    answer(survey, answered, q1=0)
    members_of(union.unit_a, 2)  # no account: nothing to send to

    targets = list(reminder_get("feedback.survey_closing").targets(today=today))

    assert {t.recipient_id for t in targets} == {
        union.member_a.user_id,
        union.member_b.user_id,
    }
    assert all(str(survey.pk) in t.dedupe_key for t in targets)
    assert all(str(later.pk) not in t.link for t in targets)
    assert SurveyParticipation.objects.filter(survey=survey).count() == 1
    # Not the day before, nor three days before.
    for other in (today + timedelta(days=1), today - timedelta(days=1)):
        assert list(reminder_get("feedback.survey_closing").targets(today=other)) == []
