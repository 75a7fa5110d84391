"""Benchmark the member feed: working a feed out and reading its page, against history.

Run it on PostgreSQL (the database is created when missing and migrated)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_feed \\
        .venv/bin/python benchmarks/feed_page.py --days 730 --posts-per-day 6 \\
        --repeat 30

It makes one unit and one member (kept between runs), publishes
``--posts-per-day`` posts a day for ``--days`` days (one in four union
messaging) and works the member's feed out day by day, as daily visits would.
Then, round after round, one new post is published (not timed) and the feed
page's work is timed two ways in turn: the project's (``feed_sync``, which
reads the last 7 days and what is new, then ``feed_page``, 20 rows by the
index), and a naive baseline that works the whole feed out again from every
post ever released to the member and sorts it; then the project's once more,
with nothing new since. It prints a markdown report.

The database name must contain "bench"; this script's posts are deleted and
made again when the sizes change.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.report import heading, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_feed "
    ".venv/bin/python benchmarks/feed_page.py"
)
UNIT_CODE = "BENCH-FEED"
TITLE = "bench-feed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--posts-per-day", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    database = databases.database_settings(EXAMPLE)
    created = databases.environment(database)
    databases.django_setup(EXAMPLE)
    databases.migrate(database, created)
    load_before = os.getloadavg()
    member = seed(args)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project, naive, again = [], [], []
    queries = {}
    for number in range(args.repeat):
        publish_one(member, number)
        for label, run, samples in (
            ("project", project_page, project),
            ("naive", naive_page, naive),
            ("project, nothing new since", project_page, again),
        ):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                rows = run(member)
                samples.append((time.perf_counter() - start) * 1000)
            queries[label] = len(captured)
            if len(rows) != 20:
                sys.exit(f"{label} read {len(rows)} rows, not 20")
    from learning.models import FeedEntry

    history = FeedEntry.objects.filter(member=member).count()
    heading(
        "Member feed (issue 17, item 8)",
        [
            f"Date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
            f"load average before {load_before[0]:.2f}, after "
            f"{os.getloadavg()[0]:.2f} (2 cores shared)",
            f"History: {args.days} days x {args.posts_per_day} posts; "
            f"{history} entries in the member's feed; {args.repeat} rounds",
        ],
    )
    table(
        ["page's work", "way", "median ms", "p95 ms", "queries"],
        [
            [
                "feed: work out + page of 20",
                label,
                f"{statistics.median(samples):.1f}",
                f"{percentile(samples, 95):.1f}",
                str(queries[label]),
            ]
            for label, samples in (
                ("project", project),
                ("naive", naive),
                ("project, nothing new since", again),
            )
        ],
    )
    ratio = statistics.median(naive) / statistics.median(project)
    print(f"\nSame-run ratio (naive / project, medians): {ratio:.1f}x")


def percentile(samples: list[float], share: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


def seed(args):
    """Return the bench member, with the history the sizes ask for."""
    from django.utils import timezone

    from learning.models import FeedCursor, FeedEntry, FeedPost
    from learning.services.feed import feed_sync
    from members.models import Member, Unit
    from tests.learning.factories import make_learner

    root = Unit.objects.filter(code=UNIT_CODE).first()
    if root is None:
        root = Unit.add_root(
            code=UNIT_CODE, name="Công đoàn đo hiệu năng bảng tin", level="sector"
        )
    unit = Unit.objects.filter(code=f"{UNIT_CODE}-CS").first()
    if unit is None:
        unit = root.add_child(
            code=f"{UNIT_CODE}-CS",
            name="CĐCS đo hiệu năng bảng tin",
            level="grassroots",
            is_employer=True,
        )
    member = Member.objects.filter(unit=unit).select_related("unit").first()
    if member is None:
        member = make_learner(unit=unit, full_name="Nguyễn Văn Đo")
    wanted = args.days * args.posts_per_day
    posts = FeedPost.objects.filter(owner_unit=unit)
    if posts.filter(title__startswith=f"{TITLE} ").count() == wanted:
        print(f"Reusing {wanted} posts and the member's feed.", flush=True)
        return member
    print(f"Seeding {wanted} posts and {args.days} daily visits…", flush=True)
    FeedEntry.objects.filter(member=member).delete()
    FeedCursor.objects.filter(member=member).delete()
    posts.delete()
    now = timezone.now()
    start = now - timedelta(days=args.days)
    made = FeedPost.objects.bulk_create(
        [
            FeedPost(
                title=f"{TITLE} {day}.{number}",
                body="Nội dung",
                category="messaging" if number % 4 == 0 else "entertainment",
                owner_unit=unit,
                publish_at=start + timedelta(days=day, hours=number),
                released_at=start + timedelta(days=day, hours=number),
                status="published",
            )
            for day in range(args.days)
            for number in range(args.posts_per_day)
        ],
        batch_size=5000,
    )
    through = FeedPost.audience_units.through
    through.objects.bulk_create(
        [through(feedpost_id=post.pk, unit_id=unit.pk) for post in made],
        batch_size=5000,
    )
    feed_sync(member=member, now=start - timedelta(hours=1))
    for day in range(args.days):
        feed_sync(member=member, now=start + timedelta(days=day, hours=23))
    return member


def publish_one(member, number: int) -> None:
    from django.utils import timezone

    from learning.models import FeedPost

    post = FeedPost.objects.create(
        title=f"bench-feed-new {number}",
        body="Tin mới",
        category="learning",
        owner_unit=member.unit,
        publish_at=timezone.now(),
        released_at=timezone.now(),
        status="published",
    )
    post.audience_units.set([member.unit])


def project_page(member):
    from learning.selectors.feed import feed_page
    from learning.services.feed import feed_sync

    feed_sync(member=member)
    return feed_page(member=member).entries


def naive_page(member):
    """Work the whole feed out again from every post released to the member."""
    from django.utils import timezone

    from learning.feed_governor import Candidate, deliveries_plan
    from learning.models import FeedPost
    from learning.services.feed import posts_reaching

    now = timezone.now()
    rows = list(
        posts_reaching(member)
        .filter(released_at__lte=now)
        .values_list("pk", "category", "released_at", "confirm_required")
        .distinct()
    )
    first = min(released for _, _, released, _ in rows)
    plan = deliveries_plan(
        delivered=[],
        candidates=[
            Candidate(
                key=pk,
                released_at=released,
                messaging=category == "messaging",
                mandatory=mandatory,
            )
            for pk, category, released, mandatory in rows
        ],
        since=first,
        now=now,
    )
    newest = sorted(plan, key=lambda pk: (plan[pk], pk), reverse=True)[:20]
    posts = FeedPost.objects.in_bulk(newest)
    return [posts[pk] for pk in newest]


if __name__ == "__main__":
    main()
