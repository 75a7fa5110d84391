"""Benchmark the assistant: answer time and quality with the whole base loaded.

Run it on PostgreSQL with the knowledge base loaded (it loads it when the
database holds no article)::

    DJANGO_DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/up_assist \\
        .venv/bin/python benchmarks/assistant_answers.py \\
        --kb ../shared/kb --questions ../shared/kb/eval_sample.json --repeat 5

Each question of the file is answered ``--repeat`` times, round after round,
by the project's path (the index built once, cached in memory, three
aggregate queries to check the base did not change) and by a naive baseline
in the same run: the same BM25 index built afresh for every question, as a
view that searched without a cache would. Quality is measured once each, by
the project's retrieval and by plain BM25 over the articles' syllables (one
field, no pairs, no folding, no clauses: the first row of the base's README).
It prints a markdown report.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=ROOT.parent / "shared" / "kb")
    parser.add_argument(
        "--questions",
        type=Path,
        default=ROOT.parent / "shared" / "kb" / "eval_sample.json",
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionportal.settings")
    import django

    django.setup()
    load_before = os.getloadavg()
    started = time.perf_counter()

    from benchmarks.report import code_version, command, machine, software, table
    from feedback import retrieval
    from feedback.assistant_eval import evaluate
    from feedback.models import LegalArticle
    from feedback.selectors import assistant as selectors
    from feedback.services.assistant import corpus_load

    if not LegalArticle.objects.exists():
        corpus_load(path=args.kb)
    items = json.loads(args.questions.read_text(encoding="utf-8"))["items"]
    questions = [item["question"] for item in items]

    build_started = time.perf_counter()
    selectors._cache["version"] = None
    selectors.assistant_index()
    build_ms = (time.perf_counter() - build_started) * 1000

    def naive(text):
        # No cache: the index is built for the question, then searched.
        index = selectors._index_build(selectors.base_version()[-1])
        return index.search(text)

    project, baseline = [], []
    for _round in range(args.repeat):
        for text in questions:
            t = time.perf_counter()
            selectors.assistant_answer(text=text)
            project.append((time.perf_counter() - t) * 1000)
        for text in questions[:: max(1, len(questions) // 5)]:
            t = time.perf_counter()
            naive(text)
            baseline.append((time.perf_counter() - t) * 1000)

    figures = evaluate(
        [{"question": i["question"], "relevant": i["relevant"]} for i in items]
    )
    plain = _plain_bm25(items, retrieval)
    total_s = time.perf_counter() - started

    print("\n## Assistant answers (issue 20)\n")
    for fact in (
        f"Date: {time.strftime('%Y-%m-%d')}",
        machine(load_before, os.getloadavg()),
        software(),
        f"Command: `{command()}`, code at {code_version()}",
        f"Base: {LegalArticle.objects.count()} articles; {len(questions)} "
        f"questions ({args.questions.name}) x {args.repeat} rounds; "
        f"index built in {build_ms:.0f} ms; run {total_s:.0f} s",
    ):
        print(f"- {fact}")
    print()
    p50, p95 = _pcts(project)
    b50, b95 = _pcts(baseline)
    table(
        ["path", "answers", "median ms", "p95 ms"],
        [
            ["project: index cached", str(len(project)), f"{p50:.1f}", f"{p95:.1f}"],
            [
                "naive: index built a question",
                str(len(baseline)),
                f"{b50:.1f}",
                f"{b95:.1f}",
            ],
            ["ratio naive / project", "", f"{b50 / p50:.0f}x", f"{b95 / p95:.0f}x"],
        ],
        left=1,
    )
    print()
    table(
        ["retrieval", "recall@1", "recall@5", "mrr@10", "handover"],
        [
            [
                "project (assistant_eval)",
                *(
                    str(figures[k])
                    for k in ("recall@1", "recall@5", "mrr@10", "handover")
                ),
            ],
            [
                "plain BM25 over syllables",
                *(str(plain[k]) for k in ("recall@1", "recall@5", "mrr@10")),
                "-",
            ],
        ],
        left=1,
    )


def _pcts(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), statistics.quantiles(
        samples, n=100, method="inclusive"
    )[94]


def _plain_bm25(items: list[dict], retrieval) -> dict[str, float]:
    import bm25s

    from feedback.models import LegalArticle

    rows = list(LegalArticle.objects.values_list("key", "title", "text"))
    index = bm25s.BM25()
    index.index(
        [retrieval.syllables(f"{title} {text}") for _key, title, text in rows],
        show_progress=False,
    )
    ranks = []
    for item in items:
        if not item["relevant"]:
            continue
        query = [
            t for t in retrieval.syllables(item["question"]) if t in index.vocab_dict
        ]
        scores = index.get_scores(query) if query else [0.0] * len(rows)
        ranked = sorted(range(len(rows)), key=lambda i: -scores[i])[:10]
        keys = [rows[i][0] for i in ranked]
        ranks.append(
            next((n for n, k in enumerate(keys, 1) if k in item["relevant"]), None)
        )
    n = len(ranks)
    return {
        "recall@1": round(sum(r == 1 for r in ranks) / n, 3),
        "recall@5": round(sum(bool(r and r <= 5) for r in ranks) / n, 3),
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 3),
    }


if __name__ == "__main__":
    main()
