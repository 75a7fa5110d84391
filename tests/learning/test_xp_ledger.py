"""The XP ledger: once per source, the cheat guard, levels, practice and rebuilds."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from learning import services
from learning.models import (
    Level,
    XpDay,
    XpEvent,
    XpProfile,
    XpReason,
    XpRule,
)
from learning.receivers import initiative_xp
from members.models import Member
from members.signals import initiative_recognised, survey_answered
from tests.learning.factories import (
    make_category,
    make_quiz_lesson,
    make_text_lesson,
    truefalse,
)

pytestmark = pytest.mark.django_db


def total_of(member) -> int:
    profile = XpProfile.objects.filter(member=member).first()
    return profile.total if profile else 0


def credited(member) -> list[tuple[str, int]]:
    return list(
        XpEvent.objects.filter(member=member)
        .order_by("pk")
        .values_list("reason", "points")
    )


@pytest.fixture
def enrolled(union, course):
    return services.course_enrol(course=course, member=union.member_a)


@pytest.fixture
def quiz(module):
    bank = make_category(course=module.course)
    return make_quiz_lesson(module=module, questions=(truefalse(bank),))


def right_answers(attempt) -> dict:
    from learning.models import Answer

    responses = {}
    for entry in attempt.layout:
        right = Answer.objects.get(question_id=entry["question"], fraction=100)
        responses[str(entry["question"])] = right.pk
    return responses


def pass_quiz(member, quiz, *, right=True):
    attempt = services.attempt_start(quiz=quiz, member=member)
    responses = right_answers(attempt) if right else {}
    return services.attempt_submit(attempt=attempt, member=member, responses=responses)


def test_completing_a_lesson_twice_adds_no_xp(union, module, enrolled):
    member = union.member_a
    lesson = make_text_lesson(module=module, title="Đọc nội quy")
    make_text_lesson(module=module, title="Bài còn lại", order=9)

    assert services.lesson_complete(member=member, lesson=lesson) is True
    assert services.lesson_complete(member=member, lesson=lesson) is False
    services.lesson_completion_record(member=member, lesson=lesson)

    assert credited(member) == [(XpReason.LESSON_COMPLETED, 10)]
    assert total_of(member) == 10
    assert XpDay.objects.get(member=member).points == 10


def test_passing_a_quiz_twice_adds_the_pass_once_and_then_practice_points(
    union, module, enrolled, quiz, time_machine
):
    time_machine.move_to("2026-03-10 09:00 +0700", tick=False)
    member = union.member_a
    first = pass_quiz(member, quiz)
    # Re-submitting the passed attempt, or hearing its pass again: nothing.
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.QUIZ_PASSED,
        source_type="quiz",
        source_id=quiz.pk,
    )
    from learning.services.xp import xp_quiz_submitted

    xp_quiz_submitted(attempt=first, now=timezone.now())
    reasons = [reason for reason, _points in credited(member)]
    assert reasons.count(XpReason.QUIZ_PASSED) == 1
    assert reasons.count(XpReason.QUIZ_PERFECT) == 1

    # Replays of the passed quiz: 10, then 5, then 0, 3 minutes apart.
    for _replay in range(3):
        time_machine.shift(timedelta(minutes=4))
        pass_quiz(member, quiz)
    practice = XpEvent.objects.filter(member=member, reason=XpReason.PRACTICE)
    assert list(practice.order_by("pk").values_list("points", "blocked")) == [
        (10, ""),
        (5, ""),
        (0, XpEvent.Blocked.DAILY),
    ]
    # A new local day starts the series again.
    time_machine.move_to("2026-03-11 08:00 +0700", tick=False)
    pass_quiz(member, quiz)
    assert practice.order_by("-pk").first().points == 10


def test_a_replay_within_three_minutes_is_refused_with_its_reason(
    union, module, enrolled, quiz, time_machine
):
    time_machine.move_to("2026-03-10 09:00 +0700", tick=False)
    member = union.member_a
    pass_quiz(member, quiz)
    time_machine.shift(timedelta(minutes=4))
    pass_quiz(member, quiz)
    time_machine.shift(timedelta(seconds=60))
    pass_quiz(member, quiz)

    last = XpEvent.objects.filter(member=member, reason=XpReason.PRACTICE).first()
    assert (last.points, last.blocked) == (0, XpEvent.Blocked.REPEAT)


def test_the_eleventh_event_in_a_minute_gets_nothing_and_says_why(
    union, client, time_machine
):
    time_machine.move_to("2026-03-10 09:00 +0700", tick=False)
    member = union.member_a
    for survey in range(1, 12):
        time_machine.shift(timedelta(seconds=5))
        services.xp_award(
            member_id=member.pk,
            reason=XpReason.SURVEY,
            source_type="survey",
            source_id=survey,
        )
    points = [points for _reason, points in credited(member)]
    assert points == [10] * 10 + [0]
    eleventh = XpEvent.objects.get(member=member, source_id=11)
    assert eleventh.blocked == XpEvent.Blocked.RATE
    assert total_of(member) == 100

    # A minute after the first, events are credited again.
    time_machine.shift(timedelta(seconds=10))
    services.xp_award(
        member_id=member.pk, reason=XpReason.SURVEY, source_type="survey", source_id=12
    )
    assert total_of(member) == 110

    # The member sees why in "my XP history".
    client.force_login(member.user)
    page = client.get("/hoc-tap/diem/").content.decode()
    assert "Hơn 10 sự kiện tính điểm trong một phút" in page


def test_staff_recognition_is_never_refused_by_the_guard(union, time_machine):
    time_machine.move_to("2026-03-10 09:00 +0700", tick=False)
    member = union.member_a
    for initiative in range(1, 13):
        initiative_recognised.send(
            sender=Member,
            initiative_id=initiative,
            member_id=member.pk,
            benefit_vnd=None,
            recognised_on=timezone.localdate(),
        )
    assert total_of(member) == 12 * 100


def test_hearing_an_event_twice_changes_nothing(union):
    member = union.member_a
    for _ in range(2):
        initiative_xp(
            sender=Member,
            initiative_id=7,
            member_id=member.pk,
            benefit_vnd=5_000_000,
            recognised_on=timezone.localdate(),
        )
        survey_answered.send(
            sender=Member, survey_id=3, member_id=member.pk, anonymous=True
        )
    assert sorted(credited(member)) == [
        (XpReason.INITIATIVE, 100),
        (XpReason.SURVEY, 10),
    ]
    assert total_of(member) == 110


def test_point_values_come_from_the_rules_staff_edit(union):
    XpRule.objects.filter(reason=XpReason.SURVEY).update(points=25)
    services.xp_award(
        member_id=union.member_a.pk,
        reason=XpReason.SURVEY,
        source_type="survey",
        source_id=1,
    )
    assert total_of(union.member_a) == 25


def test_changing_thresholds_recomputes_levels_and_leaves_the_ledger(union):
    member = union.member_a
    for initiative in (1, 2, 3):
        services.xp_award(
            member_id=member.pk,
            reason=XpReason.INITIATIVE,
            source_type="initiative",
            source_id=initiative,
        )
    profile = XpProfile.objects.get(member=member)
    assert (profile.total, profile.level) == (300, 3)  # 250 reaches level 3
    ledger = list(XpEvent.objects.values_list("pk", "points"))

    level_3 = Level.objects.get(number=3)
    level_3.threshold = 400
    services.level_save(level=level_3)
    assert XpProfile.objects.get(member=member).level == 2
    level_2 = Level.objects.get(number=2)
    level_2.threshold = 350
    services.level_save(level=level_2)
    assert XpProfile.objects.get(member=member).level == 1

    assert list(XpEvent.objects.values_list("pk", "points")) == ledger


def test_rebuild_xp_restores_totals_levels_and_days_from_the_ledger(union):
    member = union.member_a
    for survey in (1, 2):
        services.xp_award(
            member_id=member.pk,
            reason=XpReason.SURVEY,
            source_type="survey",
            source_id=survey,
        )
    services.xp_award(
        member_id=member.pk,
        reason=XpReason.INITIATIVE,
        source_type="initiative",
        source_id=1,
    )
    XpProfile.objects.filter(member=member).update(total=9999, level=9)
    XpDay.objects.all().delete()

    call_command("rebuild_xp", verbosity=0)

    profile = XpProfile.objects.get(member=member)
    assert (profile.total, profile.level) == (120, 2)
    assert XpDay.objects.get(member=member).points == 120
