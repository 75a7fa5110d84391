"""The assistant's figures on labelled questions, as ``assistant_eval`` prints them.

An in-scope question (its ``relevant`` list names articles) scores by the
rank of the first relevant article among those the assistant retrieved for
the answer it gave; a question it handed to an officer retrieved nothing a
member sees, so it counts as a miss. An out-of-scope question (an empty
list) scores for ``handover`` when it was handed to an officer.
"""

import math
import time

from feedback.models import AssistantQuestion, LegalArticle
from feedback.selectors.assistant import assistant_answer, assistant_index


def evaluate(items: list[dict]) -> dict[str, float]:
    """Return recall@1, recall@5, mrr@10, handover and p95_ms over ``items``."""
    assistant_index()  # built once, before the clock starts
    keys = dict(LegalArticle.objects.values_list("pk", "key"))
    ranks, handed, times = [], [], []
    for item in items:
        started = time.perf_counter()
        plan = assistant_answer(text=item["question"])
        times.append((time.perf_counter() - started) * 1000)
        over = plan.outcome == AssistantQuestion.Outcome.HANDED_OVER
        if not item["relevant"]:
            handed.append(over)
            continue
        ranked = [] if over else [keys[r["article"]] for r in plan.retrieved]
        relevant = set(item["relevant"])
        ranks.append(
            next((n for n, key in enumerate(ranked[:10], 1) if key in relevant), None)
        )
    return {
        "recall@1": _share([r == 1 for r in ranks]),
        "recall@5": _share([r is not None and r <= 5 for r in ranks]),
        "mrr@10": round(sum(1 / r for r in ranks if r) / len(ranks), 3)
        if ranks
        else 0.0,
        "handover": _share(handed),
        "p95_ms": round(_p95(times), 1),
    }


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 3) if flags else 0.0


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
