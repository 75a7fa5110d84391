"""Unit quests: progress, reached once, every member rewarded once, in the scope."""

import contextlib
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from learning import services
from learning.models import Badge, BadgeAward, Enrolment, Quest, XpEvent, XpReason
from learning.selectors.leagues import quest_progress, quest_progress_cached
from learning.services import leagues as quest_service
from tests.learning.factories import make_learner

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(union):
    """Union A: member A and three more (one in its group)."""
    return [
        union.member_a,
        make_learner(unit=union.unit_a, full_name="Lê Văn Cường"),
        make_learner(unit=union.group_a, full_name="Phạm Thị Dung"),
        make_learner(unit=union.unit_a, full_name="Hoàng Văn Em"),
    ]


@pytest.fixture
def quest(union, course):
    today = timezone.localdate()
    badge = Badge.objects.create(
        slug="an-toan-so",
        name="Đơn vị An toàn số",
        description="Đơn vị cùng hoàn thành khoá An toàn số.",
        criteria="70% đoàn viên của đơn vị hoàn thành khoá học.",
        rule=Badge.Rule.QUEST,
    )
    return services.quest_save(
        quest=Quest(
            unit=union.unit_a,
            title="70% hoàn thành An toàn số",
            course=course,
            target_percent=70,
            starts_on=today - timedelta(days=1),
            ends_on=today + timedelta(days=30),
            badge=badge,
            points=40,
        ),
        actor=union.officer_a,
    )


def finish(members, course) -> None:
    for member in members:
        enrolment = services.course_enrol(course=course, member=member)
        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=timezone.now())


def rewards(quest) -> tuple[int, int]:
    return (
        XpEvent.objects.filter(reason=XpReason.QUEST, source_id=quest.pk).count(),
        BadgeAward.objects.filter(badge=quest.badge).count(),
    )


def test_progress_counts_the_units_members_who_finished(union, team, course, quest):
    finish(team[:2], course)
    finish([union.member_b], course)  # union B's member does not count
    progress = quest_progress(quest=quest)
    assert (progress.done, progress.members, progress.percent) == (2, 4, 50)
    assert not progress.reached
    assert services.quest_check(quest_id=quest.pk) == 0
    assert rewards(quest) == (0, 0)


def test_reaching_the_goal_rewards_every_member_once(union, team, course, quest):
    finish(team[:3], course)  # 75%
    assert services.quest_check(quest_id=quest.pk) == 4
    assert services.quest_check(quest_id=quest.pk) == 0
    services.quests_check_all()
    assert rewards(quest) == (4, 4)
    for member in team:
        assert member.xp_events.get(reason=XpReason.QUEST).points == 40
    assert not union.member_b.xp_events.exists()
    quest.refresh_from_db()
    assert quest.reached_at is not None
    assert quest.rewarded == 4
    # Reached and rewarded: it cannot change.
    quest.target_percent = 10
    with pytest.raises(ValidationError):
        services.quest_save(quest=quest, actor=union.officer_a)


def test_a_reward_cut_short_is_finished_by_the_next_check(union, team, course, quest):
    finish(team[:3], course)
    # A worker claimed the quest and rewarded one member, then died.
    Quest.objects.filter(pk=quest.pk).update(reached_at=timezone.now())
    services.xp_award(
        member_id=team[0].pk,
        reason=XpReason.QUEST,
        source_type="quest",
        source_id=quest.pk,
        points=quest.points,
    )

    assert services.quests_check_all() == 1
    assert rewards(quest) == (4, 4)  # the first member's badge is given now
    quest.refresh_from_db()
    assert (quest.rewarded, quest.rewarded_at is not None) == (4, True)
    assert team[0].xp_events.filter(reason=XpReason.QUEST).count() == 1
    assert services.quests_check_all() == 0


def test_staff_set_quests_only_for_units_in_their_scope(union, course):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.quest_save(
            quest=Quest(
                unit=union.unit_b,
                title="Ngoài phạm vi",
                course=course,
                target_percent=50,
                starts_on=today,
                ends_on=today + timedelta(days=5),
            ),
            actor=union.officer_a,
        )
    assert not Quest.objects.exists()


def test_the_portal_home_shows_the_quests_progress(union, team, course, quest, client):
    finish(team[:1], course)
    client.force_login(union.member_a.user)
    page = client.get("/").content.decode()
    assert "70% hoàn thành An toàn số" in page
    assert "1 trên 4 đoàn viên" in page
    client.force_login(union.member_b.user)
    assert "70% hoàn thành An toàn số" not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_checks_at_once_reward_each_member_exactly_once(
    postgresql, monkeypatch, union, team, course, quest
):
    """Two workers find the quest reached at once: one claims it, one rewards.

    Each check is held after computing the progress until both have, so both
    go on to claim; the conditional update lets one through.
    """
    finish(team, course)
    barrier = threading.Barrier(2, timeout=2)
    progress_of = quest_service.quest_progress

    def progress_then_wait(**kwargs):
        progress = progress_of(**kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return progress

    monkeypatch.setattr(quest_service, "quest_progress", progress_then_wait)
    results, errors = [], []

    def check():
        try:
            results.append(services.quest_check(quest_id=quest.pk))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(results) == [0, 4]
    assert rewards(quest) == (4, 4)


def test_a_changed_quest_is_counted_again_on_the_next_read(
    union, team, course, quest, django_capture_on_commit_callbacks
):
    finish(team[:2], course)
    assert quest_progress_cached(quest=quest).members == 4
    # Widened to VNPT: union B's member counts now, at once.
    quest.unit = union.vnpt
    with django_capture_on_commit_callbacks(execute=True):
        services.quest_save(quest=quest, actor=union.officer_vnpt)
    assert quest_progress_cached(quest=quest).members == 5


def test_a_quests_cached_progress_asks_no_query(
    union, team, course, quest, django_assert_num_queries
):
    finish(team[:3], course)
    first = quest_progress_cached(quest=quest)
    with django_assert_num_queries(0):
        again = quest_progress_cached(quest=quest)
    assert (again.done, again.members) == (first.done, first.members) == (3, 4)
