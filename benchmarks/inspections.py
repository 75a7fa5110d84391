"""Benchmark inspections: the sector's split dashboard and the overdue recommendations.

Run it on PostgreSQL; the database is created when it is missing, migrated,
seeded once (later runs of the same sizes reuse the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/up_inspect_bench \\
        .venv/bin/python benchmarks/inspections.py \\
        --activities 100000 --recommendations 300000 --repeat 30

The register (units, members) comes from members_seed.py. Every unit with
units under it has an inspection committee and a plan a year (this year and
the last); ``--activities`` activities are spread over them, each inspecting a
unit of the committee's subtree, by kind, mode, quarter and status (some moved,
some cancelled); half the done ones have a finding, and ``--recommendations``
recommendations hang off the findings, a fifth of them overdue. All written
with COPY (members.bulk.rows_insert).

Measured in-process with Django's test Client, DEBUG off, as the sector
union's officer (the whole register): the split page of this year, and the
recommendations' changelist filtered to the overdue ones; beside them in the
same rounds the selectors alone, and the naive baselines: the split counted by
a Python loop over every activity, and the overdue page found by walking the
recommendations in due order with a query for each row's unit and owner.
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
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
LEAD_EMAIL = "bench-inspector-{}@congdoan.local"
GOALS = {"split page": 300.0, "overdue list": 150.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    databases.seed_arguments(parser)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--recommendations", type=int, default=300_000)
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
    """Write the activities, findings and recommendations, unless already there."""
    from django.db import connection, transaction

    from inspections.models import Activity, Finding, Plan, Recommendation
    from members.bulk import rows_insert
    from members.models import Unit, User

    if (
        Activity.objects.count() == args.activities
        and Recommendation.objects.count() == args.recommendations
        and not args.reseed
    ):
        return "Inspections: reused from an earlier run of the same size"
    started = time.perf_counter()
    rng = random.Random(args.seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE inspections_recommendation, inspections_finding, "
            "inspections_answersubmission, inspections_checklistanswer, "
            "inspections_activitydocument, inspections_activity_team, "
            "inspections_activity_contacts, inspections_activity, inspections_plan "
            "CASCADE"
        )
    units = list(Unit.objects.order_by("path").values_list("pk", "path"))
    paths = [path for _pk, path in units]
    committees = [
        (pk, path)
        for pk, path in units
        if any(other != path and other.startswith(path) for other in paths[:])
    ][:400]
    subtree = {
        pk: [u for u, p in units if p.startswith(path)] for pk, path in committees
    }
    leads = []
    for number in range(20):
        user = User.objects.filter(email=LEAD_EMAIL.format(number)).first()
        leads.append(
            user
            or User.objects.create_user(
                LEAD_EMAIL.format(number), None, name=f"Kiểm tra viên {number}"
            )
        )
    today = date.today()  # noqa: DTZ011 the benchmark's data, not the portal's
    years = (today.year - 1, today.year)
    with transaction.atomic():
        plans = [
            {"inspecting_unit_id": pk, "year": year, "title": f"Kế hoạch {year}"}
            for pk, _path in committees
            for year in years
        ]
        plan_objects = [Plan(**row) for row in plans]
        rows_insert(Plan, plan_objects)
        plan_of = {(p.inspecting_unit_id, p.year): p.pk for p in plan_objects}
        weights = [len(subtree[pk]) for pk, _path in committees]
        activities = []
        for _number in range(args.activities):
            committee = rng.choices(committees, weights=weights)[0][0]
            year = rng.choice(years)
            start = date(year, 1, 1) + timedelta(days=rng.randrange(360))
            kind = rng.choice(("inspection", "supervision"))
            online = rng.random() < (0.72 if kind == "inspection" else 0.95)
            first = start
            if rng.random() < 0.05:
                first = start - timedelta(days=rng.randrange(30, 90))
                first = max(first, date(year, 1, 1))
            if rng.random() < 0.04:
                status = "cancelled"
            elif start < today - timedelta(days=3):
                status = rng.choice(("concluded", "concluded", "closed"))
            else:
                status = "planned"
            done = status in ("concluded", "closed")
            activities.append(
                Activity(
                    plan_id=plan_of[(committee, year)],
                    inspecting_unit_id=committee,
                    year=year,
                    inspected_unit_id=rng.choice(subtree[committee]),
                    kind=kind,
                    mode="online" if online else "in_person",
                    topic="Kiểm tra chấp hành Điều lệ",
                    planned_start=start,
                    planned_end=start + timedelta(days=1),
                    original_start=first,
                    actual_start=start if done else None,
                    actual_end=start + timedelta(days=1) if done else None,
                    status=status,
                    lead_id=rng.choice(leads).pk,
                    cancelled_reason="Sáp nhập" if status == "cancelled" else "",
                )
            )
        rows_insert(Activity, activities)
        done = [a for a in activities if a.status in ("concluded", "closed")]
        findings = [
            Finding(
                activity_id=a.pk,
                inspected_unit_id=a.inspected_unit_id,
                topic="Thu, nộp đoàn phí",
                topic_key="thu, nop doan phi",
                description="Nộp chậm",
                created_by_id=a.lead_id,
            )
            for a in done[: max(1, len(done) // 2)]
        ]
        rows_insert(Finding, findings)
        activity_of = {a.pk: a for a in activities}
        recommendations = []
        for number in range(args.recommendations):
            finding = findings[number % len(findings)]
            activity = activity_of[finding.activity_id]
            due = activity.planned_start + timedelta(days=rng.randrange(30, 120))
            overdue = rng.random() < 0.2
            status = (
                rng.choice(("open", "returned"))
                if overdue or due >= today
                else rng.choice(("accepted", "accepted", "responded"))
            )
            recommendations.append(
                {
                    "finding_id": finding.pk,
                    "inspected_unit_id": activity.inspected_unit_id,
                    "inspecting_unit_id": activity.inspecting_unit_id,
                    "text": "Khắc phục việc nộp chậm đoàn phí",
                    "owner_id": rng.choice(leads).pk,
                    "due_date": due,
                    "status": status,
                }
            )
        rows_insert(Recommendation, recommendations)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return (
        f"Inspections: {len(committees)} committees, {len(plan_objects):,} plans, "
        f"{len(activities):,} activities, {len(findings):,} findings, "
        f"{len(recommendations):,} recommendations, seeded in "
        f"{time.perf_counter() - started:.1f} s"
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
