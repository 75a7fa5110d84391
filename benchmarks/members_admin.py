"""Benchmark the members changelist and the care radar on a full-size register.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once (later runs of the same size reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench \\
        .venv/bin/python benchmarks/members_admin.py \\
        --members 82000 --units 1000 --repeat 30

Pages are requested in-process through Django's test Client with DEBUG off,
as an officer of the sector union (the whole register) and as an officer of a
grassroots union. In the same run it measures a baseline (a stock ModelAdmin
over Member: no scope, ``search_fields = ("full_name",)``), prototypes of the
changes it suggests (benchmarks/members_variants.py), and the searches with
the search indexes of members/migrations/0002 dropped and restored. Pages that
are compared are requested in turn, round after round, so that the load of the
machine weighs on each alike. It prints a markdown report.

The database name must contain "bench": a register of another size is wiped.
"""

import argparse
import gc
import math
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import Percentiles, heading, run_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench "
    ".venv/bin/python benchmarks/members_admin.py"
)
PROJECT = "project"
NO_INDEX = "without the search indexes"
WITH_INDEX = "with the search indexes"
INDEX_ROUNDS = 3


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    database = databases.database_settings(EXAMPLE)
    created = databases.environment(database)
    databases.django_setup(EXAMPLE)
    _apply_pg_settings(args.pg_set)
    databases.migrate(database, created)
    _search_indexes_ensure()
    from benchmarks import members_seed

    register = members_seed.register_for(args)
    report = Report(args=args, register=register)
    report.load_before = os.getloadavg()
    _measure(args, register, report)
    report.total_s = time.perf_counter() - started
    report.print()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests")
    parser.add_argument("--warmup", type=int, default=3)
    databases.seed_arguments(parser)
    parser.add_argument(
        "--skip-index-comparison",
        action="store_true",
        help="do not measure the searches again without the search indexes",
    )
    parser.add_argument(
        "--pg-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for the session, e.g. random_page_cost=1.1",
    )
    args = parser.parse_args()
    databases.register_defaults(args)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2 (a p95 needs two samples)")
    for setting in args.pg_set:
        if not re.fullmatch(r"[a-z_]+=[\w.]+", setting):
            parser.error(f"--pg-set takes NAME=VALUE, not {setting!r}")
    return args


def _apply_pg_settings(settings: list[str]) -> None:
    """SET each NAME=VALUE on the connection now and on any later one."""
    if not settings:
        return
    from django.db import connection
    from django.db.backends.signals import connection_created

    statements = [f"SET {name} = {value}" for name, value in _pairs(settings)]

    def apply(sender, connection, **kwargs):
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    connection_created.connect(apply, weak=False)
    connection.ensure_connection()
    apply(None, connection)


def _pairs(settings: list[str]) -> list[tuple[str, str]]:
    return [tuple(setting.split("=", 1)) for setting in settings]


# Measuring -----------------------------------------------------------------


@dataclass
class Probe(Percentiles):
    """One page as one user, with its figures."""

    phase: str
    page: str
    who: str
    url: str
    rows: str
    client: object = field(repr=False)
    # The project's page this one is compared with.
    base: "Probe | None" = field(default=None, repr=False)
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    queries: int = 0
    sql: list[float] = field(default_factory=list)
    counts: list[float] = field(default_factory=list)

    def get(self):
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url} answered {response.status_code}")
        return response

    def warm(self, times: int) -> None:
        for _ in range(times):
            self.get()

    def capture(self, times: int = 3) -> None:
        """Count the queries and time the SQL of ``times`` requests."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        for _ in range(times):
            timer = _SqlTimer()
            with (
                CaptureQueriesContext(connection) as context,
                connection.execute_wrapper(timer),
            ):
                self.get()
            self.queries = max(self.queries, len(context.captured_queries))
            self.sql.append(timer.total * 1000)
            self.counts.append(timer.counts * 1000)

    def time(self) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        self.get()
        self.samples.append((time.perf_counter() - started) * 1000)
        self.cpu.append((time.process_time() - cpu) * 1000)

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu)

    @property
    def sql_ms(self) -> float:
        return statistics.median(self.sql)

    @property
    def count_ms(self) -> float:
        return statistics.median(self.counts)


class _SqlTimer:
    """Time every query of a request, and the COUNT queries apart."""

    def __init__(self):
        self.total = self.counts = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.total += elapsed
            if sql.startswith("SELECT COUNT(*)"):
                self.counts += elapsed


def _round_robin(probes: list[Probe], rounds: int) -> None:
    """Request every page in turn, ``rounds`` times."""
    gc.collect()
    for number in range(rounds):
        for probe in probes:
            probe.time()
        if (number + 1) % 10 == 0:
            print(f"  {number + 1}/{rounds} rounds", flush=True)


@dataclass
class Search:
    label: str
    term: str
    # What one would type in the stock admin, which cannot fold diacritics.
    stock_term: str | None
    sector_only: bool = False
    # The issue's own examples, timed in every variant; the others fewer times.
    in_issue: bool = False


def _measure(args, register, report: "Report") -> None:
    from django.test import override_settings

    from benchmarks import members_variants as variants

    with override_settings(ROOT_URLCONF=variants.urlconf()):
        pages = _Pages(register)
        project = pages.project()
        probes = project + pages.baseline(project) + pages.proposals(project)
        report.probes += probes
        print(f"Warming up {len(probes)} pages…", flush=True)
        for probe in probes:
            probe.warm(args.warmup)
            probe.capture()
        print(f"Timing {len(probes)} pages in turn, {args.repeat} rounds…", flush=True)
        _round_robin(probes, args.repeat)
        if not args.skip_index_comparison:
            _index_comparison(args, report, pages)


class _Pages:
    """Build the probes: which page, as whom, compared with what."""

    def __init__(self, register):
        from django.test import Client

        from members.text import fold

        self.users = {
            "sector": register.sector_user,
            "grassroots": register.grassroots_user,
        }
        self.clients = {}
        for who, user in self.users.items():
            self.clients[who] = Client()
            self.clients[who].force_login(user)
        sample = register.sample
        self.searches = [
            Search("search `nguyen van`", "nguyen van", "nguyen van", in_issue=True),
            Search("search `Nguyễn Văn`", "Nguyễn Văn", "Nguyễn Văn", in_issue=True),
            Search("search `tran thi`", "tran thi", "Trần Thị", sector_only=True),
            Search("search `nguyen`", "nguyen", "Nguyễn", sector_only=True),
            Search(
                f"search `{fold(sample.full_name)}`",
                fold(sample.full_name),
                sample.full_name,
            ),
            Search("search a phone number", sample.phone, None),
        ]

    def members(self, who: str):
        from members.models import Member
        from members.scope import scoped

        return scoped(Member.objects.all(), self.users[who])

    def changelist(self, site: str = "admin") -> str:
        from django.urls import reverse

        return reverse("admin:members_member_changelist", current_app=site)

    def search_probes(
        self,
        who: str,
        phase: str,
        site: str = "admin",
        suffix: str = "",
        *,
        in_issue_only: bool = False,
    ) -> list[Probe]:
        from members.selectors.register import member_search_q

        probes = []
        for search in self.searches:
            if search.sector_only and who != "sector":
                continue
            if in_issue_only and not search.in_issue:
                continue
            matches = self.members(who).filter(member_search_q(search.term)).count()
            url = f"{self.changelist(site)}?{urlencode({'q': search.term})}"
            probes.append(
                Probe(
                    phase,
                    search.label + suffix,
                    who,
                    url,
                    f"{matches:,}",
                    self.clients[who],
                )
            )
        return probes

    def radar_rows(self, who: str) -> tuple[int, int]:
        from members.selectors.care import care_radar

        data = care_radar(user=self.users[who], days=14)
        return len(data["stale_cases"]), len(data["upcoming"])

    def project(self) -> list[Probe]:
        from django.urls import reverse

        probes = []
        for who, client in self.clients.items():
            total = f"{self.members(who).count():,}"
            probes.append(
                Probe(PROJECT, "changelist", who, self.changelist(), total, client)
            )
            probes += self.search_probes(who, PROJECT)
            stale, upcoming = self.radar_rows(who)
            probes.append(
                Probe(
                    PROJECT,
                    "care radar, 14 days",
                    who,
                    f"{reverse('admin:members_care_radar')}?days=14",
                    f"{stale:,} stale + {upcoming:,} upcoming",
                    client,
                )
            )
        return probes

    def baseline(self, project: list[Probe]) -> list[Probe]:
        from benchmarks.members_variants import BASELINE
        from members.models import Member

        ours = {(p.page, p.who): p for p in project}
        stock = self.changelist(BASELINE)
        client = self.clients["sector"]
        probes = [
            Probe(
                BASELINE,
                "changelist",
                "sector",
                stock,
                f"{Member.objects.count():,}",
                client,
                base=ours["changelist", "sector"],
            )
        ]
        for search in self.searches:
            if search.stock_term is None:
                continue
            found = Member.objects.filter(full_name__icontains=search.stock_term)
            probes.append(
                Probe(
                    BASELINE,
                    f"{search.label} (stock: `{search.stock_term}`)",
                    "sector",
                    f"{stock}?{urlencode({'q': search.stock_term})}",
                    f"{found.count():,}",
                    client,
                    base=ours[search.label, "sector"],
                )
            )
        return probes

    def proposals(self, project: list[Probe]) -> list[Probe]:
        from django.urls import reverse

        from benchmarks import members_variants as variants

        ours = {(p.page, p.who): p for p in project}
        probes = []
        for who, client in self.clients.items():
            sites = [(variants.PROPOSAL, DRILL_DOWN)]
            if who == "sector":
                sites.append((variants.PROPOSAL_FLAT, FLAT))
            for site, label in sites:
                probes.append(
                    Probe(
                        variants.PROPOSAL,
                        f"changelist; {label}",
                        who,
                        self.changelist(site),
                        ours["changelist", who].rows,
                        client,
                    )
                )
            for site, suffix in self.search_variants(who):
                probes += self.search_probes(
                    who,
                    variants.PROPOSAL,
                    site,
                    suffix,
                    in_issue_only=who != "sector",
                )
            stale, upcoming = self.radar_rows(who)
            limit = variants.RADAR_LIMIT
            probes.append(
                Probe(
                    variants.PROPOSAL,
                    f"care radar, 14 days; lists cut at {limit}",
                    who,
                    f"{reverse('bench_capped_radar')}?days=14",
                    f"{min(stale, limit)} of {stale:,} stale + "
                    f"{min(upcoming, limit)} of {upcoming:,} upcoming",
                    client,
                )
            )
        for probe in probes:
            probe.base = ours[probe.page.split(";")[0], probe.who]
        return probes

    def search_variants(self, who: str) -> list[tuple[str, str]]:
        """Return the proposal sites whose searches are timed, and their labels."""
        from benchmarks import members_variants as variants

        if who != "sector":
            return [(variants.PROPOSAL, SEARCH_PROPOSAL)]
        return [
            (variants.PROPOSAL_FILTERS, SEARCH_FILTERS),
            (variants.PROPOSAL, SEARCH_PROPOSAL),
        ]


DRILL_DOWN = "filters from the units table, unit filter as a drill-down"
FLAT = "filters from the units table, flat unit filter"
SEARCH_FILTERS = "; drill-down filters"
SEARCH_PROPOSAL = "; drill-down filters, NULLS FIRST order"


def _index_comparison(args, report, pages: _Pages) -> None:
    """Time the searches with the search indexes dropped and restored, alternately.

    The project's searches, and the sector officer's with the proposed admin.
    """
    from django.db import connection

    from benchmarks.members_variants import PROPOSAL

    def searches(phase: str) -> list[Probe]:
        # The grassroots officer's searches go through the scope first: the
        # issue's two examples show it.
        return [
            *pages.search_probes("sector", phase),
            *pages.search_probes("grassroots", phase, in_issue_only=True),
            *pages.search_probes("sector", phase, PROPOSAL, SEARCH_PROPOSAL),
        ]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
            [list(_search_indexes())],
        )
        definitions = dict(cursor.fetchall())
    if not definitions:
        report.notes.append(
            "The search indexes of members/migrations/0002 are not in the "
            "database: no comparison without them."
        )
        return
    without, with_ = searches(NO_INDEX), searches(WITH_INDEX)
    names = ", ".join(definitions)
    print(f"Timing {len(without)} searches without and with {names}…", flush=True)
    rounds = math.ceil(args.repeat / INDEX_ROUNDS)
    quote = connection.ops.quote_name
    try:
        for number in range(INDEX_ROUNDS):
            for probes, drop in ((without, True), (with_, False)):
                with connection.cursor() as cursor:
                    for name, definition in definitions.items():
                        cursor.execute(
                            f"DROP INDEX {quote(name)}" if drop else definition
                        )
                    cursor.execute("ANALYZE members_member")
                for probe in probes:
                    probe.warm(args.warmup if number == 0 else 1)
                    probe.capture(times=1)
                _round_robin(probes, rounds)
    finally:
        with connection.cursor() as cursor:
            for definition in definitions.values():
                cursor.execute(
                    definition.replace(" INDEX ", " INDEX IF NOT EXISTS ", 1)
                )
            cursor.execute("ANALYZE members_member")
    for before, after in zip(without, with_, strict=True):
        after.base = before
    report.probes += without + with_
    report.index_names = list(definitions)


def _search_migration():
    import importlib

    try:
        return importlib.import_module("members.migrations.0002_member_name_trigram")
    except ModuleNotFoundError:
        return None


def _search_indexes() -> tuple[str, ...]:
    migration = _search_migration()
    return tuple(migration.INDEXES) if migration else ()


def _search_indexes_ensure() -> None:
    """Create the search indexes again if a killed run left them dropped."""
    from django.apps import apps
    from django.db import connection

    migration = _search_migration()
    if migration is not None:
        with connection.schema_editor() as editor:
            migration.create_search_indexes(apps, editor)


# Reporting -----------------------------------------------------------------


@dataclass
class Report:
    args: argparse.Namespace
    register: object
    probes: list[Probe] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    index_names: list[str] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    total_s: float = 0.0

    def of(self, phase: str) -> list[Probe]:
        return [probe for probe in self.probes if probe.phase == phase]

    def print(self) -> None:
        from benchmarks import members_variants as variants

        heading("Members admin and care radar (issue 3)", self._facts())
        print()
        print("### The project's pages")
        print()
        table(
            [
                "page",
                "user",
                "rows",
                "median ms",
                "p95 ms",
                "queries",
                "SQL ms",
                "of which COUNT ms",
                "Python CPU ms",
            ],
            [
                [p.page, p.who, p.rows, *_stats(p), _ms(p.count_ms), _ms(p.cpu_ms)]
                for p in self.of(PROJECT)
            ],
        )
        print()
        print(
            "### Baseline: a stock ModelAdmin, "
            '`search_fields = ("full_name",)`, no scope (sector officer)'
        )
        print()
        table(
            [
                "page",
                "rows",
                "median ms",
                "p95 ms",
                "queries",
                "SQL ms",
                "project: rows",
                "project: p95 ms",
                "stock p95 / project p95",
            ],
            [
                [
                    p.page,
                    p.rows,
                    *_stats(p),
                    p.base.rows,
                    _ms(p.base.p95_ms),
                    _ratio(p.p95_ms, p.base.p95_ms),
                ]
                for p in self.of(variants.BASELINE)
            ],
        )
        if self.of(WITH_INDEX):
            print()
            print(
                "### Searches without and with the search indexes "
                f"({', '.join(self.index_names)})"
            )
            print()
            table(
                [
                    "page",
                    "user",
                    "rows",
                    "without: median ms",
                    "without: p95 ms",
                    "without: SQL ms",
                    "with: median ms",
                    "with: p95 ms",
                    "with: SQL ms",
                    "p95 without / with",
                ],
                [
                    [
                        p.page,
                        p.who,
                        p.rows,
                        _ms(p.base.median_ms),
                        _ms(p.base.p95_ms),
                        _ms(p.base.sql_ms),
                        _ms(p.median_ms),
                        _ms(p.p95_ms),
                        _ms(p.sql_ms),
                        _ratio(p.base.p95_ms, p.p95_ms),
                    ]
                    for p in self.of(WITH_INDEX)
                ],
            )
        print()
        print("### Prototypes of the proposed changes (benchmarks/members_variants.py)")
        print()
        table(
            [
                "page",
                "user",
                "rows",
                "median ms",
                "p95 ms",
                "queries",
                "SQL ms",
                "Python CPU ms",
                "now: p95 ms",
                "p95 now / proposed",
            ],
            [
                [
                    p.page,
                    p.who,
                    p.rows,
                    *_stats(p),
                    _ms(p.cpu_ms),
                    _ms(p.base.p95_ms),
                    _ratio(p.base.p95_ms, p.p95_ms),
                ]
                for p in self.of(variants.PROPOSAL)
            ],
        )
        for note in self.notes:
            print(f"\n{note}")

    def _facts(self) -> list[str]:
        return [
            *run_facts(
                register=self.register,
                load_before=self.load_before,
                total_s=self.total_s,
            ),
            f"Each page: {self.args.warmup} warm-up requests, then "
            f"{self.args.repeat} timed requests, all pages in turn; Django's test "
            "Client in-process (DEBUG off, sessions in a local-memory cache); "
            "queries counted with CaptureQueriesContext and SQL timed around "
            "each execute in 3 more requests (one a round for the index comparison), "
            "median; Python CPU is the "
            "benchmark process's CPU time per request (PostgreSQL's is apart)",
        ]


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def _stats(probe: Probe) -> list[str]:
    return [
        _ms(probe.median_ms),
        _ms(probe.p95_ms),
        str(probe.queries),
        _ms(probe.sql_ms),
    ]


if __name__ == "__main__":
    main()
