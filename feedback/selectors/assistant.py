"""Reads of the assistant: the cached index, the answer plan, histories and counts."""

import threading
import time
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Max, Q
from django.utils import timezone

from feedback import retrieval
from feedback.assistant_rules import TopicRule, intent_of, topic_match, topic_phrases
from feedback.models import (
    AssistantHandover,
    AssistantQuestion,
    AssistantSettings,
    AssistantTopic,
    CuratedAnswer,
    LegalArticle,
    LegalDocument,
)
from members.scope import scoped

# A curated answer is served when its wording holds this share of the question's.
CURATED_MIN_COVERAGE = 0.7
# Articles quoted in an answer, and clauses quoted of each.
ANSWER_ARTICLES = 3
ANSWER_CLAUSES = 2
RETRIEVED = 10

_lock = threading.Lock()
_cache: dict[str, object] = {"version": None, "index": None}


def base_version() -> tuple:
    """Return what changes whenever an article, a document or a curated answer does."""
    articles = LegalArticle.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    documents = LegalDocument.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    curated = CuratedAnswer.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    return (
        articles["n"],
        articles["at"],
        documents["n"],
        documents["at"],
        curated["n"],
        curated["at"],
        timezone.localdate(),
    )


def curated_servable_q(today: date) -> Q:
    """The curated answers served: active, approved, not past their review date."""
    return Q(is_active=True, approved_at__isnull=False, review_on__gte=today)


def _index_build(today: date) -> retrieval.Index:
    articles = [
        retrieval.ArticleDoc(
            id=article.pk,
            title=article.title,
            chapter=article.chapter,
            text=article.text,
            in_force=article.document.replaced_by_id is None,
            subject=_subject(article.document),
            guidance=article.document.kind
            in (LegalDocument.Kind.DECREE, LegalDocument.Kind.CIRCULAR),
        )
        for article in LegalArticle.objects.select_related("document").order_by("pk")
    ]
    curated = [
        retrieval.CuratedDoc(id=entry.pk, questions=tuple(entry.questions))
        for entry in CuratedAnswer.objects.filter(curated_servable_q(today)).order_by(
            "pk"
        )
    ]
    return retrieval.Index(articles=articles, curated=curated)


def _subject(document: LegalDocument) -> str:
    """What a law is about, from its title: the words after its last "Luật"."""
    if document.kind not in (LegalDocument.Kind.CODE, LegalDocument.Kind.LAW):
        return ""
    return document.title.rsplit("Luật", 1)[-1]


def assistant_index() -> retrieval.Index:
    """Return the built index, building it once per change of the base.

    Three aggregate queries tell whether the base changed since the index in
    memory was built; only then is it rebuilt (about two seconds for the
    whole base), once per process however many requests ask at the time.
    """
    version = base_version()
    if _cache["version"] == version:
        return _cache["index"]
    with _lock:
        if _cache["version"] != version:
            _cache["index"] = _index_build(version[-1])
            _cache["version"] = version
    return _cache["index"]


def assistant_settings() -> AssistantSettings:
    """Return the settings row, made with the defaults if missing."""
    return AssistantSettings.objects.get_or_create(pk=1)[0]


@dataclass
class AnswerPlan:
    """What the assistant does with a question, before anything is stored."""

    outcome: str
    reason: str = ""
    topic_id: int | None = None
    confidence: float = 0.0
    curated_id: int | None = None
    passages: list[dict] = field(default_factory=list)
    retrieved: list[dict] = field(default_factory=list)
    latency_ms: int = 0


def _topics() -> list[TopicRule]:
    return [
        TopicRule(id=pk, enabled=enabled, phrases=topic_phrases(keywords))
        for pk, enabled, keywords in AssistantTopic.objects.values_list(
            "pk", "enabled", "keywords"
        )
    ]


def confidence_of(result: retrieval.SearchResult) -> float:
    """How much of the question the best article speaks of, from 0 to 1.

    The mean of two shares: the question's own syllables the article holds,
    and its pairs of syllables (phrases). BM25 scores are not comparable from
    one question to another; these shares are.
    """
    if not result.articles:
        return 0.0
    return round(0.5 * result.coverage + 0.5 * result.pair_coverage, 3)


def assistant_answer(*, text: str) -> AnswerPlan:
    """Decide how to answer ``text``: its topic, intent, passages and confidence."""
    started = time.perf_counter()
    plan = _plan(text)
    plan.latency_ms = round((time.perf_counter() - started) * 1000)
    return plan


def _plan(text: str) -> AnswerPlan:
    handed = AssistantQuestion.Outcome.HANDED_OVER
    reasons = AssistantQuestion.Reason
    topic, topic_off = topic_match(text, _topics())
    topic_id = topic.id if topic else None
    intent = intent_of(text)
    if intent:
        return AnswerPlan(outcome=handed, reason=intent, topic_id=topic_id)
    if topic_off:
        return AnswerPlan(outcome=handed, reason=reasons.TOPIC_OFF, topic_id=topic_id)
    index = assistant_index()
    result = index.search(text, k=RETRIEVED)
    retrieved = [
        {"article": hit.article_id, "score": hit.score} for hit in result.articles
    ]
    plan = AnswerPlan(
        outcome=AssistantQuestion.Outcome.ANSWERED,
        topic_id=topic_id,
        confidence=confidence_of(result),
        retrieved=retrieved,
    )
    if topic is None:
        plan.outcome, plan.reason = handed, reasons.OUT_OF_SCOPE
        return plan
    curated = next(
        (hit for hit in result.curated if hit.coverage >= CURATED_MIN_COVERAGE), None
    )
    if curated is not None:
        plan.curated_id = curated.curated_id
        plan.confidence = max(plan.confidence, round(curated.coverage, 3))
        plan.passages = _curated_passages(curated.curated_id, result)
        _retrieved_add(plan)
        return plan
    if plan.confidence < float(assistant_settings().confidence_threshold):
        plan.outcome, plan.reason = handed, reasons.LOW_CONFIDENCE
        return plan
    plan.passages = _passages(result.articles[:ANSWER_ARTICLES])
    _retrieved_add(plan)
    return plan


def _retrieved_add(plan: AnswerPlan) -> None:
    """Keep every quoted article among those retrieved (an amendment, a curated one)."""
    known = {entry["article"] for entry in plan.retrieved}
    for passage in plan.passages:
        if passage["article"] not in known:
            plan.retrieved.append({"article": passage["article"], "score": 0.0})
            known.add(passage["article"])


def _articles_by_id(ids) -> dict[int, LegalArticle]:
    return LegalArticle.objects.select_related(
        "document__replaced_by", "amended_by__document"
    ).in_bulk(list(ids))


def _passage(article: LegalArticle, number, text: str) -> dict:
    citation = article.citation
    if number is not None:
        citation = f"Khoản {number} {citation}"
    document = article.document
    passage = {
        "article": article.pk,
        "key": article.key,
        "citation": citation,
        "clause": number,
        "text": text,
        "in_force": document.replaced_by_id is None,
        "replaced_by": "",
        "amended_by": "",
    }
    if document.replaced_by_id:
        passage["replaced_by"] = str(document.replaced_by)
    return passage


def _passages(hits: list[retrieval.ArticleHit]) -> list[dict]:
    """Quote each article's best clauses, and the clause of a law that amended it."""
    articles = _articles_by_id(hit.article_id for hit in hits)
    amending = _articles_by_id(
        a.amended_by_id for a in articles.values() if a.amended_by_id
    )
    out = []
    for hit in hits:
        article = articles[hit.article_id]
        best = [c for c in hit.clauses if c[2] > 0][:ANSWER_CLAUSES] or hit.clauses[:1]
        # Quoted in the article's own order.
        for number, text, _score in sorted(best, key=lambda c: c[0] or 0):
            out.append(_passage(article, number, text))
        if article.amended_by_id:
            out.extend(_amendment(article, amending[article.amended_by_id]))
    return out


def _amendment(article: LegalArticle, amending: LegalArticle) -> list[dict]:
    """The clause of the amending law that rewrote ``article``, flagged on both."""
    clauses = dict(retrieval.clauses(amending.text))
    text = clauses.get(article.amended_by_clause) or amending.text
    passage = _passage(amending, article.amended_by_clause, text)
    passage["amends"] = article.citation
    return [passage]


def _curated_passages(curated_id: int, result: retrieval.SearchResult) -> list[dict]:
    """Quote the articles a curated answer rests on, best clauses first."""
    by_article = {hit.article_id: hit for hit in result.articles}
    ids = list(
        CuratedAnswer.articles.through.objects.filter(
            curatedanswer_id=curated_id
        ).values_list("legalarticle_id", flat=True)
    )
    articles = _articles_by_id(ids)
    out = []
    for article_id in ids:
        article = articles[article_id]
        hit = by_article.get(article_id)
        if hit is not None:
            out.extend(_passages([hit]))
        else:
            number, text = retrieval.clauses(article.text)[0]
            out.append(_passage(article, number, text))
    return out


# Pages and cards ---------------------------------------------------------------


def question_history(*, user, member, limit: int = 50):
    """The member's own questions, newest first, with their tickets."""
    return (
        scoped(AssistantQuestion.objects.all(), user, portal=True)
        .filter(member=member)
        .select_related("handover", "curated")
        .order_by("-created_at", "-pk")[:limit]
    )


def question_for_member(*, user, member, pk: int) -> AssistantQuestion | None:
    return (
        scoped(AssistantQuestion.objects.all(), user, portal=True)
        .filter(member=member, pk=pk)
        .select_related("handover", "curated")
        .first()
    )


def articles_of_passages(passages: list[dict]) -> dict[int, LegalArticle]:
    return LegalArticle.objects.select_related("document").in_bulk(
        [p["article"] for p in passages]
    )


def handovers_waiting(*, user):
    """The tickets waiting for an officer's answer in the user's part of the union."""
    return scoped(AssistantHandover.objects.all(), user).filter(
        answered_at__isnull=True
    )


def handover_counts(*, user, today: date) -> dict[str, int]:
    """Waiting and overdue tickets in the user's scope: one query."""
    return handovers_waiting(user=user).aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=today))
    )


def questions_by_topic(*, user) -> list[dict]:
    """By topic: questions asked, waiting for an officer, and marked not helpful."""
    rows = (
        scoped(AssistantQuestion.objects.all(), user)
        .values("topic_id", "topic__name")
        .annotate(
            asked=Count("pk"),
            waiting=Count(
                "pk",
                filter=Q(
                    outcome=AssistantQuestion.Outcome.HANDED_OVER,
                    handover__answered_at__isnull=True,
                ),
            ),
            unhelpful=Count("pk", filter=Q(helpful=False)),
        )
        .order_by("topic__name")
    )
    return list(rows)
