"""Benchmark the generation of care programmes' eligible lists on a full register.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once with benchmarks/members_seed.py (later runs of the same size reuse
the register) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_programmes \\
        .venv/bin/python benchmarks/care_programmes.py --members 82000

For sector-wide programmes of several shapes (members by gender, status and
age band; relatives by relationship and age; members by their relatives, with
an extra amount per relative; every active member) it times, as the project
does it (members.services.programmes: one INSERT ... SELECT ... ON CONFLICT
and one DELETE): the first generation, a refresh with nothing changed, a
refresh after 1% of the members changed, and the after-commit refresh of 100
members. In the same run it times two baselines that evaluate the same rules
in Python (members.eligibility.RulesInPython): a naive one, member by member
with their relatives read and their row written one at a time (on a sample,
scaled to the register), and one that reads the register in two queries and
inserts with bulk_create. Each baseline's list is checked against the
project's. It prints a markdown report.

The database name must contain "bench": a register of another size is wiped.
"""

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import heading, run_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_programmes "
    ".venv/bin/python benchmarks/care_programmes.py"
)
TARGET_S = 10.0
# The shapes of programme timed, sector-wide: (label, beneficiary, rules, bands,
# amount, extra amount).
SHAPES = [
    (
        "women's health check: gender, status, amount by age band",
        "member",
        (("gender", "eq", "female"), ("status", "in", "active")),
        ((40, 650_000),),
        250_000,
        0,
    ),
    (
        "children under 15: relatives by relationship and age",
        "relative",
        (
            ("status", "in", "active"),
            ("relationship", "eq", "child"),
            ("relative_age", "lt", "15"),
        ),
        (),
        300_000,
        0,
    ),
    (
        "members with a child under 15, extra per further child",
        "member",
        (
            ("status", "in", "active"),
            ("relationship", "eq", "child"),
            ("relative_age", "lt", "15"),
        ),
        (),
        500_000,
        200_000,
    ),
    (
        "every active member (the largest list)",
        "member",
        (("status", "in", "active"),),
        ((50, 800_000),),
        500_000,
        0,
    ),
]
BENCH_PREFIX = "[bench] "


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    report = Report(args=args, register=register)
    report.load_before = os.getloadavg()
    _measure(args, register, report)
    report.total_s = time.perf_counter() - started
    report.print()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser, units=None)
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each generation"
    )
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=3_000,
        help="members the naive baseline evaluates (its time is scaled up)",
    )
    databases.seed_arguments(parser)
    args = parser.parse_args()
    if args.units is None:
        args.units = max(11, round(1_000 * (args.members / 82_000)))
    databases.register_defaults(args)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


# Measuring -------------------------------------------------------------------


@dataclass
class Timing:
    """The figures of one programme shape."""

    label: str
    rows: int = 0
    first: list[float] = field(default_factory=list)
    unchanged: list[float] = field(default_factory=list)
    changed: list[float] = field(default_factory=list)
    changed_rows: int = 0
    members_100: list[float] = field(default_factory=list)
    python_bulk: float = 0.0
    python_bulk_read: float = 0.0
    naive: float = 0.0
    naive_sample: int = 0
    naive_per_member_ms: float = 0.0
    population: int = 0
    agree: str = ""

    @property
    def naive_scaled(self) -> float:
        return self.naive_per_member_ms * self.population / 1000


def _programme(sector, number: int, shape) -> object:
    from members.models import CareProgramme, ProgrammeAmountBand, ProgrammeRule

    label, beneficiary, rules, bands, amount, extra = shape
    programme = CareProgramme.objects.create(
        unit=sector,
        name=f"{BENCH_PREFIX}{number}: {label}",
        beneficiary=beneficiary,
        amount=amount,
        extra_amount=extra,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        reference_on=date(2026, 6, 1),
        status=CareProgramme.Status.OPEN,
    )
    ProgrammeRule.objects.bulk_create(
        ProgrammeRule(programme=programme, field=f, operator=o, value=v)
        for f, o, v in rules
    )
    ProgrammeAmountBand.objects.bulk_create(
        ProgrammeAmountBand(programme=programme, from_age=a, amount=m) for a, m in bands
    )
    return programme


def _clear(programme) -> None:
    from members.models import ProgrammeEligibility

    ProgrammeEligibility.objects.filter(programme=programme).delete()


def _vacuum() -> None:
    from django.db import connection

    from members.models import ProgrammeEligibility

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE "
            + connection.ops.quote_name(ProgrammeEligibility._meta.db_table)
        )


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _measure(args, register, report: "Report") -> None:
    from members.models import CareProgramme, Member
    from members.services.programmes import programme_eligibility_refresh

    CareProgramme.objects.filter(name__startswith=BENCH_PREFIX).delete()
    programmes = [
        _programme(register.sector, number, shape)
        for number, shape in enumerate(SHAPES, start=1)
    ]
    member_ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    # The members an after-commit refresh would carry: 100 spread over the register.
    hundred = member_ids[:: max(1, len(member_ids) // 100)][:100]
    for programme, shape in zip(programmes, SHAPES, strict=True):
        timing = Timing(label=shape[0])
        report.timings.append(timing)
        print(f"{timing.label}…", flush=True)

        def refresh(programme=programme, **kwargs):
            return programme_eligibility_refresh(programme_id=programme.pk, **kwargs)

        for _ in range(args.repeat):
            _clear(programme)
            _vacuum()
            timing.first.append(_timed(refresh))
        timing.rows = programme.eligibilities.count()
        for _ in range(args.repeat):
            timing.unchanged.append(_timed(refresh))
        changes = []
        for round_ in range(args.repeat):
            changes.append(_change_one_percent(member_ids, round_))
            timing.changed_rows = len(changes[-1][0])
            timing.changed.append(_timed(refresh))
        for chosen, delta in changes:  # the register as it was, for the next run
            _shift_births(chosen, -delta)
        refresh()
        for _ in range(args.repeat):
            timing.members_100.append(
                _timed(lambda h=hundred, p=programme: refresh(p, member_ids=h))
            )
        expected = dict(
            programme.eligibilities.values_list("beneficiary_key", "amount")
        )
        _baselines(args, programme, timing, expected, member_ids)
    _pages(args, register, programmes, report)
    for programme in programmes:
        programme.eligibilities.all().delete()
        programme.rules.all().delete()
        programme.bands.all().delete()
        programme.delete()


def _change_one_percent(member_ids: list[int], round_: int) -> tuple[list[int], int]:
    """Move the birth date of 1% of the members by a year; return whom and how."""
    chosen = member_ids[round_ % 100 :: 100]
    delta = 365 if round_ % 2 == 0 else -365
    _shift_births(chosen, delta)
    return chosen, delta


def _shift_births(member_ids: list[int], days: int) -> None:
    from django.db.models import F

    from members.models import Member

    Member.objects.filter(pk__in=member_ids, date_of_birth__isnull=False).update(
        date_of_birth=F("date_of_birth") + timedelta(days=days)
    )


# Baselines ----------------------------------------------------------------------


def _rules(programme):
    from members.eligibility import RulesInPython, rules_parse

    programme.refresh_from_db()
    rules = rules_parse(programme.rules.all())
    return RulesInPython(programme, rules, list(programme.bands.all()))


def _open_case_kinds() -> dict[int, set[str]]:
    from members.models import CareCase

    kinds: dict[int, set[str]] = {}
    for member_id, kind in CareCase.objects.filter(status="open").values_list(
        "member_id", "kind"
    ):
        kinds.setdefault(member_id, set()).add(kind)
    return kinds


def _evaluate(python, member, relatives, kinds) -> list[tuple[str, int | None, int]]:
    """Return the (key, relative id, amount) rows one member brings to the list."""
    from members.models import CareProgramme

    programme = python.programme
    if not python.member_matches(
        member, unit_path=member.unit.path, open_case_kinds=kinds.get(member.pk, ())
    ):
        return []
    matching = [r for r in relatives if python.relative_matches(r)]
    if programme.beneficiary == CareProgramme.Beneficiary.RELATIVE:
        return [(f"r{r.pk}", r.pk, python.amount(r.date_of_birth)) for r in matching]
    if python.relative_rules and not matching:
        return []
    further = max(len(matching) - 1, 0) if python.relative_rules else 0
    return [
        (f"m{member.pk}", None, python.amount(member.date_of_birth, further=further))
    ]


def _baselines(args, programme, timing, expected, member_ids) -> None:
    """Time both Python baselines on a copy of the programme, and check their lists."""
    from django.db import transaction
    from django.utils import timezone

    from members.models import (
        Member,
        ProgrammeEligibility,
        ProgrammeRule,
    )

    copy = type(programme).objects.get(pk=programme.pk)
    copy.pk = None
    copy.name = f"{programme.name} (baseline)"
    copy.save()
    ProgrammeRule.objects.bulk_create(
        ProgrammeRule(programme=copy, field=r.field, operator=r.operator, value=r.value)
        for r in programme.rules.all()
    )
    for band in programme.bands.all():
        band.pk, band.programme = None, copy
        band.save()
    python = _rules(copy)
    timing.population = len(member_ids)

    # Python, the register read in two queries, rows inserted in batches.
    started = time.perf_counter()
    kinds = _open_case_kinds()
    members = Member.objects.select_related("unit").prefetch_related("relatives")
    rows = []
    for member in members.iterator(chunk_size=2000):
        rows += [
            (member, key, relative_id, amount)
            for key, relative_id, amount in _evaluate(
                python, member, member.relatives.all(), kinds
            )
        ]
    timing.python_bulk_read = time.perf_counter() - started
    now = timezone.now()
    with transaction.atomic():
        ProgrammeEligibility.objects.bulk_create(
            (
                ProgrammeEligibility(
                    programme=copy,
                    member_id=member.pk,
                    relative_id=relative_id,
                    beneficiary_key=key,
                    unit_id=member.unit_id,
                    amount=amount,
                    created_at=now,
                    updated_at=now,
                )
                for member, key, relative_id, amount in rows
            ),
            batch_size=2000,
        )
    timing.python_bulk = time.perf_counter() - started
    got = dict(copy.eligibilities.values_list("beneficiary_key", "amount"))
    agree = got == expected
    copy.eligibilities.all().delete()

    # Naive: member by member, relatives read and rows written one at a time.
    sample = member_ids[:: max(1, len(member_ids) // args.baseline_sample)][
        : args.baseline_sample
    ]
    started = time.perf_counter()
    with transaction.atomic():
        for member in Member.objects.filter(pk__in=sample).select_related("unit"):
            relatives = list(member.relatives.all())
            kinds = {
                member.pk: set(
                    member.care_cases.filter(status="open").values_list(
                        "kind", flat=True
                    )
                )
            }
            for key, relative_id, amount in _evaluate(python, member, relatives, kinds):
                ProgrammeEligibility.objects.update_or_create(
                    programme=copy,
                    beneficiary_key=key,
                    defaults={
                        "member_id": member.pk,
                        "relative_id": relative_id,
                        "unit_id": member.unit_id,
                        "amount": amount,
                        "updated_at": now,
                    },
                    create_defaults={
                        "member_id": member.pk,
                        "relative_id": relative_id,
                        "unit_id": member.unit_id,
                        "amount": amount,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
    timing.naive = time.perf_counter() - started
    timing.naive_sample = len(sample)
    timing.naive_per_member_ms = timing.naive * 1000 / max(1, len(sample))
    sampled = dict(copy.eligibilities.values_list("beneficiary_key", "amount"))
    sampled_members = set(sample)
    in_sample = {
        key: amount
        for key, amount in expected.items()
        if _member_of(key) in sampled_members
    }
    agree = agree and sampled == in_sample
    timing.agree = "yes" if agree else "NO"
    copy.eligibilities.all().delete()
    copy.rules.all().delete()
    copy.bands.all().delete()
    copy.delete()


# The admin's eligible lists ---------------------------------------------------


@dataclass
class Page:
    label: str
    who: str
    rows: int
    samples: list[float] = field(default_factory=list)
    queries: int = 0


def _pages(args, register, programmes, report: "Report") -> None:
    """Time the admin's eligible list of the largest programme, as sector and unit."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from members.models import ProgrammeEligibility
    from members.scope import scoped

    programme = max(programmes, key=lambda p: p.eligibilities.count())
    url = reverse("admin:members_programmeeligibility_changelist")
    for who, user in (
        ("sector", register.sector_user),
        ("grassroots", register.grassroots_user),
    ):
        client = Client()
        client.force_login(user)
        listed = scoped(ProgrammeEligibility.objects.all(), user).filter(
            programme=programme
        )
        for label, query in (
            ("eligible list, first page", f"?programme={programme.pk}"),
            (
                "eligible list, not yet delivered",
                f"?programme={programme.pk}&delivered=no",
            ),
        ):
            page = Page(label, who, listed.count())
            report.pages.append(page)
            for _ in range(2):
                client.get(url + query)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url + query)
            if response.status_code != 200:
                raise RuntimeError(f"{url}{query} answered {response.status_code}")
            page.queries = len(captured.captured_queries)
            for _ in range(max(5, args.repeat)):
                page.samples.append(_timed(lambda q=query, c=client: c.get(url + q)))


_relative_members: dict[int, int] = {}


def _member_of(key: str) -> int:
    """Return the member id behind a beneficiary key."""
    from members.models import Relative

    if key.startswith("m"):
        return int(key[1:])
    if not _relative_members:
        _relative_members.update(Relative.objects.values_list("pk", "member_id"))
    return _relative_members[int(key[1:])]


# Report -------------------------------------------------------------------------


@dataclass
class Report:
    args: argparse.Namespace
    register: object
    timings: list[Timing] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    total_s: float = 0.0

    def print(self) -> None:
        heading("Care programmes: eligible lists (issue 7)", self._facts())
        print()
        print("### Generation by the database (members.services.programmes)")
        print()
        table(
            [
                "programme (sector-wide)",
                "rows",
                "first generation s",
                "refresh, unchanged s",
                "refresh after 1% changed s",
                "100 members' refresh ms",
                f"under {TARGET_S:.0f} s",
            ],
            [
                [
                    t.label,
                    f"{t.rows:,}",
                    _s(_median(t.first)),
                    _s(_median(t.unchanged)),
                    _s(_median(t.changed)),
                    f"{_median(t.members_100) * 1000:.0f}",
                    "yes" if max(t.first) < TARGET_S else "NO",
                ]
                for t in self.timings
            ],
        )
        print()
        print("### Baselines: the same rules evaluated in Python, in the same run")
        print()
        table(
            [
                "programme (sector-wide)",
                "project: first generation s",
                "Python, 2 queries + bulk_create s",
                "of which reading and evaluating s",
                "naive, member by member s (scaled)",
                "naive: sample",
                "bulk / project",
                "naive / project",
                "same list",
            ],
            [
                [
                    t.label,
                    _s(_median(t.first)),
                    _s(t.python_bulk),
                    _s(t.python_bulk_read),
                    _s(t.naive_scaled),
                    f"{t.naive_sample:,} members, {t.naive:.1f} s",
                    _ratio(t.python_bulk, _median(t.first)),
                    _ratio(t.naive_scaled, _median(t.first)),
                    t.agree,
                ]
                for t in self.timings
            ],
        )
        print()
        print(
            "### The admin's eligible list of the largest programme "
            "(Django's test Client, DEBUG off)"
        )
        print()
        table(
            ["page", "user", "rows in scope", "median ms", "max ms", "queries"],
            [
                [
                    p.label,
                    p.who,
                    f"{p.rows:,}",
                    f"{_median(p.samples) * 1000:.0f}",
                    f"{max(p.samples) * 1000:.0f}",
                    str(p.queries),
                ]
                for p in self.pages
            ],
        )

    def _facts(self) -> list[str]:
        return [
            *run_facts(
                register=self.register,
                load_before=self.load_before,
                total_s=self.total_s,
                users=False,
            ),
            f"Each generation timed {self.args.repeat} times, median (the first "
            "generation after emptying the list and VACUUM ANALYZE of its table); "
            "reference date 01/06/2026; each timing includes the transaction's "
            "commit",
        ]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _s(value: float) -> str:
    return f"{value:.2f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}" if b else "n/a"


if __name__ == "__main__":
    main()
