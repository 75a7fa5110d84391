"""Learning's home blocks ask the same queries whatever the member's history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from learning import services
from learning.models import Quest, XpReason
from tests.learning.factories import make_learner

pytestmark = pytest.mark.django_db


def home_queries(client, member) -> int:
    client.force_login(member.user)
    client.get("/")  # the league and the quests' progress are cached by the first
    with CaptureQueriesContext(connection) as context:
        response = client.get("/")
    assert response.status_code == 200
    return len(context.captured_queries)


def test_home_queries_do_not_grow_with_events_or_quests(union, course, client):
    quiet = union.member_a
    busy = make_learner(unit=union.unit_a, full_name="Bận Rộn")
    before = home_queries(client, quiet)
    for source in range(1, 61):
        services.xp_award(
            member_id=busy.pk,
            reason=XpReason.INITIATIVE,
            source_type="initiative",
            source_id=source,
            points=5,
        )
    today = timezone.localdate()
    for unit in (union.unit_a, union.vnpt, union.sector):
        Quest.objects.create(
            unit=unit,
            title=f"Thử thách {unit.code}",
            course=course,
            target_percent=50,
            starts_on=today,
            ends_on=today + timedelta(days=9),
        )

    assert home_queries(client, busy) == before
    assert home_queries(client, quiet) == before
