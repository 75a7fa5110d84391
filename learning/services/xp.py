"""Writes of the XP ledger: awards behind the cheat guard, levels, goals, rebuilds.

Every award takes the member's profile row under a lock first, so that two
awards at once cannot both pass the cheat guard or both add to the total,
then inserts its ledger line under the unique (member, reason, source,
period) key: an award heard twice adds nothing.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from learning.models import (
    Badge,
    Level,
    XpDay,
    XpEvent,
    XpProfile,
    XpReason,
    XpRule,
)
from learning.selectors.leagues import BOARD
from learning.selectors.xp import LEVELS
from learning.services.badges import (
    badges_for_course,
    badges_for_level,
    badges_for_quiz_perfect,
    badges_for_streak,
)
from learning.streaks import Streak, streak_goal_met, streak_settle
from members.cache import cache_bump_on_commit
from members.queue import enqueue_on_commit

# Points of each reason until staff change them in the admin (XpRule).
DEFAULT_POINTS = {
    XpReason.LESSON_COMPLETED: 10,
    XpReason.QUIZ_PASSED: 20,
    XpReason.QUIZ_PERFECT: 15,
    XpReason.COURSE_COMPLETED: 50,
    XpReason.PRACTICE: 10,
    XpReason.INITIATIVE: 100,
    XpReason.SURVEY: 10,
    XpReason.QUEST: 50,
}
# The level table until staff change it: (level, XP needed).
DEFAULT_LEVELS = (
    (1, 0),
    (2, 100),
    (3, 250),
    (4, 500),
    (5, 1000),
    (6, 2000),
    (7, 3500),
    (8, 5500),
    (9, 8000),
    (10, 12000),
)
# Share of the rule's points each practice replay of a quiz earns in one day.
PRACTICE_STEPS = (1.0, 0.5)
RATE_LIMIT = 10  # credited events a minute
RATE_WINDOW = timedelta(minutes=1)
REPEAT_WINDOW = timedelta(seconds=180)
# What a member does themself: the cheat guard watches these. Staff's
# recognition and a quest reached are never refused.
GUARDED = {
    XpReason.LESSON_COMPLETED,
    XpReason.QUIZ_PASSED,
    XpReason.QUIZ_PERFECT,
    XpReason.COURSE_COMPLETED,
    XpReason.PRACTICE,
    XpReason.SURVEY,
}


# The rule badges offered from the start (data members read: in Vietnamese).
# (slug, rule, threshold, name, description, criteria, colour)
DEFAULT_BADGES = (
    (
        "hoan-thanh-khoa-hoc",
        Badge.Rule.COURSE_COMPLETED,
        None,
        "Hoàn thành khoá học",
        "Đã hoàn thành một khoá học trên cổng Công đoàn.",
        "Hoàn thành mọi bài bắt buộc của một khoá học.",
        Badge.Colour.BLUE,
    ),
    (
        "diem-tuyet-doi",
        Badge.Rule.QUIZ_PERFECT,
        None,
        "Điểm tuyệt đối",
        "Đạt 100% một bài kiểm tra ngay lần làm đầu tiên.",
        "Đạt 100% điểm ở lần làm đầu tiên của một bài kiểm tra.",
        Badge.Colour.GOLD,
    ),
    *(
        (
            f"chuoi-{days}-ngay",
            Badge.Rule.STREAK,
            days,
            f"Chuỗi {days} ngày",
            f"Đạt mục tiêu học tập {days} ngày liên tiếp.",
            f"Đạt mục tiêu XP hằng ngày {days} ngày liên tiếp.",
            Badge.Colour.RED,
        )
        for days in (3, 7, 30, 100)
    ),
    (
        "cap-5",
        Badge.Rule.LEVEL,
        5,
        "Cấp 5",
        "Đạt cấp 5 trong học tập.",
        "Tích luỹ đủ XP để đạt cấp 5.",
        Badge.Colour.PURPLE,
    ),
    (
        "sang-kien",
        Badge.Rule.INITIATIVE,
        None,
        "Sáng kiến",
        "Có sáng kiến được Công đoàn công nhận.",
        "Gửi một sáng kiến và được Công đoàn công nhận.",
        Badge.Colour.GREEN,
    ),
)


def xp_defaults_ensure() -> None:
    """Create the rules, levels and rule badges not yet there; never change one."""
    for reason, points in DEFAULT_POINTS.items():
        XpRule.objects.get_or_create(reason=reason, defaults={"points": points})
    if not Level.objects.exists():
        Level.objects.bulk_create(
            Level(number=number, threshold=threshold)
            for number, threshold in DEFAULT_LEVELS
        )
    for slug, rule, threshold, name, description, criteria, colour in DEFAULT_BADGES:
        Badge.objects.get_or_create(
            slug=slug,
            defaults={
                "rule": rule,
                "threshold": threshold,
                "name": name,
                "description": description,
                "criteria": criteria,
                "colour": colour,
            },
        )


def xp_points(reason: str) -> int:
    rule = XpRule.objects.filter(reason=reason).values_list("points", flat=True)
    found = rule.first()
    return DEFAULT_POINTS[XpReason(reason)] if found is None else found


def level_for(total: int) -> int:
    """Return the highest level whose threshold the total reaches (1 at least)."""
    found = (
        Level.objects.filter(threshold__lte=total)
        .order_by("-threshold")
        .values_list("number", flat=True)
        .first()
    )
    return found or 1


def _profile_locked(member_id: int) -> XpProfile:
    profile = XpProfile.objects.select_for_update().filter(member_id=member_id).first()
    if profile is None:
        try:
            with transaction.atomic():
                XpProfile.objects.create(member_id=member_id)
        except IntegrityError:
            pass  # created by another award at the same time: lock it below
        profile = XpProfile.objects.select_for_update().get(member_id=member_id)
    return profile


def _blocked_because(
    *, member_id: int, reason: str, source_type: str, source_id: int, now: datetime
) -> str:
    if reason not in GUARDED:
        return ""
    credited = XpEvent.objects.filter(
        member_id=member_id, points__gt=0, created_at__gt=now - REPEAT_WINDOW
    )
    if credited.filter(
        reason=reason, source_type=source_type, source_id=source_id
    ).exists():
        return XpEvent.Blocked.REPEAT
    if credited.filter(created_at__gt=now - RATE_WINDOW).count() >= RATE_LIMIT:
        return XpEvent.Blocked.RATE
    return ""


def _practice_share(*, member_id: int, quiz_id: int, day: date) -> float:
    """Return the share of the points the next practice replay of a quiz earns today."""
    done = XpEvent.objects.filter(
        member_id=member_id,
        reason=XpReason.PRACTICE,
        source_type="quiz",
        source_id=quiz_id,
        day=day,
        points__gt=0,
    ).count()
    return PRACTICE_STEPS[done] if done < len(PRACTICE_STEPS) else 0.0


@transaction.atomic
def xp_award(
    *,
    member_id: int,
    reason: str,
    source_type: str,
    source_id: int,
    period: str = "",
    title: str = "",
    points: int | None = None,
    now: datetime | None = None,
) -> XpEvent | None:
    """Record one event in the ledger; return it, or None if its key is taken.

    ``period`` tells apart events of the same source that may each earn
    (a practice replay: the attempt). ``points`` overrides the rule's (a
    quest's own reward). A guarded event over the limits is recorded with 0
    points and why.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    profile = _profile_locked(member_id)
    share = 1.0
    if reason == XpReason.PRACTICE:
        share = _practice_share(member_id=member_id, quiz_id=source_id, day=day)
    key = {
        "member_id": member_id,
        "reason": reason,
        "source_type": source_type,
        "source_id": source_id,
        "period": period,
    }
    if XpEvent.objects.filter(**key).exists():
        return None
    earned = int((xp_points(reason) if points is None else points) * share)
    blocked = _blocked_because(
        member_id=member_id,
        reason=reason,
        source_type=source_type,
        source_id=source_id,
        now=now,
    )
    if not earned and reason == XpReason.PRACTICE:
        blocked = XpEvent.Blocked.DAILY
    if blocked:
        earned = 0
    try:
        with transaction.atomic():
            event = XpEvent.objects.create(
                **key,
                points=earned,
                blocked=blocked,
                created_at=now,
                day=day,
                title=title[:255],
            )
    except IntegrityError:
        return None
    if earned:
        _credit(profile, points=earned, day=day)
    return event


def _credit(profile: XpProfile, *, points: int, day: date) -> None:
    """Add credited points to the day, the total and the level; count the streak."""
    row, _created = XpDay.objects.get_or_create(member_id=profile.member_id, day=day)
    before = row.points
    XpDay.objects.filter(pk=row.pk).update(points=F("points") + points)
    profile.total += points
    level = level_for(profile.total)
    levelled = level > profile.level
    profile.level = level
    fields = ["total", "level", "updated_at"]
    if before < profile.daily_goal <= before + points:
        streak = streak_goal_met(_streak_of(profile), today=day)
        _streak_store(profile, streak)
        fields += ["streak", "streak_day", "freezes", "freezes_used", "streak_best"]
        badges_for_streak(member_id=profile.member_id, days=streak.days)
    profile.save(update_fields=fields)
    if levelled:
        badges_for_level(member_id=profile.member_id, level=level)


def _streak_of(profile: XpProfile) -> Streak:
    return Streak(
        days=profile.streak,
        last=profile.streak_day,
        freezes=profile.freezes,
        freezes_used=profile.freezes_used,
        best=profile.streak_best,
    )


def _streak_store(profile: XpProfile, streak: Streak) -> None:
    profile.streak = streak.days
    profile.streak_day = streak.last
    profile.freezes = streak.freezes
    profile.freezes_used = streak.freezes_used
    profile.streak_best = max(profile.streak_best, streak.best, streak.days)


def streaks_settle(*, today: date | None = None) -> int:
    """Spend freezes on missed days, or end streaks; return the rows changed."""
    today = today or timezone.localdate()
    yesterday = today - timedelta(days=1)
    changed = 0
    ids = XpProfile.objects.filter(streak__gt=0, streak_day__lt=yesterday).values_list(
        "pk", flat=True
    )
    for profile_id in list(ids.iterator(chunk_size=2000)):
        with transaction.atomic():
            profile = XpProfile.objects.select_for_update().get(pk=profile_id)
            settled = streak_settle(_streak_of(profile), today=today)
            _streak_store(profile, settled)
            profile.save(
                update_fields=["streak", "streak_day", "freezes", "freezes_used"]
            )
            changed += 1
    return changed


@transaction.atomic
def daily_goal_set(*, member_id: int, goal) -> XpProfile:
    """Set the member's daily goal to one of the offered choices."""
    try:
        goal = int(goal)
    except (TypeError, ValueError):
        goal = None
    if goal not in XpProfile.GOAL_CHOICES:
        raise ValidationError(
            _("Choose a daily goal of 10, 20, 30 or 50 XP."), code="goal"
        )
    profile = _profile_locked(member_id)
    profile.daily_goal = goal
    profile.save(update_fields=["daily_goal", "updated_at"])
    return profile


@transaction.atomic
def leaderboard_hidden_set(*, member_id: int, hidden: bool) -> XpProfile:
    """Take the member off every leaderboard, or put them back."""
    profile = _profile_locked(member_id)
    profile.leaderboard_hidden = bool(hidden)
    profile.save(update_fields=["leaderboard_hidden", "updated_at"])
    # Every board holding the member is counted again (rare: the whole family).
    cache_bump_on_commit(BOARD)
    return profile


def _level_subquery():
    return Coalesce(
        Subquery(
            Level.objects.filter(threshold__lte=OuterRef("total"))
            .order_by("-threshold")
            .values("number")[:1]
        ),
        1,
    )


def levels_recompute() -> int:
    """Set every profile's level from its total and the table; not the ledger."""
    return XpProfile.objects.update(level=_level_subquery())


@transaction.atomic
def xp_rebuild(*, member_ids: list[int] | None = None) -> int:
    """Rebuild the days, totals and levels from the ledger; return profiles written.

    Streaks and goals are the member's history and choices: kept.
    """
    events = XpEvent.objects.filter(points__gt=0)
    days = XpDay.objects.all()
    profiles = XpProfile.objects.all()
    if member_ids is not None:
        events = events.filter(member_id__in=member_ids)
        days = days.filter(member_id__in=member_ids)
        profiles = profiles.filter(member_id__in=member_ids)
    days.delete()
    sums = events.values("member_id", "day").annotate(total=Sum("points"))
    batch = []
    for row in sums.order_by().iterator(chunk_size=5000):
        batch.append(
            XpDay(member_id=row["member_id"], day=row["day"], points=row["total"])
        )
        if len(batch) >= 5000:
            XpDay.objects.bulk_create(batch)
            batch = []
    XpDay.objects.bulk_create(batch)
    have = set(profiles.values_list("member_id", flat=True))
    missing = set(events.values_list("member_id", flat=True).distinct()) - have
    XpProfile.objects.bulk_create(
        (XpProfile(member_id=member_id) for member_id in missing), batch_size=5000
    )
    totals = (
        XpEvent.objects.filter(member_id=OuterRef("member_id"), points__gt=0)
        .order_by()
        .values("member_id")
        .annotate(sum=Sum("points"))
        .values("sum")
    )
    written = profiles.update(total=Coalesce(Subquery(totals), 0))
    profiles.update(level=_level_subquery())
    return written


# What learning's own services call where a lesson, a quiz or a course is done.


def xp_lesson_completed(*, member_id: int, lesson, now: datetime) -> None:
    """Points for a lesson read or watched; a quiz's lesson earns by the quiz."""
    if lesson.kind == lesson.Kind.QUIZ:
        return
    xp_award(
        member_id=member_id,
        reason=XpReason.LESSON_COMPLETED,
        source_type="lesson",
        source_id=lesson.pk,
        title=lesson.title,
        now=now,
    )


def xp_quiz_submitted(*, attempt, now: datetime) -> None:
    """Points for a pass: the first pass, a perfect first try, then practice replays."""
    if not attempt.passed:
        return
    quiz = attempt.quiz
    title = quiz.lesson.title
    passed_before = (
        type(attempt)
        .objects.filter(member_id=attempt.member_id, quiz_id=quiz.pk, passed=True)
        .exclude(pk=attempt.pk)
        .filter(submitted_at__lte=attempt.submitted_at)
        .exists()
    )
    if passed_before:
        xp_award(
            member_id=attempt.member_id,
            reason=XpReason.PRACTICE,
            source_type="quiz",
            source_id=quiz.pk,
            period=f"a{attempt.pk}",
            title=title,
            now=now,
        )
        return
    xp_award(
        member_id=attempt.member_id,
        reason=XpReason.QUIZ_PASSED,
        source_type="quiz",
        source_id=quiz.pk,
        title=title,
        now=now,
    )
    if attempt.number == 1 and attempt.score is not None and attempt.score >= 100:
        xp_award(
            member_id=attempt.member_id,
            reason=XpReason.QUIZ_PERFECT,
            source_type="quiz",
            source_id=quiz.pk,
            title=title,
            now=now,
        )
        badges_for_quiz_perfect(member_id=attempt.member_id, quiz_id=quiz.pk)


def xp_course_completed(*, member_id: int, course, now: datetime) -> None:
    """Points and badges for a course completed; its unit's quests are checked."""
    xp_award(
        member_id=member_id,
        reason=XpReason.COURSE_COMPLETED,
        source_type="course",
        source_id=course.pk,
        title=course.title,
        now=now,
    )
    badges_for_course(member_id=member_id, course_id=course.pk)
    from learning.tasks import quests_check_for_member

    enqueue_on_commit(quests_check_for_member, member_id=member_id)


@transaction.atomic
def level_save(*, level: Level) -> Level:
    """Save a level of the table and recompute every member's level from it."""
    level.full_clean()
    level.save()
    levels_recompute()
    cache_bump_on_commit(LEVELS)
    return level


@transaction.atomic
def level_delete(*, level: Level) -> None:
    """Delete a level (never the first) and recompute every member's level."""
    if level.number == 1:
        raise ValidationError(_("Level 1 is where everyone starts: keep it."))
    level.delete()
    levels_recompute()
    cache_bump_on_commit(LEVELS)
