"""Benchmark surveys: the sector's results page, and themes of 82,000 answers.

Run it on PostgreSQL (and Redis for the cache, as in production); the database
is created when missing, migrated, seeded once (a later run of the same sizes
reuses the data) and measured::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_surveys \\
    REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/surveys.py --members 82000 --repeat 30

The register comes from members_seed.py. One anonymous survey of the sector
is answered by every member (participation, response and about eleven
answers each, written with COPY): ten questions, two of them free text in
Vietnamese made of phrases members write, combined at random. The survey is
seeded by ``feedback.scale.surveys.needs_survey_seed``, the needs survey of
``seed_demo --scale full``.

Measured in the same run:

- the results page of the sector's officer (the whole register), through
  Django's test Client: the first computation (cache empty), then ``--repeat``
  requests with the computed results cached, beside the baseline of the same
  page computed afresh every time (the cache emptied before each request);
- the theme analysis of one free-text question (every member's answer), run
  as its Celery task (``apply``: the worker's code path in this process) with
  its progress read from the database by another thread as the page would,
  beside the naive baseline of segmenting every answer one by one without
  grouping identical ones.

The database name must contain "bench": a register of another size is wiped.
"""

import argparse
import os
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import databases  # noqa: E402
from benchmarks.members_admin import _ms, _ratio  # noqa: E402
from benchmarks.report import heading, run_facts, table  # noqa: E402

EXAMPLE = (
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionportal_bench_surveys "
    "REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python benchmarks/surveys.py"
)
TITLE_PREFIX = "Bench survey"
GOALS = {"results": 500.0, "themes": 120.0}


def main() -> None:
    args = _arguments()
    started = time.perf_counter()
    register = databases.register_ready(args, EXAMPLE)
    survey = survey_ready(args, register)
    load_before = os.getloadavg()
    results = _measure_results(args, register, survey)
    themes = _measure_themes(args, survey)
    load_after = os.getloadavg()
    _print(
        args,
        register,
        survey,
        results,
        themes,
        load_before,
        load_after,
        time.perf_counter() - started,
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    databases.register_arguments(parser)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests")
    parser.add_argument(
        "--baseline-repeat", type=int, default=5, help="timed uncached requests"
    )
    parser.add_argument(
        "--skip-naive-themes",
        action="store_true",
        help="do not time the naive segmentation baseline",
    )
    databases.seed_arguments(parser)
    args = parser.parse_args()
    databases.register_defaults(args)
    return args


# Seeding ---------------------------------------------------------------------


@dataclass
class Seeded:
    survey: object
    responses: int
    answers: int
    seeded_s: float | None = None
    steps: dict[str, float] = field(default_factory=dict)


def survey_ready(args, register) -> Seeded:
    """Seed the survey and its answers, or reuse a run's of the same sizes."""
    from feedback.models import Survey, SurveyAnswer

    title = f"{TITLE_PREFIX} v3 members={args.members} seed={args.seed}"
    survey = Survey.objects.filter(title=title).first()
    seeded_s, steps = None, {}
    if args.reseed or register.seeded_s is not None or survey is None:
        print(f"Seeding the survey ({title})…", flush=True)
        started = time.perf_counter()
        survey = _seed(args, register, title, steps)
        seeded_s = time.perf_counter() - started
        print(f"Seeded the survey in {seeded_s:.1f} s", flush=True)
    else:
        print("Reusing the survey a previous run seeded.", flush=True)
    return Seeded(
        survey=survey,
        responses=survey.responses.count(),
        answers=SurveyAnswer.objects.filter(response__survey=survey).count(),
        seeded_s=seeded_s,
        steps=steps,
    )


def _seed(args, register, title: str, steps: dict) -> object:
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from feedback.scale.surveys import needs_survey_seed
    from members.models import Member

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE feedback_surveyaction_themes, feedback_surveyaction,"
            " feedback_surveyanalysisrun, feedback_surveyanswer,"
            " feedback_surveytheme, feedback_surveyparticipation,"
            " feedback_surveyresponse, feedback_surveyquestion,"
            " feedback_survey_audience_units, feedback_survey CASCADE"
        )
    steps["wipe"] = time.perf_counter() - started
    started = time.perf_counter()
    now = timezone.now()
    # Every member of the register answers, whatever their status.
    survey = needs_survey_seed(
        title=title,
        owner_unit_id=register.sector.pk,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=20),
        members=list(Member.objects.order_by("pk").values_list("pk", "unit_id")),
        rng=random.Random(args.seed),
        last_day=timezone.localdate(),
    )
    steps["survey (feedback.scale.surveys)"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE feedback_surveyparticipation, feedback_surveyresponse,"
            " feedback_surveyanswer"
        )
    return survey


# Measuring ---------------------------------------------------------------------


@dataclass
class Timed:
    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        import statistics

        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        import statistics

        if len(self.samples) < 2:
            return self.samples[0]
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]


def _measure_results(args, register, seeded: Seeded) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client = Client()
    client.force_login(register.sector_user)
    url = reverse("admin:feedback_survey_results", args=[seeded.survey.pk])

    def get() -> float:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed

    cache.clear()
    first = get()
    cached, fresh = Timed(), Timed()
    with CaptureQueriesContext(connection) as context:
        get()
    queries = len(context.captured_queries)
    print("Timing the results page…", flush=True)
    for number in range(args.repeat):
        cached.samples.append(get())
        if number < args.baseline_repeat:
            cache.clear()
            client.force_login(register.sector_user)
            fresh.samples.append(get())
    return {"first": first, "cached": cached, "fresh": fresh, "queries": queries}


def _measure_themes(args, seeded: Seeded) -> dict:
    from django.db import connection

    from feedback.models import SurveyAnalysisRun, SurveyTheme
    from feedback.survey_themes import text_words
    from feedback.tasks import survey_analysis_run

    question = seeded.survey.questions.get(order=6)
    texts = list(question.answers.exclude(text="").values_list("text", flat=True))
    SurveyTheme.objects.filter(question=question).delete()
    SurveyAnalysisRun.objects.filter(question=question).delete()
    run = SurveyAnalysisRun.objects.create(question=question, total=len(texts))
    progress: list[tuple[float, int]] = []
    stop = threading.Event()

    def watch(started: float) -> None:
        try:
            while not stop.is_set():
                done = (
                    SurveyAnalysisRun.objects.filter(pk=run.pk)
                    .values_list("done", flat=True)
                    .first()
                )
                progress.append((time.perf_counter() - started, done or 0))
                stop.wait(2.0)
        finally:
            connection.close()

    print(f"Analysing {len(texts):,} answers…", flush=True)
    started = time.perf_counter()
    watcher = threading.Thread(target=watch, args=(started,))
    watcher.start()
    survey_analysis_run.apply(kwargs={"run_id": run.pk}).get()
    analysis_s = time.perf_counter() - started
    stop.set()
    watcher.join()
    run.refresh_from_db()
    themes = list(
        SurveyTheme.objects.filter(question=question).values_list(
            "label", "answer_count"
        )
    )
    naive_s = None
    if not args.skip_naive_themes:
        print("Naive baseline: segmenting every answer one by one…", flush=True)
        started = time.perf_counter()
        for text in texts:
            text_words(text)
        naive_s = time.perf_counter() - started
    return {
        "answers": len(texts),
        "unique": len({text.casefold() for text in texts}),
        "seconds": analysis_s,
        "status": run.status,
        "naive_s": naive_s,
        "progress": progress,
        "themes": themes,
    }


def _print(args, register, seeded, results, themes, before, after, total_s) -> None:
    facts = run_facts(
        register=register, load_before=before, load_after=after, total_s=total_s
    )
    seed = (
        "reused"
        if seeded.seeded_s is None
        else f"{seeded.seeded_s:.1f} s ("
        + ", ".join(f"{k} {v:.1f} s" for k, v in seeded.steps.items())
        + ")"
    )
    facts.append(
        f"Survey: {seeded.responses:,} responses, {seeded.answers:,} answers, "
        f"10 questions (2 free text); seeded: {seed}"
    )
    heading("Surveys: results page and theme analysis", facts)
    print()
    cached, fresh = results["cached"], results["fresh"]
    table(
        ["What", "Median", "p95", "Goal", "Baseline (median)", "Ratio"],
        [
            [
                "Results page, whole sector, cached",
                _ms(cached.median),
                _ms(cached.p95),
                f"p95 < {GOALS['results']:.0f} ms",
                f"{_ms(fresh.median)} computed afresh",
                _ratio(fresh.median, cached.median),
            ],
            [
                "Results page, first computation",
                _ms(results["first"]),
                "-",
                "-",
                "-",
                "-",
            ],
            [
                f"Theme analysis, {themes['answers']:,} answers "
                f"({themes['unique']:,} distinct)",
                f"{themes['seconds']:.1f} s",
                "-",
                f"< {GOALS['themes']:.0f} s",
                (
                    f"{themes['naive_s']:.1f} s segmenting one by one"
                    if themes["naive_s"] is not None
                    else "-"
                ),
                (
                    _ratio(themes["naive_s"], themes["seconds"])
                    if themes["naive_s"] is not None
                    else "-"
                ),
            ],
        ],
        left=1,
    )
    print(f"\nResults page queries (cached): {results['queries']}")
    print(
        "Progress seen by the page (s: answers done): "
        + ", ".join(
            f"{s:.0f}: {n:,}"
            for s, n in themes["progress"][:: max(1, len(themes["progress"]) // 8)]
        )
    )
    print(
        f"Run status: {themes['status']}; themes: "
        + "; ".join(f"{label} ({count:,})" for label, count in themes["themes"])
    )


if __name__ == "__main__":
    main()
