"""Badges: by their rules once, by staff with a reason, as Open Badges assertions."""

import hashlib
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from learning import services
from learning.models import Badge, BadgeAward, XpReason
from members.models import AuditEvent, Member
from members.signals import initiative_recognised
from tests.learning.factories import make_text_lesson

pytestmark = pytest.mark.django_db

OB_CONTEXT = "https://w3id.org/openbadges/v2"


@pytest.fixture
def manual(db):
    return Badge.objects.create(
        slug="nhiet-tinh",
        name="Nhiệt tình",
        description="Tích cực trong hoạt động Công đoàn.",
        criteria="Được cán bộ Công đoàn ghi nhận.",
        rule=Badge.Rule.MANUAL,
    )


def test_completing_a_course_awards_its_badge_once(union, course, module):
    member = union.member_a
    services.course_enrol(course=course, member=member)
    lesson = make_text_lesson(module=module)
    services.lesson_complete(member=member, lesson=lesson)
    services.lesson_completion_record(member=member, lesson=lesson)

    awards = BadgeAward.objects.filter(member=member)
    assert [award.badge.slug for award in awards] == ["hoan-thanh-khoa-hoc"]
    assert awards.get().source == f"course:{course.pk}"
    reasons = set(member.xp_events.values_list("reason", flat=True))
    assert reasons == {XpReason.LESSON_COMPLETED, XpReason.COURSE_COMPLETED}


def test_streak_badges_follow_the_streak(union, time_machine):
    member = union.member_a
    for day in range(1, 8):
        time_machine.move_to(f"2026-06-0{day} 08:00 +0700", tick=False)
        services.xp_award(
            member_id=member.pk,
            reason=XpReason.INITIATIVE,
            source_type="initiative",
            source_id=day,
            points=20,
        )
    slugs = set(member.badge_awards.values_list("badge__slug", flat=True))
    assert {"chuoi-3-ngay", "chuoi-7-ngay"} <= slugs
    assert "chuoi-30-ngay" not in slugs


def test_a_recognised_initiative_awards_its_badge_once_for_each(union):
    member = union.member_a
    for initiative in (5, 5, 6):
        initiative_recognised.send(
            sender=Member,
            initiative_id=initiative,
            member_id=member.pk,
            benefit_vnd=None,
            recognised_on=timezone.localdate(),
        )
    sources = sorted(
        member.badge_awards.filter(badge__slug="sang-kien").values_list(
            "source", flat=True
        )
    )
    assert sources == ["initiative:5", "initiative:6"]


def test_staff_award_a_badge_by_hand_with_a_reason_in_their_scope(union, manual):
    with pytest.raises(ValidationError, match="lý do"):
        services.badge_award_manual(
            badge=manual, member=union.member_a, reason="  ", actor=union.officer_a
        )
    with pytest.raises(PermissionDenied):
        services.badge_award_manual(
            badge=manual, member=union.member_b, reason="Tốt", actor=union.officer_a
        )
    award = services.badge_award_manual(
        badge=manual,
        member=union.member_a,
        reason="Hỗ trợ đồng nghiệp học",
        actor=union.officer_a,
    )
    assert award.awarded_by == union.officer_a
    assert AuditEvent.objects.filter(
        actor=union.officer_a, detail__action="badge_award"
    ).exists()
    assert not BadgeAward.objects.filter(member=union.member_b).exists()


def test_the_assertion_json_has_the_open_badges_fields(union, manual, client):
    member = union.member_a
    award = services.badge_award_manual(
        badge=manual, member=member, reason="Hỗ trợ", actor=union.officer_a
    )
    response = client.get(f"/badges/assertion/{award.uuid}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = json.loads(response.content)
    assert document["@context"] == OB_CONTEXT
    assert document["type"] == "Assertion"
    assert document["id"].endswith(f"/badges/assertion/{award.uuid}.json")
    assert document["verification"] == {"type": "hosted"}
    assert document["issuedOn"] == award.awarded_at.isoformat()
    recipient = document["recipient"]
    assert (recipient["type"], recipient["hashed"]) == ("email", True)
    salted = (member.email.lower() + recipient["salt"]).encode()
    assert recipient["identity"] == "sha256$" + hashlib.sha256(salted).hexdigest()
    assert member.email not in response.content.decode()

    badge = json.loads(client.get("/badges/class/nhiet-tinh.json").content)
    assert document["badge"] == badge["id"]
    assert {"@context", "type", "id", "name", "description", "image"} <= set(badge)
    assert badge["type"] == "BadgeClass"
    assert badge["criteria"] == {"narrative": manual.criteria}
    issuer = json.loads(client.get("/badges/issuer.json").content)
    assert badge["issuer"] == issuer["id"]
    assert issuer["type"] == "Issuer"
    assert issuer["name"]
    assert issuer["url"]
    image = client.get("/badges/class/nhiet-tinh.svg")
    assert image["Content-Type"] == "image/svg+xml"
    assert "Nhiệt tình" in image.content.decode()


def test_a_revoked_assertion_says_so(union, manual, client):
    award = services.badge_award_manual(
        badge=manual, member=union.member_a, reason="Hỗ trợ", actor=union.officer_a
    )
    with pytest.raises(PermissionDenied):
        services.badge_revoke(award=award, actor=union.officer_b, reason="Nhầm")
    services.badge_revoke(award=award, actor=union.officer_a, reason="Trao nhầm")

    response = client.get(f"/badges/assertion/{award.uuid}.json")
    assert response.status_code == 410
    document = json.loads(response.content)
    assert document["revoked"] is True
    assert document["revocationReason"] == "Trao nhầm"
    assert "recipient" not in document
    with pytest.raises(ValidationError):
        services.badge_revoke(award=award, actor=union.officer_a, reason="Lại")
    # The member's page no longer lists it.
    client.force_login(union.member_a.user)
    assert str(award.uuid) not in client.get("/hoc-tap/huy-hieu/").content.decode()


def test_my_badges_lists_only_my_own(union, manual, client):
    mine = services.badge_award_manual(
        badge=manual, member=union.member_a, reason="A", actor=union.officer_vnpt
    )
    theirs = services.badge_award_manual(
        badge=manual, member=union.member_b, reason="B", actor=union.officer_vnpt
    )
    client.force_login(union.member_a.user)
    page = client.get("/hoc-tap/huy-hieu/").content.decode()
    assert str(mine.uuid) in page
    assert str(theirs.uuid) not in page
