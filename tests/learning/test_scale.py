"""The full-size seed of learning, at a small factor over a benchmark's register."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from benchmarks.members_seed import register_get
from learning import scale as learning_scale
from learning.grading import attempt_score
from learning.models import Attempt, Course, Level, Quiz, XpEvent, XpReason
from learning.services.xp import xp_award
from learning.streaks import Streak, streak_goal_met, streak_settle
from members.management.scale import Scale
from members.models import Member, User
from tests.conftest import require_service

TODAY = date(2026, 11, 30)
ACCOUNTS = 25


@pytest.fixture
def register(transactional_db):
    require_service(
        connection.vendor == "postgresql", "the full-size seed writes with COPY"
    )
    register_get(
        members=820, units=40, relatives=300, open_cases=20, seed=1, reseed=False
    )
    # Some members with a portal account, as the load test's are.
    for number, member in enumerate(
        Member.objects.order_by("pk")[100 : ACCOUNTS + 100]
    ):
        user = User.objects.create_user(f"scale{number}@example.vn", None, name="X")
        Member.objects.filter(pk=member.pk).update(user=user)
    return Member.objects.filter(user__isnull=False)


def _seed(factor: float) -> str:
    return learning_scale.seed(
        scale=Scale(today=TODAY, factor=factor, seed=7), people=None
    )


def _one(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _digest() -> str:
    parts = []
    for table in (*learning_scale.WRITTEN, "learning_lesson", "learning_answer"):
        rows = "string_agg(t::text, '|' ORDER BY t::text)"
        parts.append(_one(f"SELECT md5(coalesce({rows}, '')) FROM {table} t"))  # noqa: S608
    parts.append(
        _one(
            "SELECT md5(string_agg(member_id || given_at::text, '|'"
            " ORDER BY member_id)) FROM members_consent WHERE purpose = 'leaderboard'"
        )
    )
    return ":".join(parts)


def test_seed_holds_together_is_idempotent_deterministic_and_scales(register):
    """One test: the register costs a flush of every table at its end."""
    line = _seed(0.01)
    assert line.startswith("learning: ")
    counts = learning_scale.counts_read()
    progress = counts["video-progress rows"] + counts["lesson completions"]
    assert 16_000 <= progress <= 24_000  # about 2,000,000 x 0.01
    assert 42_000 <= counts["XP events"] <= 58_000  # about 5,000,000 x 0.01
    assert counts["certificates"] > 0
    assert counts["badge awards"] > 0
    assert 0 < counts["leaderboard consents"] < 820

    # The ledger: totals, days (local), levels.
    _ledger_holds()
    assert Level.objects.count() > 1
    # A practice replay names a passed attempt of that member and quiz.
    assert (
        _one(
            "SELECT count(*) FROM learning_xpevent e WHERE reason = 'practice' AND NOT"
            " EXISTS (SELECT 1 FROM learning_attempt a WHERE 'a' || a.id = e.period"
            " AND a.member_id = e.member_id AND a.quiz_id = e.source_id AND a.passed)"
        )
        == 0
    )
    assert _one(
        "SELECT count(*) FROM learning_xpevent WHERE blocked = 'daily' AND points = 0"
    ) == _one("SELECT count(*) FROM learning_xpevent WHERE blocked <> ''")

    # Streaks as the services keep them: replayed through learning.streaks.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT member_id, daily_goal, streak, streak_best, streak_day, freezes,"
            " freezes_used FROM learning_xpprofile"
        )
        profiles = cursor.fetchall()
        cursor.execute(
            "SELECT member_id, day, points FROM learning_xpday ORDER BY member_id, day"
        )
        days = {}
        for member_id, day, points in cursor.fetchall():
            days.setdefault(member_id, []).append((day, points))
    for member_id, goal, *stored in profiles:
        streak = Streak(days=0, last=None, freezes=0)
        for day, points in days.get(member_id, []):
            if points >= goal:
                streak = streak_goal_met(streak, today=day)
        if streak.days and streak.last < TODAY - timedelta(days=1):
            streak = streak_settle(streak, today=TODAY)
        expected = [
            streak.days,
            max(streak.best, streak.days),
            streak.last,
            streak.freezes,
            streak.freezes_used,
        ]
        assert stored == expected, member_id

    # Enrolments: started, best score, completion, certificate, as kept.
    assert (
        _one(
            "SELECT count(*) FROM learning_enrolment n LEFT JOIN (SELECT a.member_id,"
            " m.course_id, MAX(a.score) AS best FROM learning_attempt a JOIN"
            " learning_quiz q ON q.id = a.quiz_id JOIN learning_lesson l ON"
            " l.id = q.lesson_id JOIN learning_module m ON m.id = l.module_id WHERE"
            " a.submitted_at IS NOT NULL GROUP BY 1, 2) b USING (member_id, course_id)"
            " WHERE n.best_score IS DISTINCT FROM b.best"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_enrolment n LEFT JOIN (SELECT member_id,"
            " course_id, MIN(at) AS first FROM (SELECT c.member_id, m.course_id,"
            " c.completed_at AS at FROM learning_lessoncompletion c"
            " JOIN learning_lesson l ON l.id = c.lesson_id"
            " JOIN learning_module m ON m.id = l.module_id"
            " UNION ALL SELECT v.member_id, m.course_id, v.last_heartbeat_at -"
            " make_interval(secs => v.active_seconds) FROM learning_videoprogress v"
            " JOIN learning_lesson l ON l.id = v.lesson_id JOIN learning_module m ON"
            " m.id = l.module_id UNION ALL SELECT a.member_id, m.course_id,"
            " a.submitted_at FROM learning_attempt a JOIN learning_quiz q ON"
            " q.id = a.quiz_id JOIN learning_lesson l ON l.id = q.lesson_id JOIN"
            " learning_module m ON m.id = l.module_id) x GROUP BY 1, 2) f"
            " USING (member_id, course_id) WHERE n.started_at IS DISTINCT FROM f.first"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_enrolment n WHERE"
            " (n.completed_at IS NOT NULL) <> NOT EXISTS (SELECT 1 FROM"
            " learning_lesson l JOIN learning_module m ON"
            " m.id = l.module_id WHERE m.course_id = n.course_id AND l.required AND NOT"
            " EXISTS (SELECT 1 FROM learning_lessoncompletion c WHERE"
            " c.member_id = n.member_id AND c.lesson_id = l.id))"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_enrolment n LEFT JOIN"
            " learning_certificate c ON c.enrolment_id = n.id"
            " WHERE c.issued_at IS DISTINCT FROM n.completed_at"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_attempt a1 JOIN learning_attempt a2 ON"
            " a1.member_id = a2.member_id AND a1.quiz_id = a2.quiz_id AND"
            " a1.number < a2.number WHERE a2.started_at < a1.submitted_at"
        )
        == 0
    )
    for attempt in Attempt.objects.order_by("pk")[:200]:
        assert attempt.score == attempt_score(
            layout=attempt.layout, responses=attempt.responses
        )
        assert attempt.passed == (attempt.score >= attempt.quiz.pass_mark)

    # The load test's members: two courses with videos, a quiz still open.
    for member in register:
        enrolled = Course.objects.filter(
            enrolments__member=member,
            status=Course.Status.PUBLISHED,
            modules__lessons__kind="video",
        ).distinct()
        assert enrolled.count() >= 2, member.pk
        open_quizzes = [
            quiz
            for course in enrolled
            for quiz in _quizzes(course)
            if not quiz.attempts_allowed
            or Attempt.objects.filter(member=member, quiz=quiz).count()
            < quiz.attempts_allowed
        ]
        assert open_quizzes, member.pk

    # The feed: published posts, at most one in five union messaging.
    assert (
        _one(
            "SELECT count(*) FROM (SELECT owner_unit_id FROM learning_feedpost"
            " GROUP BY 1 HAVING 5 * count(*) FILTER (WHERE category = 'messaging')"
            " > count(*)) x"
        )
        == 0
    )

    # A second run writes nothing and says so.
    before = _digest()
    assert "reused" in _seed(0.01)
    assert _digest() == before

    # The same seed into wiped tables writes the same rows; half the factor,
    # about half the rows.
    learning_scale.wipe()
    _seed(0.01)
    assert _digest() == before
    # A member whose ledger the services began (the small demo's): the seed
    # adds to it and the service rebuilds their days and total.
    learning_scale.wipe()
    for member in register:
        xp_award(
            member_id=member.pk,
            reason=XpReason.SURVEY,
            source_type="survey",
            source_id=1,
            now=datetime(2026, 6, 1, 3, 0, tzinfo=UTC),
        )
    _seed(0.005)
    assert XpEvent.objects.filter(member__in=register).count() > ACCOUNTS
    _ledger_holds()
    half = learning_scale.counts_read()
    for name in ("XP events", "lesson completions", "video-progress rows"):
        assert 0.35 <= half[name] / counts[name] <= 0.65, name


def _ledger_holds() -> None:
    """Totals are the ledger's sums, days its local days' sums, levels the table's."""
    assert (
        _one(
            "SELECT count(*) FROM learning_xpprofile p LEFT JOIN (SELECT member_id,"
            " SUM(points) AS s FROM learning_xpevent GROUP BY member_id) e"
            " USING (member_id) WHERE p.total <> COALESCE(e.s, 0)"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(DISTINCT member_id) FROM learning_xpevent WHERE member_id"
            " NOT IN (SELECT member_id FROM learning_xpprofile)"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_xpevent WHERE day <>"
            " (created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_xpday d FULL JOIN (SELECT member_id, day,"
            " SUM(points) AS s FROM learning_xpevent WHERE points > 0"
            " GROUP BY member_id, day) e USING (member_id, day)"
            " WHERE d.points IS DISTINCT FROM e.s"
        )
        == 0
    )
    assert (
        _one(
            "SELECT count(*) FROM learning_xpprofile p WHERE p.level <>"
            " COALESCE((SELECT number FROM learning_level l"
            " WHERE l.threshold <= p.total"
            " ORDER BY threshold DESC LIMIT 1), 1)"
        )
        == 0
    )


def _quizzes(course):
    return Quiz.objects.filter(lesson__module__course=course)
