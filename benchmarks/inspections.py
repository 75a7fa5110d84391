"""Benchmark inspections: the sector's split dashboard and the overdue recommendations.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once (later runs of the same sizes reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/up_inspect_bench \\
        .venv/bin/python benchmarks/inspections.py \\
        --activities 100000 --repeat 30

The register (units, members) comes from members_seed.py; the inspections are
those of ``seed_demo --scale full`` (inspections/scale.py, which says what it
writes) at the factor that gives ``--activities`` activities: the sector, each
upper and each grassroots union an inspecting unit with a plan a year (this
year and the last), activities by kind, mode, quarter and status (some moved,
some cancelled), findings on half the done ones, and three recommendations an
activity, a fifth of them overdue. All written with COPY.

Measured in-process with Django's test Client, DEBUG off, as the sector
union's officer (the whole register): the split page of this year, and the
recommendations' changelist filtered to the overdue ones; beside them in the
same rounds the selectors alone, and the naive baselines: the split counted by
a Python loop over every activity, and the overdue page found by walking the
recommendations in due order with a query for each row's unit and owner.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import heading, run_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/up_inspect_bench "
    ".venv/bin/python benchmarks/inspections.py"
)
ADMIN_EMAIL = "bench-admin@congdoan.local"
MEMBER_EMAIL = "bench-member@congdoan.local"
UPPER_EMAIL = "bench-upper@congdoan.local"
GOALS = {"split page": 300.0, "overdue list": 150.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    databases.seed_arguments(parser)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    databases.register_defaults(args)
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    seeded = seed(args, register)
    load_before = os.getloadavg()
    results = measure(args, register)
    load_after = os.getloadavg()
    facts = run_facts(
        register=register,
        load_before=load_before,
        load_after=load_after,
        total_s=time.perf_counter() - started,
    )
    facts.append(seeded)
    heading("Inspections: the split dashboard and the overdue recommendations", facts)
    rows = []
    for name, (project, naive, selector, queries) in results.items():
        rows.append(
            [
                name,
                f"{_p(project, 50):.1f}",
                f"{_p(project, 95):.1f}",
                str(queries),
                f"{_p(selector, 95):.1f}",
                f"{_p(naive, 50):.1f}",
                f"{_p(naive, 95):.1f}",
                f"{_p(naive, 95) / _p(project, 95):.1f}",
                f"{GOALS[name]:.0f}",
            ]
        )
    table(
        [
            "page",
            "median ms",
            "p95 ms",
            "queries",
            "selector p95 ms",
            "naive median ms",
            "naive p95 ms",
            "naive/project (p95)",
            "goal p95 ms",
        ],
        rows,
        left=1,
    )


def _p(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))
    return ordered[index]


def seed(args, register) -> str:
    """Write the activities, findings and recommendations, unless already there.

    The rows are those of ``seed_demo --scale full`` (inspections.scale), at
    the factor that gives ``--activities`` activities.
    """
    from django.utils import timezone

    from inspections.scale import seed as inspections_seed
    from members.management.scale import FULL, Scale

    scale = Scale(
        today=timezone.localdate(),
        factor=args.activities / FULL["inspection_activities"],
        seed=args.seed,
    )
    return inspections_seed(scale=scale, people=bench_people(register))


def bench_people(register):
    """The demo's accounts over the benchmark's register, made once.

    An administrator (the lead of last resort), the sample member with a
    portal account, an officer of the sample's upper union, and the
    register's grassroots officer as the care officer.
    """
    from benchmarks.members_seed import _staff_user
    from members.management.demo_activity import DemoPeople
    from members.models import Member, Unit, User

    admin = User.objects.filter(email=ADMIN_EMAIL).first()
    if admin is None:
        admin = User.objects.create_superuser(ADMIN_EMAIL, None, name="Quản trị")
    member = Member.objects.select_related("unit", "user").get(pk=register.sample.pk)
    if member.user is None:
        member.user = User.objects.filter(email=MEMBER_EMAIL).first()
        if member.user is None:
            member.user = User.objects.create_user(
                MEMBER_EMAIL, None, name=member.full_name
            )
        member.save(update_fields=["user"])
    upper = Unit.objects.get(path=member.unit.path[: 2 * Unit.steplen])
    return DemoPeople(
        admin=admin,
        member_user=member.user,
        member=member,
        officer=_staff_user(UPPER_EMAIL, "Cán bộ Công đoàn cấp trên", upper),
        carer=register.grassroots_user,
    )


def measure(args, register) -> dict:
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from inspections.selectors.followup import (
        recommendations_overdue_naive,
        recommendations_overdue_page,
    )
    from inspections.selectors.split import split_dashboard, split_naive

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["*"]
    user = register.sector_user
    client = Client()
    client.force_login(user)
    today = timezone.localdate()
    year = today.year
    pages = {
        "split page": f"/admin/inspections/activity/ty-le/?year={year}",
        "overdue list": "/admin/inspections/recommendation/?overdue=yes",
    }
    selectors = {
        "split page": lambda: split_dashboard(user=user, year=year),
        "overdue list": lambda: recommendations_overdue_page(user=user, today=today),
    }
    naives = {
        "split page": lambda: split_naive(user=user, year=year),
        "overdue list": lambda: recommendations_overdue_naive(user=user, today=today),
    }
    results = {}
    for name, url in pages.items():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        counted = []

        def count(execute, *arguments, counted=counted):
            counted.append(1)
            return execute(*arguments)

        with connection.execute_wrapper(count):
            client.get(url)
        project, naive, selector = [], [], []
        for round_ in range(args.repeat):
            for samples, call in (
                (project, lambda url=url: client.get(url)),
                (selector, selectors[name]),
                (naive, naives[name]),
            ):
                began = time.perf_counter()
                call()
                samples.append((time.perf_counter() - began) * 1000)
            reset_queries()
            if (round_ + 1) % 10 == 0:
                print(f"  {name}: {round_ + 1}/{args.repeat} rounds", flush=True)
        results[name] = (project, naive, selector, len(counted))
    return results


if __name__ == "__main__":
    main()
