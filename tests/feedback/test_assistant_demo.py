"""The assistant's demo: made through the services, once however often it runs."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from feedback.demo import seed_assistant
from feedback.models import AssistantHandover, AssistantQuestion, CuratedAnswer

pytestmark = pytest.mark.django_db


@dataclass
class People:
    admin: object
    member_user: object
    member: object
    officer: object
    carer: object


def test_the_demo_is_made_once_with_an_answered_and_a_waiting_ticket(small, superuser):
    people = People(
        admin=superuser,
        member_user=small.member_user,
        member=small.member,
        officer=small.officer,
        carer=small.officer,
    )

    line = seed_assistant(people, timezone.localdate())
    again = seed_assistant(people, timezone.localdate())

    assert "766 articles" in line
    assert again == line
    assert CuratedAnswer.objects.filter(approved_at__isnull=False).count() == 2
    assert AssistantQuestion.objects.filter(member=small.member).count() == 3
    assert AssistantHandover.objects.filter(answered_at__isnull=False).count() == 1
    assert AssistantHandover.objects.filter(answered_at__isnull=True).count() == 1
