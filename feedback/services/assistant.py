"""Writes of the assistant: the corpus, topics, questions, tickets and their answers."""

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.assistant_rules import DEFAULT_TOPICS
from feedback.models import (
    AssistantHandover,
    AssistantQuestion,
    AssistantSettings,
    AssistantTopic,
    CuratedAnswer,
    LegalArticle,
    LegalDocument,
)
from feedback.selectors.assistant import assistant_answer, assistant_settings
from members.models import AuditEvent, Member, Unit
from members.scope import require_unit_in_scope
from members.services.audit import audit_record
from members.services.notifications import notify
from members.text import nfc

QUESTION_MAX = 1000
# A curated answer promoted from an officer's answer is reviewed after a year.
REVIEW_AFTER_DAYS = 365

__all__ = [
    "CorpusLoadResult",
    "corpus_load",
    "curated_approve",
    "handover_answer",
    "handover_promote",
    "question_ask",
    "question_mark_helpful",
    "topics_ensure",
]


# Topics ---------------------------------------------------------------------------


@transaction.atomic
def topics_ensure() -> int:
    """Make the default topics that are missing (by name); return how many were made.

    A topic staff edited or switched off keeps what they chose. The settings
    row is made too, with its defaults, if missing.
    """
    AssistantSettings.objects.get_or_create(pk=1)
    existing = set(AssistantTopic.objects.values_list("name", flat=True))
    made = [
        AssistantTopic(
            name=topic["name"],
            keywords=topic["keywords"],
            enabled=topic.get("enabled", True),
            note=topic.get("note", ""),
            order=topic["order"],
        )
        for topic in DEFAULT_TOPICS
        if topic["name"] not in existing
    ]
    AssistantTopic.objects.bulk_create(made)
    return len(made)


# The corpus -------------------------------------------------------------------------

_NUMBER = re.compile(r"\d+/\d{4}/[\wĐđ-]+")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_VN_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
# "(Điều 1 Nghị định số 135/2020/NĐ-CP Quy định về tuổi nghỉ hưu ngày 18/11/2020
# của Chính phủ, có hiệu lực thi hành kể từ ngày 01/01/2021 )"
_ORIGIN = re.compile(
    r"^\(Điều \S+ (?P<kind>[^\d]+?) số (?P<number>\S+) (?P<title>.*?) ngày "
    r"(?P<issued>\d{2}/\d{2}/\d{4}).*?kể từ ngày (?P<effective>\d{2}/\d{2}/\d{4})"
)
_ABBREVIATIONS = {
    "BHXH": "Bảo hiểm xã hội",
    "BHYT": "Bảo hiểm y tế",
    "NQ": "Nghị quyết",
}


@dataclass
class CorpusLoadResult:
    files: int = 0
    documents_new: int = 0
    documents_updated: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _iso(value) -> date | None:
    match = _DATE.search(str(value or ""))
    return date(*map(int, match.groups())) if match else None


def _vn(value: str) -> date | None:
    match = _VN_DATE.search(value or "")
    if not match:
        return None
    day, month, year = map(int, match.groups())
    return date(year, month, day)


def _short_title(law: dict) -> str:
    """ "Bộ luật Lao động 2019 (45/2019/QH14)" -> "Bộ luật Lao động 2019"."""
    cite = re.sub(r"\s*\(.*?\)\s*$", "", law.get("short_cite") or law["name"])
    if not re.search(r"\b\d{4}$", cite):
        year = re.search(r"/(\d{4})/", law["number"])
        cite = f"{cite} {year.group(1)}" if year else cite
    return nfc(cite)


def _kind_of(name: str) -> str:
    lowered = name.casefold()
    kinds = LegalDocument.Kind
    if lowered.startswith("bộ luật"):
        return kinds.CODE
    if lowered.startswith("luật"):
        return kinds.LAW
    if lowered.startswith("nghị định"):
        return kinds.DECREE
    if lowered.startswith("thông tư"):
        return kinds.CIRCULAR
    return kinds.OTHER


def _read(path: Path) -> list[tuple[Path, dict]]:
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    out = []
    for file in files:
        data = json.loads(file.read_text(encoding="utf-8"))
        # The evaluation file holds questions, not law.
        if isinstance(data, dict) and "articles" in data:
            out.append((file, data))
    return out


def _documents_of(data: dict) -> list[dict]:
    """Return the documents a corpus file describes, as field dicts."""
    if "law" in data:
        law = data["law"]
        source = law.get("source") or {}
        return [
            {
                "number": law["number"],
                "title": nfc(law["name"]),
                "short_title": _short_title(law),
                "kind": _kind_of(law["name"]),
                "issued_on": _iso(law.get("issued") or law.get("passed")),
                "effective_on": _iso(law.get("effective")),
                "source": nfc(json.dumps(source, ensure_ascii=False))[:2000],
                "_replaces": law.get("replaces") or "",
                "_amends": law.get("amends") or "",
            }
        ]
    documents = {}
    for article in data["articles"]:
        number = article["doc_number"]
        if number in documents:
            continue
        origin = _ORIGIN.match(article.get("origin_note") or "")
        kind_name = article.get("doc_type") or ""
        documents[number] = {
            "number": number,
            "title": nfc(
                f"{kind_name} {number} {origin.group('title')}"
                if origin
                else f"{kind_name} {number}"
            ),
            "short_title": nfc(f"{kind_name} {number}"),
            "kind": _kind_of(kind_name),
            "issued_on": _vn(origin.group("issued")) if origin else None,
            "effective_on": _vn(origin.group("effective")) if origin else None,
            "source": nfc(json.dumps(data.get("source") or {}, ensure_ascii=False)),
            "_replaces": "",
            "_amends": "",
        }
    return list(documents.values())


def _articles_of(data: dict, number: str | None) -> list[dict]:
    out = []
    for article in data["articles"]:
        doc_number = article.get("doc_number") or number
        out.append(
            {
                "doc": doc_number,
                "key": nfc(
                    article.get("id") or f"{doc_number}#Điều {article['number']}"
                ),
                "number": str(article["number"]),
                "title": nfc(article.get("title") or ""),
                "chapter": nfc(article.get("chapter") or ""),
                "section": nfc(article.get("section") or ""),
                # Clauses stay on their own lines: only each line is cleaned.
                "text": "\n".join(
                    nfc(line) for line in (article.get("text") or "").splitlines()
                ).strip(),
                "source_url": article.get("source_url") or "",
                "_amends": [
                    (clause["khoan"], value)
                    for clause in article.get("khoan") or []
                    for key, value in clause.items()
                    if key.startswith("amends_article_of_")
                ],
            }
        )
    return out


_DOC_FIELDS = ("title", "short_title", "kind", "issued_on", "effective_on", "source")
_ARTICLE_FIELDS = ("title", "chapter", "section", "text", "source_url")


def _document_save(fields: dict, result: CorpusLoadResult) -> LegalDocument:
    values = {k: fields[k] for k in _DOC_FIELDS}
    document = LegalDocument.objects.filter(number=fields["number"]).first()
    if document is None:
        result.documents_new += 1
        return LegalDocument.objects.create(number=fields["number"], **values)
    changed = [k for k, v in values.items() if getattr(document, k) != v]
    if changed:
        for key in changed:
            setattr(document, key, values[key])
        document.save(update_fields=[*changed, "updated_at"])
        result.documents_updated += 1
    return document


def _replaced_save(document: LegalDocument, text: str) -> None:
    """Record the documents ``text`` names as replaced by ``document``."""
    for match in re.finditer(rf"(\w+)\s+({_NUMBER.pattern})", text):
        word, number = match.groups()
        if number == document.number:
            continue
        name = _ABBREVIATIONS.get(word, word)
        year = re.search(r"/(\d{4})/", number).group(1)
        if word in ("BHXH", "BHYT"):
            title, short = f"Luật {name}", f"Luật {name} {year}"
        else:
            title = short = f"{name} {number}"
        old, _created = LegalDocument.objects.get_or_create(
            number=number,
            defaults={"title": title, "short_title": short, "kind": _kind_of(title)},
        )
        if old.replaced_by_id != document.pk:
            old.replaced_by = document
            old.save(update_fields=["replaced_by", "updated_at"])


@transaction.atomic
def corpus_load(*, path: Path) -> CorpusLoadResult:
    """Load legal documents and their articles from a JSON file or a folder of them.

    Idempotent: a document is found by its number, an article by its key;
    only what differs from the file is written, so a second run changes
    nothing (and the index is not rebuilt). Replaced-by and amended-by links
    the files state are recorded; links staff added are kept. Refuses the
    whole load, writing nothing, if a file cannot be read.
    """
    result = CorpusLoadResult()
    try:
        files = _read(Path(path))
    except (OSError, ValueError) as error:
        raise ValidationError(
            _("The knowledge base file cannot be read: %(error)s") % {"error": error}
        ) from error
    if not files:
        raise ValidationError(
            _("No knowledge base file found at %(path)s.") % {"path": path}
        )
    topics_ensure()
    documents: dict[str, LegalDocument] = {}
    parsed = []
    for _file, data in files:
        result.files += 1
        doc_fields = _documents_of(data)
        for fields in doc_fields:
            documents[fields["number"]] = _document_save(fields, result)
        single = doc_fields[0]["number"] if "law" in data else None
        parsed.append((doc_fields, _articles_of(data, single)))
    for doc_fields, _articles in parsed:
        for fields in doc_fields:
            document = documents[fields["number"]]
            if fields["_replaces"]:
                _replaced_save(document, fields["_replaces"])
            amended = _NUMBER.search(fields["_amends"])
            if amended and amended.group(0) in documents:
                target = documents[amended.group(0)]
                if document.amends_id != target.pk:
                    document.amends = target
                    document.save(update_fields=["amends", "updated_at"])
    for _doc_fields, articles in parsed:
        _articles_save(articles, documents, result)
    return result


def _articles_save(
    articles: list[dict], documents: dict[str, LegalDocument], result: CorpusLoadResult
) -> None:
    now = timezone.now()
    existing = {
        a.key: a
        for a in LegalArticle.objects.filter(key__in=[a["key"] for a in articles])
    }
    new, changed = [], []
    for fields in articles:
        article = existing.get(fields["key"])
        values = {k: fields[k] for k in _ARTICLE_FIELDS}
        if article is None:
            new.append(
                LegalArticle(
                    document=documents[fields["doc"]],
                    key=fields["key"],
                    number=fields["number"],
                    **values,
                )
            )
        elif any(getattr(article, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(article, key, value)
            article.updated_at = now
            changed.append(article)
        else:
            result.articles_unchanged += 1
    LegalArticle.objects.bulk_create(new, batch_size=500)
    LegalArticle.objects.bulk_update(
        changed, [*_ARTICLE_FIELDS, "updated_at"], batch_size=500
    )
    result.articles_new += len(new)
    result.articles_updated += len(changed)
    for fields in articles:
        if fields["_amends"]:
            _amended_save(fields, documents[fields["doc"]])


def _amended_save(fields: dict, document: LegalDocument) -> None:
    """Link each article an amending article's clauses rewrote to that article."""
    if document.amends_id is None:
        return
    amending = LegalArticle.objects.get(key=fields["key"])
    for clause, number in fields["_amends"]:
        target = LegalArticle.objects.filter(
            document_id=document.amends_id, number=str(number)
        ).first()
        # Several clauses may amend one article: the first names it.
        if target is None or target.amended_by_id == amending.pk:
            continue
        if target.amended_by_id is None:
            target.amended_by, target.amended_by_clause = amending, clause
            target.save(update_fields=["amended_by", "amended_by_clause", "updated_at"])


# Questions --------------------------------------------------------------------------


def grassroots_unit(member: Member) -> Unit:
    """Return the member's grassroots union: their unit, or the nearest above it."""
    path = Unit.objects.values_list("path", flat=True).get(pk=member.unit_id)
    unit = (
        Unit.objects.filter(
            path__in=Unit.lineage_paths(path), level=Unit.Level.GRASSROOTS
        )
        .order_by("-depth")
        .first()
    )
    return unit or Unit.objects.get(pk=member.unit_id)


def question_ask(*, member: Member, text: str, submit_token) -> AssistantQuestion:
    """Answer a member's question, or hand it to their grassroots union's officers.

    One question and at most one ticket a submission: the form's
    ``submit_token`` is unique for the member, so a second submit of the same
    form (a double click, a retry, two at once) returns the first question.
    """
    text = nfc(text)
    if not text:
        raise ValidationError({"text": _("Type your question.")})
    if len(text) > QUESTION_MAX:
        raise ValidationError(
            {
                "text": _("Keep the question under %(n)s characters.")
                % {"n": QUESTION_MAX}
            }
        )
    existing = AssistantQuestion.objects.filter(
        member=member, submit_token=submit_token
    ).first()
    if existing is not None:
        return existing
    plan = assistant_answer(text=text)
    unit = grassroots_unit(member)
    try:
        with transaction.atomic():
            question = AssistantQuestion.objects.create(
                member=member,
                unit=unit,
                submit_token=submit_token,
                text=text,
                topic_id=plan.topic_id,
                outcome=plan.outcome,
                reason=plan.reason,
                confidence=plan.confidence,
                curated_id=plan.curated_id,
                passages=plan.passages,
                retrieved=plan.retrieved,
                latency_ms=plan.latency_ms,
            )
            if plan.outcome == AssistantQuestion.Outcome.HANDED_OVER:
                days = assistant_settings().answer_days
                AssistantHandover.objects.create(
                    question=question,
                    unit=unit,
                    due_on=timezone.localdate() + timedelta(days=days),
                )
    except IntegrityError:
        # The same submission, stored by a concurrent request: that one stands.
        return AssistantQuestion.objects.get(member=member, submit_token=submit_token)
    return question


@transaction.atomic
def question_mark_helpful(
    *, member: Member, question: AssistantQuestion, helpful: bool
) -> AssistantQuestion:
    """Record whether the member found the answer helpful (their own question only)."""
    if question.member_id != member.pk:
        raise PermissionDenied(_("This question is not yours."))
    question.helpful = helpful
    question.save(update_fields=["helpful"])
    return question


# Tickets ----------------------------------------------------------------------------


@transaction.atomic
def handover_answer(
    *, handover: AssistantHandover, actor, answer: str, articles=()
) -> AssistantHandover:
    """Answer a handed-over question; the member finds it in their portal inbox.

    Once: a ticket answered already is refused, so the member is told once.
    """
    handover = AssistantHandover.objects.select_for_update().get(pk=handover.pk)
    require_unit_in_scope(actor, handover.unit)
    if handover.answered_at is not None:
        raise ValidationError(_("This question has been answered already."))
    answer = nfc(answer)
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    handover.answer = answer
    handover.answered_by = actor
    handover.answered_at = timezone.now()
    handover.save(update_fields=["answer", "answered_by", "answered_at"])
    if articles:
        handover.articles.set(articles)
    question = handover.question
    member = question.member
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=handover,
        detail={"action": "assistant_handover_answer", "question": question.pk},
    )
    if member.user_id:
        notify(
            recipient=member.user,
            kind="feedback.assistant_answer",
            dedupe_key=f"assistant-answer:{handover.pk}:{member.user_id}",
            title=_("The union answered your question"),
            body=answer[:500],
            link=reverse("feedback:assistant_question", args=[question.pk]),
        )
    return handover


@transaction.atomic
def handover_promote(*, handover: AssistantHandover, actor) -> CuratedAnswer:
    """Make an officer's answer a curated answer, approved by the one promoting it."""
    handover = AssistantHandover.objects.select_for_update().get(pk=handover.pk)
    require_unit_in_scope(actor, handover.unit)
    if handover.answered_at is None:
        raise ValidationError(
            _("Only an answered question can become a curated answer.")
        )
    if handover.promoted_to_id:
        raise ValidationError(_("This answer is a curated answer already."))
    articles = list(handover.articles.all())
    if not articles:
        raise ValidationError(
            _(
                "Cite at least one article in the answer before making it a "
                "curated answer."
            )
        )
    question = handover.question
    curated = CuratedAnswer.objects.create(
        topic_id=question.topic_id,
        question=question.text[:500],
        answer=handover.answer,
        approved_by=actor,
        approved_at=timezone.now(),
        review_on=timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS),
    )
    curated.articles.set(articles)
    handover.promoted_to = curated
    handover.save(update_fields=["promoted_to"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.STAFF_ACTION,
        obj=handover,
        detail={"action": "assistant_handover_promote", "curated": curated.pk},
    )
    return curated


@transaction.atomic
def curated_approve(*, curated: CuratedAnswer, actor) -> CuratedAnswer:
    """Approve a curated answer: it is served from now until its review date."""
    if not actor.has_perm("feedback.change_curatedanswer"):
        raise PermissionDenied(_("You may not approve curated answers."))
    if not curated.articles.exists():
        raise ValidationError(_("A curated answer must rest on at least one article."))
    curated.approved_by = actor
    curated.approved_at = timezone.now()
    fields = ["approved_by", "approved_at", "updated_at"]
    if curated.review_on < timezone.localdate():
        curated.review_on = timezone.localdate() + timedelta(days=REVIEW_AFTER_DAYS)
        fields.append("review_on")
    curated.save(update_fields=fields)
    return curated
