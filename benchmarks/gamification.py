"""Benchmark gamification: a member's home page and the sector's weekly unit league.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once (later runs of the same sizes reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_gamify \\
        .venv/bin/python benchmarks/gamification.py \\
        --members 82000 --xp-events 5000000 --repeat 30

The register comes from members_seed.py; the XP ledger from the full-size
seed, ``learning.scale.rows_seed``: about ``--xp-events`` events over
``--days`` local days before today, earned by the lessons, quizzes, courses
and practice replays it seeds with them, and the days, totals, levels and
streaks made from the same draws. 60% of the members consent to the
leaderboards; the measured member has a streak and two running quests (their
grassroots union's and the whole sector's).

Timed beside a naive baseline in the same run, round after round in turn:

- the member's home page (today's goal, streak, level, league position,
  quests) through Django's test Client with DEBUG off; the baseline's blocks
  sum the ledger for the total and the day, read the level table, and rank
  the league and count the quests afresh from the ledger on every view;
- the weekly unit league of the whole sector, computed (uncached) from the
  days' totals, beside the same league summed from the raw ledger in Python.

Query counts are captured for the measured member and for the member with
the most events: the home asks the same number for both. It prints a
markdown report. The database name must contain "bench".
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.learning_pages import (  # noqa: E402
    marker_save,
    seeded_unless_marked,
)
from benchmarks.members_admin import Probe, _ms, _ratio, _round_robin  # noqa: E402
from benchmarks.report import heading, run_facts, seeded_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_gamify "
    ".venv/bin/python benchmarks/gamification.py"
)
MARKER_SLUG = "bench-gamification"
LEARNER_EMAIL = "bench-gamer@congdoan.local"
GOALS = {"home": 100.0, "league": 5000.0}


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    game = game_ready(args, register)
    report = Report(args=args, register=register, game=game)
    report.load_before = os.getloadavg()
    _measure(args, register, game, report)
    report.load_after = os.getloadavg()
    report.total_s = time.perf_counter() - started
    report.print()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    parser.add_argument("--xp-events", type=int, default=5_000_000)
    parser.add_argument("--days", type=int, default=180, help="days the ledger spans")
    parser.add_argument("--repeat", type=int, default=30, help="timed home pages")
    parser.add_argument(
        "--league-repeat", type=int, default=5, help="timed leagues of the sector"
    )
    parser.add_argument("--warmup", type=int, default=2)
    databases.seed_arguments(parser)
    args = parser.parse_args()
    databases.register_defaults(args)
    return args


# Seeding -------------------------------------------------------------------


@dataclass
class Game:
    learner: object
    busiest: object  # the member with the most events
    counts: dict[str, int]
    seeded_s: float | None = None
    steps: dict[str, float] = field(default_factory=dict)


def game_ready(args, register) -> Game:
    """Seed the ledger, or reuse the one a run of the same sizes left."""
    from learning.models import XpEvent

    marker = (
        f"bench sizes: members={args.members} events={args.xp_events} "
        f"days={args.days} seed={args.seed}"
    )
    learner = _learner(register)
    steps: dict[str, float] = {}
    seeded_s = seeded_unless_marked(
        slug=MARKER_SLUG,
        marker=marker,
        fresh=args.reseed or register.seeded_s is not None,
        what="XP ledger",
        seed=lambda: _seed(args, register, learner, marker, steps),
    )
    _learner_state(register, learner)
    busiest_id = (
        XpEvent.objects.values("member_id")
        .order_by()
        .annotate(n=_count())
        .order_by("-n")
        .values_list("member_id", flat=True)
        .first()
    )
    from members.models import Member

    busiest = _with_account(Member.objects.get(pk=busiest_id), "bench-busiest")
    return Game(
        learner=learner,
        busiest=busiest,
        counts=_counts(),
        seeded_s=seeded_s,
        steps=steps,
    )


def _count():
    from django.db.models import Count

    return Count("pk")


def _with_account(member, local: str):
    from members.models import Member, User

    if member.user_id is None:
        email = f"{local}@congdoan.local"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, name=member.full_name)
        Member.objects.filter(user=user).update(user=None)
        Member.objects.filter(pk=member.pk).update(user=user)
        member.refresh_from_db()
    return member


def _learner(register):
    return _with_account(register.sample, LEARNER_EMAIL.split("@")[0])


def _seed(args, register, learner, marker: str, steps: dict[str, float]) -> None:
    """Seed through learning.scale, with this run's events over its days."""
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
    sizes = learning_scale.Sizes.of(scale)
    sizes = replace(
        sizes,
        xp_events=args.xp_events,
        days=args.days,
        # Progress and ledger in the full-size seed's proportion (2 to 5).
        progress_rows=round(args.xp_events * 2 / 5),
    )
    learning_scale.rows_seed(scale=scale, sizes=sizes, steps=steps)
    marker_save(MARKER_SLUG, marker)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE learning_xpevent, learning_xpday, learning_xpprofile,"
            " members_consent"
        )
    steps["vacuum analyze"] = time.perf_counter() - started


def _learner_state(register, learner) -> None:
    """Give the measured member consent, a streak and two running quests."""
    from django.utils import timezone

    from learning.models import Course, Quest, XpProfile
    from learning.selectors.leagues import grassroots_of
    from members.models import Consent

    today = timezone.localdate()
    Consent.objects.get_or_create(
        member=learner,
        purpose=Consent.Purpose.LEADERBOARD,
        withdrawn_at=None,
        defaults={"version": "2025-1", "given_at": timezone.now()},
    )
    XpProfile.objects.filter(member=learner).update(
        streak=12, streak_best=20, streak_day=today - timedelta(days=1), freezes=1
    )
    course = Course.objects.order_by("pk").first()
    if course is None:
        course = Course.objects.create(
            title="An toàn số",
            slug="bench-gamification-course",
            owner_unit=register.sector,
            status=Course.Status.PUBLISHED,
        )
    unit = grassroots_of(learner.unit)
    for quest_unit, title in ((unit, "Cơ sở"), (register.sector, "Toàn ngành")):
        Quest.objects.update_or_create(
            unit=quest_unit,
            title=f"Benchmark: {title} hoàn thành An toàn số",
            defaults={
                "course": course,
                "target_percent": 70,
                "starts_on": today - timedelta(days=3),
                "ends_on": today + timedelta(days=30),
            },
        )


def _counts() -> dict[str, int]:
    from learning.scale import counts_read

    counts = counts_read()
    names = ("XP events", "XP days", "XP profiles", "leaderboard consents")
    return {name: counts[name] for name in names}


# Baselines -----------------------------------------------------------------


def naive_unit_league(*, root, monday):
    """The league summed from the raw ledger, rolled up row by row in Python."""
    from learning.models import XpEvent
    from learning.selectors.courses import LEARNING_STATUSES
    from learning.selectors.leagues import LeagueRow
    from members.models import Member, Unit

    root_path = root if isinstance(root, str) else root.path
    units = {
        pk: (path, level, name)
        for pk, path, level, name in Unit.objects.filter(
            path__startswith=root_path
        ).values_list("pk", "path", "level", "name")
    }
    by_path = {path: pk for pk, (path, _level, _name) in units.items()}

    def grassroots(unit_id):
        path = units[unit_id][0]
        for depth in range(len(path), 0, -Unit.steplen):
            pk = by_path.get(path[:depth])
            if pk is not None and units[pk][1] == "grassroots":
                return pk
        return None

    members, unit_of = {}, {}
    for member_id, unit_id in Member.objects.filter(
        unit__path__startswith=root_path, status__in=LEARNING_STATUSES
    ).values_list("pk", "unit_id"):
        owner = grassroots(unit_id)
        if owner is not None:
            unit_of[member_id] = owner
            members[owner] = members.get(owner, 0) + 1
    points: dict[int, int] = {}
    for member_id, earned in (
        XpEvent.objects.filter(day__range=(monday, monday + timedelta(days=6)))
        .values_list("member_id", "points")
        .iterator(chunk_size=20_000)
    ):
        owner = unit_of.get(member_id)
        if owner is not None:
            points[owner] = points.get(owner, 0) + earned
    rows = sorted(
        ((points.get(pk, 0) / count, pk, count) for pk, count in members.items()),
        key=lambda row: (-row[0], units[row[1]][2], row[1]),
    )
    league, rank, previous = [], 0, None
    for position, (per_member, pk, count) in enumerate(rows, start=1):
        if per_member != previous:
            rank, previous = position, per_member
        league.append(
            LeagueRow(
                rank=rank,
                unit_id=pk,
                name=units[pk][2],
                members=count,
                points=points.get(pk, 0),
                per_member=round(per_member, 1),
            )
        )
    return league


def naive_home_blocks(*, user):
    """The home's blocks the obvious way: everything summed afresh on each view."""
    from django.db.models import Sum
    from django.utils import timezone

    from learning.models import Level, XpEvent, XpProfile
    from learning.selectors.leagues import (
        QuestProgress,
        grassroots_of,
        quest_progress,
        week_of,
    )
    from learning.selectors.xp import XpSummary
    from members.selectors.register import member_for_user

    member = member_for_user(user=user)
    if member is None:
        return None
    today = timezone.localdate()
    events = XpEvent.objects.filter(member=member)
    total = events.aggregate(total=Sum("points"))["total"] or 0
    today_points = events.filter(day=today).aggregate(total=Sum("points"))["total"]
    level = Level.objects.filter(threshold__lte=total).order_by("-threshold").first()
    following = Level.objects.filter(threshold__gt=total).order_by("threshold").first()
    profile = XpProfile.objects.filter(member=member).first()
    summary = XpSummary(
        total=total,
        level=level.number if level else 1,
        level_from=level.threshold if level else 0,
        level_to=following.threshold if following else None,
        today=today_points or 0,
        goal=profile.daily_goal if profile else 20,
        streak=profile.streak if profile else 0,
        streak_best=profile.streak_best if profile else 0,
        freezes=profile.freezes if profile else 0,
        goal_met=(today_points or 0) >= (profile.daily_goal if profile else 20),
        hidden=False,
    )
    unit = grassroots_of(member.unit)
    league = naive_unit_league(root=member.unit.path[:4], monday=week_of(today)[0])
    position = next((row for row in league if row.unit_id == unit.pk), None)
    from learning.models import Quest
    from members.models import Unit

    quests = Quest.objects.filter(
        unit__path__in=Unit.lineage_paths(member.unit.path),
        starts_on__lte=today,
        ends_on__gte=today,
    ).select_related("unit", "course", "badge")
    progress: list[QuestProgress] = [quest_progress(quest=q) for q in quests]
    return [
        {"template": "learning/xp/home_block.html", "order": 12, "summary": summary},
        {
            "template": "learning/leagues/home_block.html",
            "order": 14,
            "position": position,
            "units": len(league),
            "quests": progress,
        },
    ]


# Measuring -----------------------------------------------------------------


def _no_blocks(*, user):
    return None


@dataclass
class GameProbe(Probe):
    patch: tuple | None = None
    goal_ms: float | None = None

    def get(self):
        original = None
        if self.patch is not None:
            module, name, replacement = self.patch
            original = getattr(module, name)
            setattr(module, name, replacement)
        try:
            response = self.client.get(self.url)
        finally:
            if original is not None:
                setattr(module, name, original)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code}")
        response.content  # noqa: B018  (rendered in full)
        return response


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _measure(args, register, game: Game, report: "Report") -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import learning.selectors.portal_home as portal_home
    from learning.selectors.leagues import unit_league, week_of

    cache.clear()
    learner_client = Client()
    learner_client.force_login(game.learner.user)
    busiest_client = Client()
    busiest_client.force_login(game.busiest.user)
    patch = (portal_home, "gamification_home_blocks", naive_home_blocks)
    project = GameProbe(
        phase="project",
        page="home",
        who="measured member",
        url="/",
        rows="",
        client=learner_client,
        goal_ms=GOALS["home"],
    )
    baseline = GameProbe(
        phase="baseline",
        page="home",
        who="measured member",
        url="/",
        rows="",
        client=learner_client,
        base=project,
        patch=patch,
    )
    busiest = GameProbe(
        phase="project",
        page="home",
        who="member with the most events",
        url="/",
        rows="",
        client=busiest_client,
    )
    # The same home with learning's blocks left out: what they add is the rest.
    reference = GameProbe(
        phase="reference",
        page="home without learning's blocks",
        who="measured member",
        url="/",
        rows="",
        client=learner_client,
        patch=(portal_home, "gamification_home_blocks", _no_blocks),
    )
    monday = week_of(timezone.localdate())[0]
    report.same_league = unit_league(
        root=register.sector, monday=monday
    ) == naive_unit_league(root=register.sector, monday=monday)
    probes = [project, baseline, busiest, reference]
    print("Warming up and counting queries of the home…", flush=True)
    for probe in probes:
        probe.warm(args.warmup)
        probe.capture(3)
    from learning.models import XpEvent

    report.events_of = {
        "measured member": XpEvent.objects.filter(member=game.learner).count(),
        "member with the most events": XpEvent.objects.filter(
            member=game.busiest
        ).count(),
    }
    print(f"Timing {args.repeat} rounds of the home…", flush=True)
    _round_robin(probes, args.repeat)
    report.probes = probes
    print(f"Timing {args.league_repeat} rounds of the sector's league…", flush=True)
    league = Timing("league")
    naive = Timing("naive league")
    for _ in range(args.league_repeat):
        for timing, function in ((league, unit_league), (naive, naive_unit_league)):
            with CaptureQueriesContext(connection) as context:
                started = time.perf_counter()
                rows = function(root=register.sector, monday=monday)
                timing.samples.append((time.perf_counter() - started) * 1000)
            report.league_queries[timing.name] = len(context.captured_queries)
    report.league_rows = len(rows)
    report.league = league
    report.naive_league = naive


# Report --------------------------------------------------------------------


@dataclass
class Report:
    args: argparse.Namespace
    register: object
    game: Game
    probes: list = field(default_factory=list)
    league: Timing | None = None
    naive_league: Timing | None = None
    league_rows: int = 0
    league_queries: dict[str, int] = field(default_factory=dict)
    events_of: dict[str, int] = field(default_factory=dict)
    same_league: bool = False
    load_before: tuple = (0.0, 0.0, 0.0)
    load_after: tuple | None = None
    total_s: float = 0.0

    def print(self) -> None:
        facts = run_facts(
            register=self.register,
            load_before=self.load_before,
            load_after=self.load_after,
            total_s=self.total_s,
        )
        facts += seeded_facts("Gamification", self.game)
        facts.append(
            "Events of the members whose home is timed: "
            + ", ".join(f"{who} {n:,}" for who, n in self.events_of.items())
        )
        facts.append(
            f"Rounds: {self.args.repeat} (home), {self.args.league_repeat} "
            f"(league); the baseline league equals the project's: {self.same_league}"
        )
        heading("Gamification (issue 17)", facts)
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
                    f"{probe.page} ({probe.who})",
                    probe.phase,
                    _ms(probe.median_ms),
                    _ms(probe.p95_ms),
                    str(probe.queries),
                    _ms(probe.sql_ms),
                    ratio,
                    goal,
                ]
            )
        for timing, phase, base in (
            (self.league, "project", None),
            (self.naive_league, "baseline", self.league),
        ):
            goal = ""
            if base is None:
                met = "met" if timing.p95 < GOALS["league"] else "MISSED"
                goal = f"p95 < {GOALS['league']:.0f} ms: {met}"
            rows.append(
                [
                    f"sector league ({self.league_rows} unions)",
                    phase,
                    _ms(timing.p50),
                    _ms(timing.p95),
                    str(self.league_queries.get(timing.name, "")),
                    "",
                    f"{_ratio(timing.p95, base.p95)}x" if base is not None else "",
                    goal,
                ]
            )
        table(
            [
                "Measure",
                "Code",
                "p50 ms",
                "p95 ms",
                "Queries",
                "SQL ms",
                "Baseline p95 / project p95",
                "Goal",
            ],
            rows,
            left=2,
        )


if __name__ == "__main__":
    main()
