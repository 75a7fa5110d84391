"""The gamification admin: quests and awards in the officer's scope, levels, rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learning import services
from learning.models import Badge, BadgeAward, Level, Quest, XpProfile, XpReason
from members.models import AuditEvent
from tests.learning.factories import make_course
from tests.learning.test_admin import admin_url, form_data, listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_a(client, union):
    client.force_login(union.officer_a)
    return client


@pytest.fixture
def manual(db):
    return Badge.objects.create(
        slug="tan-tuy",
        name="Tận tuỵ",
        description="Tận tuỵ với đồng nghiệp.",
        criteria="Được cán bộ ghi nhận.",
        rule=Badge.Rule.MANUAL,
    )


@pytest.mark.parametrize("forged", ["none", "unit", "course"])
def test_an_officer_sets_quests_only_for_units_and_courses_in_scope(
    officer_a, union, forged
):
    course_a = make_course(owner_unit=union.unit_a, title="An toàn số A")
    course_b = make_course(owner_unit=union.unit_b, title="An toàn số B")
    today = timezone.localdate()
    fields = {
        "title": "70% hoàn thành An toàn số",
        "unit": union.unit_a.pk,
        "course": course_a.pk,
        "target_percent": 70,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=20)).isoformat(),
        "points": 30,
    }
    if forged == "unit":
        fields["unit"] = union.unit_b.pk
    elif forged == "course":
        fields["course"] = course_b.pk
    page = officer_a.get(admin_url(Quest, "add"))

    response = officer_a.post(admin_url(Quest, "add"), form_data(page, **fields))

    if forged == "none":
        assert response.status_code == 302
        quest = Quest.objects.get()
        assert (quest.unit, quest.created_by) == (union.unit_a, union.officer_a)
        assert AuditEvent.objects.filter(detail__action="quest_create").exists()
    else:
        assert response.status_code == 200
        assert response.context["adminform"].form.errors
        assert not Quest.objects.exists()


def test_quests_of_another_union_are_hidden(officer_a, union, course):
    today = timezone.localdate()
    for unit in (union.unit_a, union.unit_b):
        Quest.objects.create(
            unit=unit,
            title=f"Thử thách {unit.code}",
            course=course,
            target_percent=50,
            starts_on=today,
            ends_on=today,
        )
    assert [quest.unit for quest in listed(officer_a, Quest)] == [union.unit_a]
    # Each quest's progress bar: member A of union A's one member, none done.
    page = officer_a.get(admin_url(Quest, "changelist")).content.decode()
    assert 'aria-label="Thử thách VNPT-HN">0%</progress> 0/1 (0%)' in page


def test_an_officer_awards_a_badge_with_a_reason_and_revokes_it(
    officer_a, union, manual
):
    page = officer_a.get(admin_url(BadgeAward, "add"))
    data = form_data(
        page, badge=manual.pk, member=union.member_a.pk, reason="Giúp đồng nghiệp"
    )
    assert officer_a.post(admin_url(BadgeAward, "add"), data).status_code == 302
    award = BadgeAward.objects.get()
    assert (award.member, award.awarded_by) == (union.member_a, union.officer_a)

    # Another union's member cannot be chosen.
    data["member"] = union.member_b.pk
    refused = officer_a.post(admin_url(BadgeAward, "add"), data)
    assert refused.context["adminform"].form.errors
    assert BadgeAward.objects.count() == 1

    url = admin_url(BadgeAward, "revoke", award.pk)
    assert officer_a.post(url, {"reason": ""}).status_code == 200
    officer_a.post(url, {"reason": "Trao nhầm người"})
    award.refresh_from_db()
    assert award.revoke_reason == "Trao nhầm người"


def test_changing_a_threshold_in_the_admin_recomputes_levels(client, union, superuser):
    client.force_login(superuser)
    services.xp_award(
        member_id=union.member_a.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=1,
        points=120,
    )
    assert XpProfile.objects.get(member=union.member_a).level == 2
    level_2 = Level.objects.get(number=2)
    page = client.get(admin_url(Level, "change", level_2.pk))
    client.post(admin_url(Level, "change", level_2.pk), form_data(page, threshold=150))
    assert XpProfile.objects.get(member=union.member_a).level == 1
    assert union.member_a.xp_events.get().points == 120
