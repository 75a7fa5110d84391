"""Learning's full-size seed (``seed_demo --scale full``): a year of learning.

``seed(scale=, people=)`` is ``LearningConfig.scale_seed``. Over the
register already seeded it writes the catalogue (``catalogue``: courses with
modules, video, text and quiz lessons, question banks; assignments to
grassroots unions; unit quests; a year of feed posts), then every member's
year (``activity``: enrolments, video progress, completed lessons, quiz
attempts, certificates, the XP ledger with its days, profiles and badges),
then leaderboard consents for part of the members. All in one transaction,
deterministic (every draw from ``scale.rng``), idempotent (courses whose
slug starts with ``catalogue.SLUG_PREFIX`` mean it ran: nothing is written).

The members with a portal account (the load test's) are enrolled in at
least two courses, each with video lessons and quizzes without an attempts
limit. The benchmarks ``learning_pages.py`` and ``gamification.py`` seed
through ``rows_seed`` with their own sizes.
"""

import queue
import threading
import time
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from learning.models import (
    Attempt,
    Badge,
    Course,
    Enrolment,
    Level,
    XpEvent,
    XpProfile,
    XpRule,
)
from learning.scale import catalogue
from learning.scale.activity import TABLES, Activity, Plan
from learning.scale.clock import Clock
from learning.selectors.courses import LEARNING_STATUSES
from learning.services.xp import xp_defaults_ensure, xp_rebuild
from members.models import Member, Unit

# What one seed writes, wiped by ``wipe`` (benchmarks, tests).
WRITTEN = (
    "learning_xpevent",
    "learning_xpday",
    "learning_xpprofile",
    "learning_badgeaward",
    "learning_quest",
    "learning_certificate",
    "learning_attempt",
    "learning_videoprogress",
    "learning_lessoncompletion",
    "learning_enrolment",
    "learning_assignment",
    "learning_feedpost",
    "learning_course",
)
LEADERBOARD = "leaderboard"
LEADERBOARD_VERSION = "2025-1"


@dataclass(frozen=True)
class Sizes:
    """How much the seed writes; ``of(scale)`` for ``seed_demo --scale full``."""

    courses: int
    courses_per_member: float
    progress_rows: int  # video progress and completed lessons, together (about)
    xp_events: int  # about
    days: int  # the year the activity spans, up to the day before today
    assignments: int
    quests: int
    feed_posts: int
    consent_share: float = 0.6  # members who show on leaderboards

    @classmethod
    def of(cls, scale) -> "Sizes":
        return cls(
            courses=max(6, scale.scaled(40)),
            courses_per_member=5.0,
            progress_rows=scale.count("lesson_progress"),
            xp_events=scale.count("xp_events"),
            days=365,
            assignments=scale.scaled(60, minimum=2),
            quests=scale.scaled(20, minimum=2),
            feed_posts=scale.scaled(2900, minimum=60),
        )


def seed(*, scale, people) -> str:
    """Seed a year of learning at ``scale``; return the line the command prints."""
    if Course.objects.filter(slug__startswith=catalogue.SLUG_PREFIX).exists():
        counts = counts_read()
        return "learning: reused the rows a previous run seeded (" + (
            _counts_text(counts) + ")"
        )
    steps: dict[str, float] = {}
    counts = rows_seed(scale=scale, sizes=Sizes.of(scale), steps=steps)
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items())
    return f"learning: {_counts_text(counts)} ({timing})"


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {name}" for name, count in counts.items())


def counts_read() -> dict[str, int]:
    """Count the rows of the tables the seed writes."""
    tables = {
        "courses": "learning_course",
        "lessons": "learning_lesson",
        "enrolments": "learning_enrolment",
        "video-progress rows": "learning_videoprogress",
        "lesson completions": "learning_lessoncompletion",
        "quiz attempts": "learning_attempt",
        "certificates": "learning_certificate",
        "XP events": "learning_xpevent",
        "XP days": "learning_xpday",
        "XP profiles": "learning_xpprofile",
        "badge awards": "learning_badgeaward",
        "quests": "learning_quest",
        "feed posts": "learning_feedpost",
    }
    counts = {}
    with connection.cursor() as cursor:
        for name, table in tables.items():
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (names above)
            counts[name] = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT count(*) FROM {_consent_table()} WHERE purpose = %s"  # noqa: S608
            " AND withdrawn_at IS NULL",
            [LEADERBOARD],
        )
        counts["leaderboard consents"] = cursor.fetchone()[0]
    return counts


def wipe() -> None:
    """Empty what the seed writes, identities restarted, and leaderboard consents."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(WRITTEN)} RESTART IDENTITY CASCADE")
        cursor.execute(
            f"DELETE FROM {_consent_table()} WHERE purpose = %s",  # noqa: S608
            [LEADERBOARD],
        )


def _consent_table() -> str:
    # The consent a leaderboard needs is the core's row; learning writes it
    # in bulk here only, as the member's "yes" would have.
    return apps.get_model("members", "Consent")._meta.db_table


class _Step:
    def __init__(self, steps: dict[str, float], name: str):
        self.steps, self.name = steps, name

    def __enter__(self):
        self.started = time.perf_counter()

    def __exit__(self, *exc):
        self.steps[self.name] = self.steps.get(self.name, 0.0) + (
            time.perf_counter() - self.started
        )


@transaction.atomic
def rows_seed(
    *,
    scale,
    sizes: Sizes,
    steps: dict[str, float],
    courses_of: dict[int, int] | None = None,
) -> dict[str, int]:
    """Write the catalogue, every member's year and the consents; return the counts.

    ``courses_of``: members given that many unfinished enrolments (a
    benchmark's measured member). ``steps`` receives the seconds of each step.
    """
    with connection.cursor() as cursor:
        # Each row's foreign keys checked as it arrives, while the next slice
        # is made, rather than millions of checks queued for the COMMIT.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with _Step(steps, "catalogue"):
        xp_defaults_ensure()
        clock = Clock(today=scale.today, days=sizes.days)
        units = list(Unit.objects.order_by("path").values_list("pk", "path", "level"))
        sector = next(pk for pk, _path, level in units if level == "sector")
        courses = catalogue.courses_seed(
            rng=scale.rng("learning:courses"),
            count=sizes.courses,
            owner_id=sector,
            clock=clock,
        )
        made = {}
        for name, write in (
            ("assignments", catalogue.assignments_seed),
            ("quests", catalogue.quests_seed),
            ("feed", catalogue.feed_seed),
        ):
            made[name] = write(
                rng=scale.rng(f"learning:{name}"),
                count=getattr(sizes, "feed_posts" if name == "feed" else name),
                courses=courses,
                units=units,
                clock=clock,
            )
        assignments = made["assignments"]
    with _Step(steps, "register read"):
        plan = _plan(sizes=sizes, courses=courses, assignments=assignments)
        plan.courses_of = dict(courses_of or {})
    activity = Activity(rng=scale.rng("learning:activity"), plan=plan, clock=clock)
    with _Step(steps, "activity (made and COPY)"):
        _stream(activity.chunks(), steps)
    with connection.cursor() as cursor:
        for model, first, following in (
            (Enrolment, plan.enrolment_id, activity.enrolment_id),
            (Attempt, plan.attempt_id, activity.attempt_id),
        ):
            if following > first:
                last = following - 1
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                    [model._meta.db_table, last],
                )
    with _Step(steps, "consents"):
        _consents_seed(rng=scale.rng("learning:consents"), sizes=sizes, clock=clock)
    if plan.xp_existing:
        with _Step(steps, "XP rebuilt of the demo's members"):
            xp_rebuild(member_ids=sorted(plan.xp_existing))
    return counts_read()


def _plan(*, sizes: Sizes, courses, assignments) -> Plan:
    """Read what the generator needs: members, levels, badges, points, ids."""
    members = [
        (pk, path, user_id, status in LEARNING_STATUSES, email or user_email or "")
        for pk, path, user_id, status, email, user_email in Member.objects.order_by(
            "pk"
        ).values_list("pk", "unit__path", "user_id", "status", "email", "user__email")
    ]
    badges: dict[str, list] = {}
    for pk, rule, threshold in (
        Badge.objects.filter(is_active=True, course__isnull=True)
        .exclude(rule__in=[Badge.Rule.MANUAL, Badge.Rule.QUEST])
        .order_by("pk")
        .values_list("pk", "rule", "threshold")
    ):
        badges.setdefault(rule, []).append((pk, threshold))
    existing = set(XpProfile.objects.values_list("member_id", flat=True))
    existing |= set(XpEvent.objects.values_list("member_id", flat=True).distinct())
    ids = {}
    with connection.cursor() as cursor:
        for model in (Enrolment, Attempt):
            table = model._meta.db_table
            # The seed runs alone; the lock makes sure no one takes these ids.
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
            ids[table] = cursor.fetchone()[0]
    return Plan(
        members=members,
        courses=courses,
        assignments=assignments,
        levels=sorted(Level.objects.values_list("threshold", "number")),
        badges=badges,
        points=dict(XpRule.objects.values_list("reason", "points")),
        enrolment_id=ids[Enrolment._meta.db_table],
        attempt_id=ids[Attempt._meta.db_table],
        courses_per_member=sizes.courses_per_member,
        progress_rows=sizes.progress_rows,
        xp_events=sizes.xp_events,
        xp_existing=existing,
    )


def _stream(chunks, steps: dict[str, float]) -> None:
    """COPY the generator's chunks while it makes the next ones (in a thread).

    The generator runs in a thread of its own, so that its Python work
    overlaps PostgreSQL's work on the chunk before; COPY runs here, on this
    thread's connection (and transaction).
    """
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        handoff.put(chunk, timeout=1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            handoff.put(None)
        except BaseException as error:
            handoff.put(error)

    thread = threading.Thread(target=produce, name="learning-scale", daemon=True)
    thread.start()
    try:
        with connection.cursor() as cursor:
            while (item := handoff.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                for table, text in item.items():
                    started = time.perf_counter()
                    with cursor.cursor.copy(
                        f"COPY {table} ({TABLES[table]}) FROM STDIN"
                    ) as copy:
                        copy.write(text)
                    name = f"COPY {table.removeprefix('learning_')}"
                    steps[name] = steps.get(name, 0.0) + time.perf_counter() - started
    finally:
        stop.set()
        thread.join(timeout=5)


def _consents_seed(*, rng, sizes: Sizes, clock) -> int:
    """Leaderboard consents of a share of the members who have none in force."""
    table = _consent_table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT member_id FROM {table} WHERE purpose = %s"  # noqa: S608
            " AND withdrawn_at IS NULL",
            [LEADERBOARD],
        )
        have = {row[0] for row in cursor.fetchall()}
    span = clock.days * 86400
    rows = []
    for member_id in Member.objects.order_by("pk").values_list("pk", flat=True):
        if rng.random() < sizes.consent_share and member_id not in have:
            rows.append(
                [
                    member_id,
                    LEADERBOARD,
                    LEADERBOARD_VERSION,
                    clock.moment(clock.start_s + rng.randrange(span)),
                    None,
                ]
            )
    catalogue.rows_copy(
        table, ["member_id", "purpose", "version", "given_at", "withdrawn_at"], rows
    )
    return len(rows)
