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
Vietnamese made of phrases members write, combined at random.

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
import io
import os
import random
import sys
import threading
import time
import uuid
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
# What members write, in pieces: an answer is one to three of them.
PHRASES = (
    "đề nghị tăng lương cơ bản",
    "lương chưa đủ sống",
    "tăng phụ cấp độc hại",
    "bữa ăn ca cần cải thiện",
    "suất ăn ca ít thức ăn",
    "nhà ăn nóng và chật",
    "mong có nhà trẻ cho con công nhân",
    "cần chỗ gửi con gần công ty",
    "tăng ca quá nhiều",
    "làm thêm giờ liên tục mệt mỏi",
    "nhà xưởng nóng cần thêm quạt",
    "thiếu điều hòa ở xưởng may",
    "xe đưa đón hay bị trễ",
    "cần thêm tuyến xe đưa đón",
    "nhà trọ công nhân xuống cấp",
    "giá thuê phòng trọ tăng cao",
    "khám sức khỏe định kỳ sơ sài",
    "cần khám chuyên khoa cho lao động nữ",
    "bảo hộ lao động không đủ",
    "găng tay khẩu trang phát chậm",
    "quản lý hay quát mắng công nhân",
    "tổ trưởng ép làm thêm",
    "thưởng tết chưa rõ ràng",
    "muốn được đào tạo nâng cao tay nghề",
)
ENDINGS = ("", "", " ạ", " nhé", ", mong công đoàn quan tâm", ", cảm ơn công đoàn")


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

    title = f"{TITLE_PREFIX} v2 members={args.members} seed={args.seed}"
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

    from feedback.models import Survey, SurveyQuestion
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
    now = timezone.now()
    survey = Survey.objects.create(
        title=title,
        owner_unit=register.sector,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=20),
        status=Survey.Status.PUBLISHED,
        anonymous=True,
    )
    survey.audience_units.add(register.sector)
    kind = SurveyQuestion.Kind
    specs = [
        (kind.SINGLE, "Anh/chị làm ca nào?", "Ca ngày\nCa đêm\nCa xoay"),
        (kind.SCALE, "Mức hài lòng với tiền lương?", ""),
        (
            kind.MULTIPLE,
            "Công đoàn nên ưu tiên gì?",
            "Lương\nBữa ăn\nNhà ở\nNhà trẻ\nAn toàn",
        ),
        (kind.YES_NO, "Có tăng ca quá giờ trong tháng?", ""),
        (kind.SCALE, "Mức hài lòng với bữa ăn ca?", ""),
        (kind.LONG_TEXT, "Anh/chị mong công đoàn làm gì?", ""),
        (kind.SINGLE, "Anh/chị ở đâu?", "Nhà riêng\nNhà trọ\nKý túc xá"),
        (kind.YES_NO, "Có con dưới 6 tuổi?", ""),
        (
            kind.MULTIPLE,
            "Phúc lợi cần thêm?",
            "Khám sức khỏe\nDu lịch\nQuà tết\nHọc bổng",
        ),
        (kind.SHORT_TEXT, "Một điều cần sửa ngay?", ""),
    ]
    questions = [
        SurveyQuestion.objects.create(
            survey=survey, order=order, kind=k, text=text, choices=choices
        )
        for order, (k, text, choices) in enumerate(specs, start=1)
    ]
    rng = random.Random(args.seed)
    members = list(Member.objects.order_by("pk").values_list("pk", "unit_id"))
    started = time.perf_counter()
    participation, responses, answers = io.StringIO(), io.StringIO(), io.StringIO()
    day = timezone.localdate()
    answer_count = 0
    # Participation in the members' order, responses in another (the keys are
    # random): as in production, nothing ties a response to its participant.
    for member_id, _unit in members:
        participation.write(f"{survey.pk}\t{member_id}\t\\N\n")
    shuffled = members[:]
    rng.shuffle(shuffled)
    for _member, unit_id in shuffled:
        response = uuid.uuid4()
        submitted = day - timedelta(days=rng.randrange(10))
        responses.write(f"{response}\t{survey.pk}\t{unit_id}\t{submitted}\n")
        for question in questions:
            rows = _answers_of(question, rng)
            for choice, number, text in rows:
                answers.write(
                    f"{uuid.uuid4()}\t{response}\t{question.pk}\t{choice}\t{number}\t{text}\t\\N\n"
                )
                answer_count += 1
    steps["rows made"] = time.perf_counter() - started
    for table_name, columns, buffer in (
        (
            "feedback_surveyparticipation",
            ("survey_id", "member_id", "response_id"),
            participation,
        ),
        (
            "feedback_surveyresponse",
            ("id", "survey_id", "unit_id", "submitted_on"),
            responses,
        ),
        (
            "feedback_surveyanswer",
            (
                "id",
                "response_id",
                "question_id",
                "choice",
                "number",
                "text",
                "theme_id",
            ),
            answers,
        ),
    ):
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
            ) as copy,
        ):
            buffer.seek(0)
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        steps[table_name.removeprefix("feedback_survey")] = (
            time.perf_counter() - started
        )
    Survey.objects.filter(pk=survey.pk).update(response_count=len(members))
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE feedback_surveyparticipation, feedback_surveyresponse,"
            " feedback_surveyanswer"
        )
    survey.refresh_from_db()
    return survey


def _answers_of(question, rng) -> list[tuple[str, str, str]]:
    """One member's answer rows to a question: (choice, number, text), \\N for null."""
    kind = question.kind
    if kind == "single":
        return [(str(rng.randrange(len(question.choice_list))), "\\N", "")]
    if kind == "multiple":
        count = len(question.choice_list)
        chosen = rng.sample(range(count), rng.randint(1, min(3, count)))
        return [(str(c), "\\N", "") for c in sorted(chosen)]
    if kind == "scale":
        return [("\\N", str(rng.choices(range(1, 6), weights=(1, 2, 4, 5, 3))[0]), "")]
    if kind == "yes_no":
        return [("\\N", str(rng.randint(0, 1)), "")]
    # Every member answers the analysed question (6); some leave 10 empty.
    if question.order != 6 and rng.random() < 0.1:
        return []
    parts = rng.sample(PHRASES, rng.choice((1, 1, 2, 2, 3)))
    text = (", ".join(parts) + rng.choice(ENDINGS)).capitalize()
    return [("\\N", "\\N", text)]


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
