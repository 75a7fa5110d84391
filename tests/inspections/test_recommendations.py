"""Recommendations: to a person of the unit, answered with evidence, accepted."""

import threading
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from inspections import services
from inspections.models import Recommendation
from members.models import Notification
from tests.conftest import require_service
from tests.inspections.factories import make_activity, make_plan
from tests.members.factories import make_account, make_member

pytestmark = pytest.mark.django_db


def receipt():
    return SimpleUploadedFile("bien-lai.pdf", b"%PDF-1.4 receipt")


@pytest.fixture
def owner(tree):
    return make_account(
        make_member(unit=tree.vnpt_hn, full_name="Phạm Thị Chủ", email="chu@vnpt.vn")
    )


@pytest.fixture
def finding(tree, plan, inspector, time_machine):
    time_machine.move_to("2026-03-20 09:00 +0700", tick=False)
    activity = make_activity(
        plan=plan, inspected=tree.vnpt_hn, lead=inspector, status="concluded"
    )
    return services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Nộp chậm"
    )


@pytest.fixture
def recommendation(finding, inspector, owner):
    return services.recommendation_create(
        actor=inspector,
        finding=finding,
        text="Nộp đủ đoàn phí",
        owner=owner,
        due_date=date(2026, 4, 30),
    )


def test_the_owner_must_belong_to_the_inspected_unit(finding, inspector, tree):
    outsider = make_account(
        make_member(unit=tree.vnpt_hcm, full_name="Ngô Văn Ngoài", email="n@vnpt.vn")
    )
    with pytest.raises(ValidationError, match="phải thuộc"):
        services.recommendation_create(
            actor=inspector,
            finding=finding,
            text="Nộp đủ",
            owner=outsider,
            due_date=date(2026, 4, 30),
        )
    with pytest.raises(PermissionDenied):
        services.recommendation_create(
            actor=tree.vtc_officer,
            finding=finding,
            text="Nộp đủ",
            owner=outsider,
            due_date=date(2026, 4, 30),
        )


def test_the_workflow_response_returned_then_accepted(
    recommendation, owner, inspector, tree
):
    assert Notification.objects.filter(recipient=owner).count() == 1
    with pytest.raises(ValidationError, match="minh chứng"):
        services.recommendation_respond(
            user=owner, recommendation=recommendation, response="Đã nộp", evidence=None
        )
    with pytest.raises(PermissionDenied):
        services.recommendation_respond(
            user=tree.grassroots_officer,
            recommendation=recommendation,
            response="Đã nộp",
            evidence=receipt(),
        )
    services.recommendation_respond(
        user=owner, recommendation=recommendation, response="Đã nộp", evidence=receipt()
    )
    with pytest.raises(ValidationError, match="bổ sung"):
        services.recommendation_review(
            actor=inspector, recommendation=recommendation, accept=False
        )
    with pytest.raises(PermissionDenied):
        # The inspected unit's officer does not accept its own response.
        services.recommendation_review(
            actor=tree.grassroots_officer, recommendation=recommendation, accept=True
        )
    services.recommendation_review(
        actor=inspector,
        recommendation=recommendation,
        accept=False,
        note="Thiếu biên lai quý II",
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.RETURNED
    services.recommendation_respond(
        user=owner,
        recommendation=recommendation,
        response="Bổ sung biên lai",
        evidence=receipt(),
    )
    services.recommendation_review(
        actor=inspector, recommendation=recommendation, accept=True
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.ACCEPTED
    assert recommendation.responded_by == owner
    assert recommendation.reviewed_by == inspector
    with pytest.raises(ValidationError):
        services.recommendation_respond(
            user=owner, recommendation=recommendation, response="x", evidence=receipt()
        )
    activity = recommendation.finding.activity
    services.activity_status_set(actor=inspector, activity=activity, status="closed")


def test_the_owner_answers_in_the_portal_and_sees_only_their_own(
    client, recommendation, owner, tree, inspector
):
    other = services.recommendation_create(
        actor=inspector,
        finding=recommendation.finding,
        text="Canary Recommendation Other",
        owner=tree.grassroots_officer,
        due_date=date(2026, 5, 30),
    )
    client.force_login(owner)
    page = client.get("/kiem-tra/khuyen-nghi/").content.decode()
    assert "Nộp đủ đoàn phí" in page
    assert "Canary" not in page
    response = client.post(
        f"/kiem-tra/khuyen-nghi/{other.pk}/tra-loi/",
        {"response": "x", "evidence": receipt()},
    )
    assert response.status_code == 404
    client.post(
        f"/kiem-tra/khuyen-nghi/{recommendation.pk}/tra-loi/",
        {"response": "Đã nộp đủ", "evidence": receipt()},
    )
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.RESPONDED
    assert recommendation.response == "Đã nộp đủ"


def test_a_response_sent_twice_at_once_is_recorded_once(
    transactional_db, tree, inspector, owner
):
    require_service(
        connection.vendor == "postgresql", "row locks between writers need PostgreSQL"
    )
    activity = make_activity(
        plan=make_plan(unit=tree.vnpt),
        inspected=tree.vnpt_hn,
        lead=inspector,
        status="concluded",
    )
    finding = services.finding_record(
        actor=inspector, activity=activity, topic="Đoàn phí", description="Chậm"
    )
    recommendation = services.recommendation_create(
        actor=inspector,
        finding=finding,
        text="Nộp",
        owner=owner,
        due_date=date(2099, 1, 1),
    )
    barrier, outcomes = threading.Barrier(2), []

    def respond():
        barrier.wait()
        try:
            services.recommendation_respond(
                user=owner,
                recommendation=recommendation,
                response="Đã nộp",
                evidence=receipt(),
            )
            outcomes.append("sent")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=respond) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "sent"]
