"""Benchmark learning's pages: my courses, the sector's course report, a heartbeat.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once (later runs of the same sizes reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_learning \\
        .venv/bin/python benchmarks/learning_pages.py \\
        --members 82000 --courses 50 --progress-rows 2000000 --repeat 30

The register comes from members_seed.py; learning's rows from the full-size
seed, ``learning.scale.rows_seed``, at this run's sizes: ``--courses``
courses of 3 modules of 4 lessons (two videos, a text and a quiz),
enrolments (``--courses-per-member`` on average), about ``--progress-rows``
video-progress and lesson-completion rows, the quiz attempts, certificates
and XP ledger that go with them (the measured member has
``--member-courses`` courses under way). Pages are requested in-process through Django's
test Client with DEBUG off: "my courses" of a member with ``--member-courses``
courses, the course report page of the sector union's officer (the whole
register, a row a course and upper union) and its XLSX (a row a course and
learner's unit), and a heartbeat of the video player. Each is timed beside a
naive baseline in the same run, round after round in turn, the baseline swapped
in for the project's function while its request runs: my courses with queries
a course (N+1), the report computed by Python loops over the progress rows, a
heartbeat with the ORM's get_or_create and save and no row lock. The
heartbeat's floor is timed in the same rounds too: a member's JSON POST
through the same middleware and decorator that only finds the member. It
prints a markdown report.

The database name must contain "bench": a register of another size is wiped.
"""

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.members_admin import Probe, _ms, _ratio, _round_robin  # noqa: E402
from benchmarks.report import heading, run_facts, seeded_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_learning "
    ".venv/bin/python benchmarks/learning_pages.py"
)
MARKER_SLUG = "bench-learning"
LEARNER_EMAIL = "bench-learner@congdoan.local"
# The heartbeats timed play within the shortest seeded video.
VIDEO_SECONDS = 180
GOALS = {"my courses": 100.0, "course report": 2000.0, "heartbeat": 20.0}


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    learning = learning_ready(args, register)
    report = Report(args=args, register=register, learning=learning)
    report.load_before = os.getloadavg()
    _measure(args, register, learning, report)
    report.load_after = os.getloadavg()
    report.total_s = time.perf_counter() - started
    report.print()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    parser.add_argument("--courses", type=int, default=50)
    parser.add_argument("--courses-per-member", type=float, default=5.0)
    parser.add_argument(
        "--progress-rows",
        type=int,
        default=2_000_000,
        help="video-progress and lesson-completion rows, together (about)",
    )
    parser.add_argument(
        "--member-courses", type=int, default=8, help="courses of the measured member"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests")
    parser.add_argument(
        "--report-repeat",
        type=int,
        default=5,
        help="timed requests of the sector-wide report and its baseline",
    )
    parser.add_argument("--warmup", type=int, default=2)
    databases.seed_arguments(parser)
    args = parser.parse_args()
    databases.register_defaults(args)
    return args


# Seeding -------------------------------------------------------------------


@dataclass
class Learning:
    """What the benchmark measures in learning's seeded rows."""

    learner: object  # the member whose pages are timed
    video: object  # a video lesson of one of the learner's courses
    counts: dict[str, int]
    seeded_s: float | None = None
    steps: dict[str, float] = field(default_factory=dict)


def learning_ready(args, register) -> Learning:
    """Seed learning's rows, or reuse those a run of the same sizes left."""
    from learning.models import Enrolment, Lesson
    from learning.scale import counts_read

    marker = (
        f"bench sizes: members={args.members} courses={args.courses} "
        f"per_member={args.courses_per_member} progress={args.progress_rows} "
        f"member_courses={args.member_courses} seed={args.seed}"
    )
    learner = _learner(register)
    steps: dict[str, float] = {}
    seeded_s = seeded_unless_marked(
        slug=MARKER_SLUG,
        marker=marker,
        fresh=args.reseed or register.seeded_s is not None,
        what="learning rows",
        seed=lambda: _seed(args, learner, marker, steps),
    )
    enrolment = (
        Enrolment.objects.filter(member=learner, completed_at__isnull=True)
        .order_by("pk")
        .first()
    )
    video = (
        Lesson.objects.filter(module__course=enrolment.course, kind="video")
        .order_by("module__order", "order")
        .first()
    )
    return Learning(
        learner=learner,
        video=video,
        counts=counts_read(),
        seeded_s=seeded_s,
        steps=steps,
    )


def _learner(register):
    """Return the register's sample member, with an account to sign in with."""
    from members.models import Member, User

    member = register.sample
    if member.user_id is None:
        user = User.objects.filter(email=LEARNER_EMAIL).first()
        if user is None:
            user = User.objects.create_user(LEARNER_EMAIL, None, name=member.full_name)
        Member.objects.filter(user=user).update(user=None)
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
    return member


def seeded_unless_marked(
    *, slug: str, marker: str, fresh: bool, what: str, seed
) -> float | None:
    """Call ``seed()`` unless a run of the same sizes left ``marker``; its seconds.

    ``fresh``: seed whatever the marker says (``--reseed``, or a register
    seeded anew by this run). None when the rows were reused.
    """
    from learning.models import Badge

    badge = Badge.objects.filter(slug=slug).first()
    if not fresh and badge is not None and badge.description == marker:
        print(f"Reusing the {what} a previous run seeded.", flush=True)
        return None
    print(f"Seeding the {what} ({marker})…", flush=True)
    started = time.perf_counter()
    seed()
    seeded_s = time.perf_counter() - started
    print(f"Seeded the {what} in {seeded_s:.1f} s", flush=True)
    return seeded_s


def marker_save(slug: str, marker: str) -> None:
    """Keep the sizes seeded in an inactive badge's description (the run's marker)."""
    from learning.models import Badge

    Badge.objects.update_or_create(
        slug=slug,
        defaults={
            "name": "Benchmark",
            "description": marker,
            "criteria": "Benchmark",
            "rule": Badge.Rule.MANUAL,
            "is_active": False,
        },
    )


def _seed(args, learner, marker: str, steps: dict[str, float]) -> None:
    """Seed through learning.scale, at this run's sizes; the learner's courses open."""
    from dataclasses import replace

    from django.db import connection
    from django.utils import timezone

    from learning import scale as learning_scale
    from members.management.scale import Scale

    started = time.perf_counter()
    learning_scale.wipe()
    steps["wipe"] = time.perf_counter() - started
    scale = Scale(
        today=timezone.localdate(), factor=args.members / 82_000, seed=args.seed
    )
    sizes = replace(
        learning_scale.Sizes.of(scale),
        courses=args.courses,
        courses_per_member=args.courses_per_member,
        progress_rows=args.progress_rows,
    )
    learning_scale.rows_seed(
        scale=scale,
        sizes=sizes,
        steps=steps,
        courses_of={learner.pk: args.member_courses},
    )
    marker_save(MARKER_SLUG, marker)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE learning_enrolment, learning_videoprogress,"
            " learning_lessoncompletion, learning_attempt, learning_lesson"
        )
    steps["analyze"] = time.perf_counter() - started


# Baselines -----------------------------------------------------------------


def naive_my_courses(*, member):
    """My courses the naive way: the course and two counts queried a course."""
    from learning.models import Course, Enrolment, Lesson, LessonCompletion

    rows = list(
        Enrolment.objects.filter(
            member=member, course__status=Course.Status.PUBLISHED
        ).order_by("completed_at", "deadline", "-enrolled_at", "pk")
    )
    for row in rows:
        row.course  # noqa: B018  (one query a course, as a template would)
        required = Lesson.objects.filter(module__course_id=row.course_id, required=True)
        row.required_count = required.count()
        row.done_count = LessonCompletion.objects.filter(
            member=member, lesson__in=required
        ).count()
        total = row.required_count
        row.percent = round(row.done_count * 100 / total) if total else 0
    return rows


def naive_course_report_by_level(*, user, parents, course_id=None):
    """The page's report (a row a course and unit one level down), naively."""
    from django.utils.translation import gettext as _

    from learning.selectors.reports import LevelRow
    from members.models import Unit

    lengths = sorted({len(parent.path) for parent in parents}, reverse=True)
    parent_paths = {parent.path for parent in parents}

    def level(path):
        for length in lengths:
            if path[:length] in parent_paths:
                return path[: length + Unit.steplen]
        return None

    flat = naive_course_report(user=user, course_id=course_id, group=level)
    paths = {path for _title, _course, path in flat}
    units = {unit.path: unit for unit in Unit.objects.filter(path__in=paths)}
    rows = []
    for (title, course, path), group in sorted(flat.items()):
        unit = units[path]
        direct = path in parent_paths
        name = _("%(unit)s (its own members)") % {"unit": unit.name}
        rows.append(
            LevelRow(
                **_naive_figures(
                    course, title, unit.pk, name if direct else unit.name, group
                ),
                direct=direct,
                can_open=not direct and unit.numchild > 0,
            )
        )
    return rows


def _naive_figures(course, title, unit_id, unit_name, group) -> dict:
    scores = group["scores"]
    average = (sum(scores) / len(scores)).quantize(Decimal("0.1")) if scores else None
    return {
        "course_id": course,
        "course_title": title,
        "unit_id": unit_id,
        "unit_name": unit_name,
        "assigned": group["assigned"],
        "enrolled": group["enrolled"],
        "started": group["started"],
        "completed": group["completed"],
        "overdue": group["overdue"],
        "average_score": average,
    }


def naive_course_report(*, user, course_id=None, unit=None, group=None):
    """The course report by Python loops over every row the report reads.

    ``group``: a function of the learner's unit path giving the row's path;
    then the groups are returned by (title, course, path), not the rows.
    """
    from django.utils import timezone

    from learning.models import (
        Attempt,
        Enrolment,
        Lesson,
        LessonCompletion,
        VideoProgress,
    )
    from learning.selectors.reports import ReportRow
    from members.scope import scoped

    today = timezone.localdate()
    course_of = dict(Lesson.objects.values_list("pk", "module__course_id"))
    touched = set()
    for model in (LessonCompletion, VideoProgress):
        for member_id, lesson_id in model.objects.values_list(
            "member_id", "lesson_id"
        ).iterator(chunk_size=20_000):
            touched.add((member_id, course_of[lesson_id]))
    best = {}
    for member_id, course, score in (
        Attempt.objects.filter(submitted_at__isnull=False)
        .values_list("member_id", "quiz__lesson__module__course_id", "score")
        .iterator(chunk_size=20_000)
    ):
        touched.add((member_id, course))
        if score is not None:
            best[member_id, course] = max(score, best.get((member_id, course), score))
    enrolments = scoped(Enrolment.objects.all(), user).values_list(
        "member_id",
        "course_id",
        "course__title",
        "member__unit_id",
        "member__unit__name",
        "member__unit__path",
        "source",
        "completed_at",
        "deadline",
    )
    if course_id is not None:
        enrolments = enrolments.filter(course_id=course_id)
    if unit is not None:
        enrolments = enrolments.filter(member__unit__path__startswith=unit.path)
    groups: dict[tuple, dict] = {}
    for row in enrolments.iterator(chunk_size=20_000):
        member_id, course, title, unit_id, unit_name, path, source, done, due = row
        if group is not None:
            path = group(path)
            if path is None:
                continue
        entry = groups.setdefault(
            (title, course, path),
            {
                "unit": (unit_id, unit_name),
                "assigned": 0,
                "enrolled": 0,
                "started": 0,
                "completed": 0,
                "overdue": 0,
                "scores": [],
            },
        )
        entry["enrolled"] += 1
        entry["assigned"] += source == "assigned"
        entry["completed"] += done is not None
        entry["overdue"] += done is None and due is not None and due < today
        entry["started"] += done is not None or (member_id, course) in touched
        if (member_id, course) in best:
            entry["scores"].append(best[member_id, course])
    if group is not None:
        return groups
    return [
        ReportRow(
            **_naive_figures(course, title, entry["unit"][0], entry["unit"][1], entry)
        )
        for (title, course, _path), entry in sorted(groups.items())
    ]


def naive_heartbeat(
    *, member, lesson, session, sequence, intervals, active_seconds, position
):
    """A heartbeat with the ORM's get_or_create and save: no transaction, no lock."""
    from django.utils import timezone

    from learning.models import VideoProgress
    from learning.services.progress import (
        _heartbeat_apply,
        _require_learning,
        heartbeat_clean,
    )

    beat = heartbeat_clean(
        session=session,
        sequence=sequence,
        intervals=intervals,
        active_seconds=active_seconds,
        position=position,
    )
    _require_learning(member=member, lesson=lesson)
    progress, _created = VideoProgress.objects.get_or_create(
        member=member, lesson=lesson
    )
    progress.lesson = lesson
    if _heartbeat_apply(progress, beat, timezone.now()) is not None:
        progress.save()
    return progress


# Measuring -----------------------------------------------------------------


@dataclass
class LearningProbe(Probe):
    """A page, with the function its baseline swaps in while it is requested."""

    patch: tuple | None = None  # (module, attribute, replacement)
    post: object = None  # a callable returning the JSON body of a POST
    goal_ms: float | None = None

    def get(self):
        original = None
        if self.patch is not None:
            module, name, replacement = self.patch
            original = getattr(module, name)
            setattr(module, name, replacement)
        try:
            if self.post is not None:
                response = self.client.post(
                    self.url, self.post(), content_type="application/json"
                )
            else:
                response = self.client.get(self.url)
        finally:
            if original is not None:
                setattr(module, name, original)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code}")
        if self.post is None and response.get("Content-Type", "").startswith(
            "text/html"
        ):
            response.content  # noqa: B018  (rendered in full)
        return response


def _beats(session: str):
    """Return a body maker: each call the next heartbeat of a player session."""
    state = {"sequence": 0}

    def body() -> dict:
        state["sequence"] += 1
        start = (state["sequence"] * 10) % (VIDEO_SECONDS - 10)
        return {
            "session": session,
            "sequence": state["sequence"],
            "intervals": [[start, start + 10]],
            "active_seconds": 10,
            "position": start + 10,
        }

    return body


FLOOR_URLCONF = "benchmarks_learning_floor_urls"


def _floor_urls() -> None:
    """Install a URLconf: the project's, plus the floor of a member's JSON POST.

    The floor is what every heartbeat pays before it does any work of its own:
    the project's middleware, the session's user, the member (through the
    same ``learner_json`` decorator as the heartbeat) and a JSON answer. No
    lesson, no lock, no write. It is measured in the same rounds, so the
    heartbeat's figures can be read against what the machine gives at the
    time: a heartbeat cannot be faster than the floor.
    """
    import sys
    import types

    from django.http import JsonResponse
    from django.test.utils import override_settings
    from django.urls import clear_url_caches, include, path

    from learning.views import learner_json

    @learner_json
    def floor(request, *, member):
        return JsonResponse({"member": member.pk})

    module = types.ModuleType(FLOOR_URLCONF)
    module.urlpatterns = [
        path("bench-floor/", floor, name="bench_floor"),
        path("", include("unionportal.urls")),
    ]
    sys.modules[FLOOR_URLCONF] = module
    override_settings(ROOT_URLCONF=FLOOR_URLCONF).enable()
    clear_url_caches()


def _measure(args, register, learning: Learning, report: "Report") -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    import learning.admin.reports as admin_reports
    import learning.selectors.reports as selectors_reports
    import learning.services as services
    import learning.views.courses as views_courses

    _floor_urls()
    member_client = Client()
    member_client.force_login(learning.learner.user)
    staff_client = Client()
    staff_client.force_login(register.sector_user)
    my_url = reverse("learning:my_courses")
    beat_url = reverse("learning:lesson_heartbeat", args=[learning.video.pk])
    report_url = reverse("admin:learning_enrolment_report")
    xlsx_url = reverse("admin:learning_enrolment_report_xlsx")
    courses = len(views_courses.my_courses_read(member=learning.learner))

    def pair(page, client, url, rows, goal, patch, post=None, post_base=None, own=None):
        project = LearningProbe(
            phase="project",
            page=page,
            who="",
            url=url,
            rows=rows,
            client=client,
            post=post,
            goal_ms=goal,
            patch=own,
        )
        base = LearningProbe(
            phase="baseline",
            page=page,
            who="",
            url=url,
            rows=rows,
            client=client,
            base=project,
            patch=patch,
            post=post_base,
        )
        return [project, base]

    fast = [
        *pair(
            "my courses",
            member_client,
            my_url,
            f"{courses} courses",
            GOALS["my courses"],
            (views_courses, "my_courses_read", naive_my_courses),
        ),
        *pair(
            "heartbeat",
            member_client,
            beat_url,
            "1 progress row",
            GOALS["heartbeat"],
            (services, "video_heartbeat", naive_heartbeat),
            post=_beats("benchproject"),
            post_base=_beats("benchnaive"),
        ),
        LearningProbe(
            phase="floor",
            page="heartbeat",
            who="",
            url=reverse("bench_floor"),
            rows="no row",
            client=member_client,
            post=_beats("benchfloor"),
        ),
    ]
    sector = register.sector_user
    parents = admin_reports.report_parents(user=sector)
    page_rows = selectors_reports.course_report_by_level(user=sector, parents=parents)
    flat_rows = admin_reports.course_report(user=sector)

    def afresh(count):
        """The page's report counted on each request: the cache (two minutes
        a scope) left out, so that both codes count what they are timed on."""

        def counted(**kwargs):
            return selectors_reports.CountedReport(
                rows=count(**kwargs), as_of=timezone.now()
            )

        return counted

    slow = [
        *pair(
            "course report",
            staff_client,
            report_url,
            f"{len(page_rows)} rows",
            GOALS["course report"],
            (
                admin_reports,
                "course_report_by_level_counted",
                afresh(naive_course_report_by_level),
            ),
            own=(
                admin_reports,
                "course_report_by_level_counted",
                afresh(selectors_reports.course_report_by_level),
            ),
        ),
        *pair(
            "course report XLSX",
            staff_client,
            xlsx_url,
            f"{len(flat_rows)} rows",
            None,
            (admin_reports, "course_report", naive_course_report),
        ),
    ]
    # The baseline must compute what the project computes, or it proves nothing.
    report.same_rows = flat_rows == naive_course_report(user=sector) and (
        page_rows == naive_course_report_by_level(user=sector, parents=parents)
    )
    project_courses = views_courses.my_courses_read(member=learning.learner)
    naive_courses = naive_my_courses(member=learning.learner)
    report.same_courses = [
        (r.pk, r.required_count, r.done_count) for r in project_courses
    ] == [(r.pk, r.required_count, r.done_count) for r in naive_courses]
    for probes, rounds in ((fast, args.repeat), (slow, args.report_repeat)):
        print(f"Warming up and counting queries of {len(probes)} pages…", flush=True)
        for probe in probes:
            probe.warm(args.warmup if probes is fast else 1)
            probe.capture(3 if probes is fast else 1)
        print(f"Timing {rounds} rounds…", flush=True)
        _round_robin(probes, rounds)
    report.probes = fast + slow


# Report --------------------------------------------------------------------


@dataclass
class Report:
    args: argparse.Namespace
    register: object
    learning: Learning
    probes: list = field(default_factory=list)
    load_before: tuple = (0.0, 0.0, 0.0)
    load_after: tuple | None = None
    total_s: float = 0.0
    same_rows: bool = False
    same_courses: bool = False

    def print(self) -> None:
        facts = run_facts(
            register=self.register,
            load_before=self.load_before,
            load_after=self.load_after,
            total_s=self.total_s,
        )
        facts += seeded_facts("Learning", self.learning)
        facts.append(
            f"Rounds: {self.args.repeat} (my courses, heartbeat), "
            f"{self.args.report_repeat} (report, XLSX); the baseline's rows equal "
            f"the project's: report {self.same_rows}, my courses {self.same_courses}"
        )
        heading("Learning pages (issue 16)", facts)
        print()
        rows = []
        for probe in self.probes:
            goal = ""
            if probe.goal_ms is not None:
                met = "met" if probe.p95_ms < probe.goal_ms else "MISSED"
                goal = f"p95 < {probe.goal_ms:.0f} ms: {met}"
            ratio = (
                f"{_ratio(probe.p95_ms, probe.base.p95_ms)}x"
                if probe.base is not None
                else ""
            )
            rows.append(
                [
                    probe.page,
                    probe.phase,
                    probe.rows,
                    _ms(probe.median_ms),
                    _ms(probe.p95_ms),
                    str(probe.queries),
                    _ms(probe.sql_ms),
                    ratio,
                    goal,
                ]
            )
        table(
            [
                "Page",
                "Code",
                "Rows",
                "p50 ms",
                "p95 ms",
                "Queries",
                "SQL ms",
                "Baseline p95 / project p95",
                "Goal",
            ],
            rows,
            left=3,
        )


if __name__ == "__main__":
    main()
