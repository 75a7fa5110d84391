"""Benchmark the register's picture on a full-size register, cold and cached.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once by benchmarks/members_seed.py (later runs of the same size reuse
the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_picture \\
        .venv/bin/python benchmarks/register_picture.py \\
        --members 82000 --units 1000 --repeat 20

As an officer of the sector union (the whole register) and of a grassroots
union of median size, it times: the picture's page on a cold cache (the first
computation: the cache is cleared before each request), the page once the
picture is cached (issue 7's goal: under 500 ms), the selector alone counted
afresh, and a baseline measured in the same run: the obvious implementation,
one COUNT query per unit and per figure, with the retirement dates worked out
in Python for every member. Requests go through Django's test Client
in-process with DEBUG off and a local-memory cache, in turn, round after
round. It checks that the baseline and the selector agree, and prints a
markdown report.

The database name must contain "bench": a register of another size is wiped.
Give it a database of its own so that another benchmark's reseed does not
land in the middle of this one.
"""

import argparse
import gc
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import Percentiles, heading, run_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_picture "
    ".venv/bin/python benchmarks/register_picture.py"
)
GOAL_MS = 500


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    load_before = os.getloadavg()
    probes = _probes(register)
    agreement = {who: _agree(register, who) for who in ("sector", "grassroots")}
    print(f"Timing {len(probes)} probes in turn, {args.repeat} rounds…", flush=True)
    for probe in probes:
        probe.run(count_queries=True)  # warm-up, and the query count
    gc.collect()
    for number in range(args.repeat):
        for probe in probes:
            probe.run()
        if (number + 1) % 5 == 0:
            print(f"  {number + 1}/{args.repeat} rounds", flush=True)
    _report(
        args=args,
        register=register,
        probes=probes,
        agreement=agreement,
        load=(load_before, os.getloadavg()),
        total_s=time.perf_counter() - started,
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    parser.add_argument("--repeat", type=int, default=20, help="timed rounds")
    databases.seed_arguments(parser)
    args = parser.parse_args()
    databases.register_defaults(args)
    if args.repeat < 2:
        parser.error("--repeat must be at least 2 (a p95 needs two samples)")
    return args


# The baseline ----------------------------------------------------------------


def naive_picture(*, user, today) -> dict:
    """Count the picture the obvious way: one COUNT per unit and per figure.

    The units are the children of the user's unit (treebeard's get_children);
    the retirement months are worked out in Python for every current member.
    """
    from members.models import CareCase, Member, Relative, Unit
    from members.picture_counts import (
        AGE_BANDS,
        CHILD_AGES,
        CURRENT,
        SERVICE_BANDS,
        retirement_months,
        years_before,
    )
    from members.retirement import retirement_date
    from members.scope import scoped, staff_unit_paths

    members = scoped(Member.objects.all(), user)
    current = members.filter(status__in=CURRENT)
    cases = scoped(CareCase.objects.all(), user).filter(status="open")
    (path,) = staff_unit_paths(user)
    base = Unit.objects.get(path=path)
    units = {}
    for unit in Unit.objects.get_children(base):
        below = {"unit__path__startswith": unit.path}
        units[unit.name] = (
            current.filter(**below).count(),
            current.filter(**below, gender="female").count(),
            cases.filter(member__unit__path__startswith=unit.path).count(),
        )
    status = {s: members.filter(status=s).count() for s in Member.Status.values}
    ages = {}
    for index, (low, _label) in enumerate(AGE_BANDS):
        high = AGE_BANDS[index + 1][0] if index + 1 < len(AGE_BANDS) else None
        band = current.exclude(date_of_birth=None)
        if low:
            band = band.filter(date_of_birth__lte=years_before(today, low))
        if high is not None:
            band = band.filter(date_of_birth__gt=years_before(today, high))
        for gender in ("male", "female", ""):
            ages[index, gender] = band.filter(gender=gender).count()
    service = {}
    for index, (low, _label) in enumerate(SERVICE_BANDS):
        high = SERVICE_BANDS[index + 1][0] if index + 1 < len(SERVICE_BANDS) else None
        for lookup in ("union_joined_on", "hired_on"):
            band = current.exclude(**{lookup: None})
            if low:
                band = band.filter(**{f"{lookup}__lte": years_before(today, low)})
            if high is not None:
                band = band.filter(**{f"{lookup}__gt": years_before(today, high)})
            if lookup == "hired_on":
                band = band.filter(union_joined_on__isnull=True)
            service[index] = service.get(index, 0) + band.count()
    months = {end.strftime("%Y-%m"): 0 for end in retirement_months(today)}
    past = 0
    for gender, born in current.exclude(gender="").values_list(
        "gender", "date_of_birth"
    ):
        if born is None:
            continue
        retires = retirement_date(gender=gender, birth_date=born)
        if retires.strftime("%Y-%m") in months:
            months[retires.strftime("%Y-%m")] += 1
        elif retires < today.replace(day=1):
            past += 1
    children = scoped(Relative.objects.all(), user).filter(
        relationship="child", member__status__in=CURRENT, date_of_birth__lte=today
    )
    young = {}
    for age in CHILD_AGES:
        under = children.filter(date_of_birth__gt=years_before(today, age))
        young[age] = (under.values("member").distinct().count(), under.count())
    care = {kind: cases.filter(kind=kind).count() for kind in CareCase.Kind.values}
    return {
        "units": units,
        "status": status,
        "ages": ages,
        "service": service,
        "retirement": (past, sum(months.values())),
        "children": young,
        "care": care,
    }


def _agree(register, who: str) -> str:
    """Compare the baseline's figures with the selector's; return what differs."""
    from django.utils import timezone, translation

    from members.selectors.picture import register_picture

    user = _user(register, who)
    today = timezone.localdate()
    naive = naive_picture(user=user, today=today)
    with translation.override("en"):
        picture = register_picture(user=user, today=today, fresh=True)
        rows = {
            block.key: {str(row.label): row.values for row in block.rows}
            for block in picture.blocks
        }
    ours = {
        "units": {
            label: values
            for label, values in rows["units"].items()
            if not label.startswith("Directly in")
        },
        "status": [values[0] for values in rows["status"].values()],
        "ages": [
            values
            for label, values in rows["age"].items()
            if "not recorded" not in label
        ],
        "service": [
            values[0]
            for label, values in rows["service"].items()
            if "not recorded" not in label
        ],
        "retirement": (
            rows["retirement"]["Already past retirement age"][0],
            picture.block("retirement").total.values[0],
        ),
        "children": list(rows["children"].values()),
        "care": [values[0] for values in rows["care"].values()],
    }
    theirs = {
        "units": naive["units"],
        "status": list(naive["status"].values()),
        "ages": [
            (
                sum(naive["ages"][index, g] for g in ("male", "female", "")),
                naive["ages"][index, "male"],
                naive["ages"][index, "female"],
            )
            for index in range(len(ours["ages"]))
        ],
        "service": [naive["service"][index] for index in range(len(ours["service"]))],
        "retirement": naive["retirement"],
        "children": list(naive["children"].values()),
        "care": list(naive["care"].values()),
    }
    differ = [key for key in ours if ours[key] != theirs[key]]
    return "yes" if not differ else "NO: " + ", ".join(differ)


# Measuring -------------------------------------------------------------------


@dataclass
class Probe(Percentiles):
    """One way of getting the picture, as one user, with its timings."""

    what: str
    who: str
    call: object = field(repr=False)
    # Run before each timed call, untimed (clearing the cache).
    before: object = field(default=None, repr=False)
    samples: list[float] = field(default_factory=list)
    queries: int = 0

    def run(self, *, count_queries: bool = False) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if self.before is not None:
            self.before()
        if count_queries:
            with CaptureQueriesContext(connection) as context:
                self.call()
            self.queries = len(context.captured_queries)
            return
        started = time.perf_counter()
        self.call()
        self.samples.append((time.perf_counter() - started) * 1000)


def _user(register, who: str):
    from members.models import User

    # A fresh instance: the scope's cached roles must not carry over.
    source = register.sector_user if who == "sector" else register.grassroots_user
    return User.objects.get(pk=source.pk)


def _probes(register) -> list[Probe]:
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from members.selectors.picture import register_picture

    url = reverse("admin:members_register_picture")
    probes = []
    for who in ("sector", "grassroots"):
        client = Client()
        client.force_login(_user(register, who))

        def page(client=client):
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        def fresh(who=who):
            register_picture(user=_user(register, who), fresh=True)

        def naive(who=who):
            naive_picture(user=_user(register, who), today=timezone.localdate())

        probes += [
            Probe("baseline: one COUNT a unit and a figure", who, naive),
            Probe("selector, counted afresh", who, fresh),
            Probe("page, first computation (cache cleared)", who, page, cache.clear),
            Probe("page, cached", who, page),
        ]
    return probes


# Report ----------------------------------------------------------------------


def _report(*, args, register, probes, agreement, load, total_s) -> None:
    from members.selectors.picture import PICTURE_TTL

    facts = [
        *run_facts(
            register=register,
            load_before=load[0],
            load_after=load[1],
            total_s=total_s,
            pg_settings=(),
        ),
        f"Each probe: 1 warm-up (queries counted), then {args.repeat} timed "
        "runs, all probes in turn; Django's test Client in-process (DEBUG off, "
        f"local-memory cache); the picture is cached {PICTURE_TTL} s",
        "Baseline and selector give the same figures: "
        + "; ".join(f"{who} {result}" for who, result in agreement.items()),
    ]
    heading("Register's picture (issue 7)", facts)
    print()
    by = {(p.who, p.what): p for p in probes}
    rows = []
    for probe in probes:
        base = by[probe.who, probes[0].what]
        rows.append(
            [
                probe.what,
                probe.who,
                f"{probe.median_ms:.1f}",
                f"{probe.p95_ms:.1f}",
                str(probe.queries),
                f"{base.median_ms / probe.median_ms:.1f}",
            ]
        )
    table(["probe", "user", "median ms", "p95 ms", "queries", "baseline / this"], rows)
    print()
    for who in ("sector", "grassroots"):
        cached = by[who, "page, cached"]
        verdict = "meets" if cached.p95_ms < GOAL_MS else "misses"
        print(
            f"- {who}: the cached page's p95 {cached.p95_ms:.1f} ms {verdict} "
            f"the issue's goal of {GOAL_MS} ms."
        )


if __name__ == "__main__":
    main()
