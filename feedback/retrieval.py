"""The assistant's search index: BM25 over Vietnamese syllables and their pairs.

Text becomes terms in two spellings: as written (diacritics-aware: "bán" and
"bạn" differ) and folded (diacritics-insensitive: "nghi viec" finds "nghỉ
việc"). Each spelling gives syllables and pairs of neighbouring syllables, so
"người lao động" matches as a phrase without a word segmenter. Four BM25
indexes (bm25s) are built once from the knowledge base and kept in memory:
whole articles, their titles, their clauses, and the curated questions.
An article's score fuses its own, its title's and its best clause's, each
divided by the best score of the query, so that the scales add up.

This module holds no Django code: ``feedback.selectors.assistant`` feeds it
the base's rows and keeps the built index until the base changes.
"""

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

import bm25s
import numpy as np

from members.text import fold

_WORD = re.compile(r"\w+", re.UNICODE)
# A clause starts a line with its number: "1. ", "12. ".
_CLAUSE = re.compile(r"^(\d{1,3})\.\s", re.MULTILINE)

# Function words of questions: they say how something is asked, not what.
# Matched as written (an unaccented one also when typed without accents);
# dropped from single terms, kept inside pairs ("nghỉ không lương").
STOPWORDS = frozenset(
    [
        "à",
        "ạ",
        "ai",
        "bao",
        "bị",
        "các",
        "cái",
        "cần",
        "cho",
        "chứ",
        "có",
        "của",
        "cũng",
        "đã",
        "đang",
        "để",
        "đến",
        "đi",
        "đó",
        "được",
        "gì",
        "hả",
        "hay",
        "hoặc",
        "hỏi",
        "khi",
        "không",
        "là",
        "lên",
        "mà",
        "mình",
        "mỗi",
        "một",
        "muốn",
        "nào",
        "này",
        "nếu",
        "nhé",
        "nhiêu",
        "nhiều",
        "như",
        "những",
        "nó",
        "ở",
        "ơi",
        "phải",
        "ra",
        "rồi",
        "sao",
        "sẽ",
        "thì",
        "thế",
        "theo",
        "thôi",
        "tôi",
        "trong",
        "từ",
        "và",
        "vậy",
        "về",
        "vì",
        "với",
        "vừa",
        "xin",
        "bạn",
        "em",
        "anh",
        "chị",
        "mấy",
        "ạ",
        "nhỉ",
    ]
)
_STOP_FOLDED = frozenset(fold(word) for word in STOPWORDS)


def _is_stopword(word: str, folded: str) -> bool:
    """Say if a syllable is a function word, as written or typed without accents."""
    return word in STOPWORDS or (word == folded and folded in _STOP_FOLDED)


# Abbreviations members type; expanded, never replacing what was typed.
ABBREVIATIONS = {
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "bhtn": "bảo hiểm thất nghiệp",
    "hdld": "hợp đồng lao động",
    "nld": "người lao động",
    "nsdld": "người sử dụng lao động",
    "tnld": "tai nạn lao động",
    "bnn": "bệnh nghề nghiệp",
    "atvsld": "an toàn vệ sinh lao động",
    "kcb": "khám bệnh chữa bệnh",
    "blld": "bộ luật lao động",
    "cd": "công đoàn",
}

# Members' everyday words beside the law's own: each side is added to the
# query when the other is typed. General vocabulary of labour relations, not
# the wording of any test question.
EVERYDAY_TERMS = (
    ("công ty", "người sử dụng lao động"),
    ("doanh nghiệp", "người sử dụng lao động"),
    ("sếp", "người sử dụng lao động"),
    ("nhân viên", "người lao động"),
    ("công nhân", "người lao động"),
    ("đuổi việc", "sa thải đơn phương chấm dứt hợp đồng lao động"),
    ("trái luật", "trái pháp luật"),
    ("cho nghỉ việc", "chấm dứt hợp đồng lao động"),
    ("nghỉ việc", "chấm dứt hợp đồng lao động"),
    ("thôi việc", "chấm dứt hợp đồng lao động"),
    ("mất việc", "mất việc làm"),
    ("nghỉ phép", "nghỉ hằng năm"),
    ("phép năm", "nghỉ hằng năm"),
    ("tăng ca", "làm thêm giờ"),
    ("lương hưu", "hưu trí"),
    ("về hưu", "nghỉ hưu"),
    ("đẻ", "sinh con"),
    ("bầu", "mang thai"),
    ("có thai", "mang thai"),
    ("ốm", "ốm đau"),
    ("bị bệnh", "ốm đau"),
    ("qua đời", "chết"),
    ("đền bù", "bồi thường"),
    ("nợ lương", "trả lương"),
    ("chậm lương", "trả lương"),
)


def syllables(text: str) -> list[str]:
    """Return the text's syllables, lower-case, in NFC."""
    return _WORD.findall(unicodedata.normalize("NFC", text or "").casefold())


def terms(text: str) -> list[str]:
    """Return the BM25 terms of a text: syllables and pairs, as written and folded.

    Folded terms carry the prefix ``~`` so that an unaccented syllable that
    happens to be written the same ("ca") never merges with an accented one.
    """
    words = syllables(text)
    folded = [fold(word) for word in words]
    kept = [
        (w, f) for w, f in zip(words, folded, strict=True) if not _is_stopword(w, f)
    ]
    out = [w for w, _ in kept] + [f"~{f}" for _, f in kept]
    out += [f"{a}_{b}" for a, b in pairwise(words)]
    out += [f"~{a}_{b}" for a, b in pairwise(folded)]
    return out


def _phrase_in(phrase: str, folded_text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded_text) is not None


def query_expand(query: str) -> str:
    """Return the query with abbreviations spelt out and the law's words added."""
    folded = " ".join(syllables(fold(query)))
    extra = [full for short, full in ABBREVIATIONS.items() if _phrase_in(short, folded)]
    for everyday, legal in EVERYDAY_TERMS:
        if _phrase_in(fold(everyday), folded):
            extra.append(legal)
    return " ".join([query, *extra])


def clauses(text: str) -> list[tuple[int | None, str]]:
    """Split an article's text into its numbered clauses: [(number, text), ...].

    The lines before the first number (the article's opening) are their own
    passage, numbered None; an article without numbered clauses is one passage.
    """
    starts = list(_CLAUSE.finditer(text))
    if not starts:
        return [(None, text.strip())]
    out = []
    head = text[: starts[0].start()].strip()
    if head:
        out.append((None, head))
    for match, following in zip(starts, [*starts[1:], None], strict=True):
        end = following.start() if following else len(text)
        out.append((int(match.group(1)), text[match.start() : end].strip()))
    return out


@dataclass(frozen=True)
class ArticleDoc:
    """What the index needs of an article."""

    id: int
    title: str
    chapter: str
    text: str
    # False when the article's document has been replaced: ranked after those in force.
    in_force: bool = True
    # What the article's law is about, from its title ("bảo hiểm y tế"): a
    # query naming it prefers that law's articles. Empty for decrees.
    subject: str = ""
    # True for a decree or circular: the law it details is cited first.
    guidance: bool = False


@dataclass(frozen=True)
class CuratedDoc:
    """What the index needs of a curated answer: its question and variants."""

    id: int
    questions: tuple[str, ...]


@dataclass
class ArticleHit:
    """An article found for a query, with its best clauses (number, text, score)."""

    article_id: int
    score: float
    bm25: float
    clauses: list[tuple[int | None, str, float]] = field(default_factory=list)


@dataclass
class CuratedHit:
    curated_id: int
    score: float
    coverage: float


@dataclass
class SearchResult:
    """What a search found: articles ranked, curated answers, and the match's facts."""

    articles: list[ArticleHit]
    curated: list[CuratedHit]
    # Share of the query's own terms (folded syllables, stop words out) that
    # the best covered of the first articles holds, and share of its pairs:
    # how much of what was asked the quoted passages actually speak of.
    coverage: float
    pair_coverage: float
    query_terms: int


def _bm25(corpus: list[list[str]]) -> bm25s.BM25 | None:
    """Return the BM25 index of ``corpus``, or None for an empty one."""
    if not corpus:
        return None
    index = bm25s.BM25(k1=1.2, b=0.75)
    # An empty document still needs a term, or bm25s's ids shift.
    index.index([doc or ["_"] for doc in corpus], show_progress=False)
    return index


def _scores(index: bm25s.BM25 | None, query: list[str]) -> np.ndarray:
    if index is None:
        return np.zeros(0, dtype=np.float32)
    known = [t for t in query if t in index.vocab_dict]
    if not known:
        return np.zeros(index.scores["num_docs"], dtype=np.float32)
    return index.get_scores(known)


class Index:
    """The built index of the base: articles, clauses and curated questions."""

    # Weights of the fused article score: the article's own, its best clause's.
    ARTICLE_WEIGHT = 0.35
    CLAUSE_WEIGHT = 0.35
    # An article's title names its subject ("Mức lương hưu hằng tháng"): the
    # title matched on its own weighs as much again.
    TITLE_WEIGHT = 0.3
    # An article of a replaced document keeps this share of its score.
    REPLACED_FACTOR = 0.7
    # Coverage is measured on this many of the first articles (those quoted).
    COVERAGE_OF = 3
    # An article of a decree or circular keeps this share of its score.
    GUIDANCE_FACTOR = 0.85
    # An article of the law the query names gains this share of its score.
    SUBJECT_BOOST = 0.25

    def __init__(self, *, articles: list[ArticleDoc], curated: list[CuratedDoc]):
        self.articles = articles
        self.article_terms = [set(terms(f"{a.title} {a.text}")) for a in articles]
        self.article_index = _bm25(
            [terms(f"{a.title} {a.title} {a.chapter} {a.text}") for a in articles]
        )
        self.title_index = _bm25([terms(a.title) for a in articles])
        self.clause_owner: list[int] = []
        self.clause_text: list[tuple[int | None, str]] = []
        clause_corpus = []
        for position, article in enumerate(articles):
            for number, text in clauses(article.text):
                self.clause_owner.append(position)
                self.clause_text.append((number, text))
                clause_corpus.append(terms(f"{article.title} {text}"))
        self.clause_index = _bm25(clause_corpus)
        self.clause_owner_array = np.array(self.clause_owner, dtype=np.int64)
        self.force = np.array(
            [
                (1.0 if a.in_force else self.REPLACED_FACTOR)
                * (self.GUIDANCE_FACTOR if a.guidance else 1.0)
                for a in articles
            ],
            dtype=np.float32,
        )
        self.subjects: dict[str, np.ndarray] = {}
        for position, article in enumerate(articles):
            subject = " ".join(syllables(fold(article.subject)))
            # Two syllables ("lao động") are in nearly every question.
            if len(subject.split()) >= 3:
                mask = self.subjects.setdefault(
                    subject, np.zeros(len(articles), dtype=bool)
                )
                mask[position] = True
        self.curated = curated
        self.curated_owner: list[int] = []
        curated_corpus = []
        for position, entry in enumerate(curated):
            for question in entry.questions:
                self.curated_owner.append(position)
                curated_corpus.append(terms(question))
        self.curated_index = _bm25(curated_corpus)
        self.curated_terms = [set(terms(" ".join(c.questions))) for c in curated]

    def search(self, query: str, *, k: int = 10) -> SearchResult:
        """Rank the base's articles and curated answers for ``query``."""
        own = terms(query)
        expanded = terms(query_expand(query))
        if not self.articles:
            return SearchResult([], [], 0.0, 0.0, len(own))
        article_scores = _scores(self.article_index, expanded)
        clause_scores = _scores(self.clause_index, expanded)
        best_clause = np.zeros(len(self.articles), dtype=np.float32)
        np.maximum.at(best_clause, self.clause_owner_array, clause_scores)
        fused = (
            self.ARTICLE_WEIGHT * _normalised(article_scores)
            + self.CLAUSE_WEIGHT * _normalised(best_clause)
            + self.TITLE_WEIGHT * _normalised(_scores(self.title_index, expanded))
        )
        fused = fused * self.force
        folded_query = " ".join(syllables(fold(query_expand(query))))
        for subject, mask in self.subjects.items():
            if _phrase_in(subject, folded_query):
                fused = np.where(mask, fused * (1 + self.SUBJECT_BOOST), fused)
        top = np.argsort(-fused, kind="stable")[:k]
        hits = [
            ArticleHit(
                article_id=self.articles[i].id,
                score=float(fused[i]),
                bm25=float(article_scores[i]),
                clauses=self._clauses_of(int(i), clause_scores),
            )
            for i in top
            if fused[i] > 0
        ]
        # The answer quotes the first few articles: the best covered one counts.
        coverage, pair_coverage = max(
            (
                _coverage(own, self.article_terms[int(i)])
                for i in top[: self.COVERAGE_OF]
                if fused[i] > 0
            ),
            key=sum,
            default=(0.0, 0.0),
        )
        return SearchResult(
            articles=hits,
            curated=self._curated(own, expanded),
            coverage=coverage,
            pair_coverage=pair_coverage,
            query_terms=len({t for t in own if t.startswith("~") and "_" not in t}),
        )

    def _clauses_of(self, position: int, scores: np.ndarray) -> list:
        found = [
            (*self.clause_text[i], float(scores[i]))
            for i in np.flatnonzero(self.clause_owner_array == position)
        ]
        return sorted(found, key=lambda c: -c[2])

    def _curated(self, own: list[str], expanded: list[str]) -> list[CuratedHit]:
        if self.curated_index is None:
            return []
        scores = _scores(self.curated_index, expanded)
        best: dict[int, float] = defaultdict(float)
        for i in np.flatnonzero(scores > 0):
            owner = self.curated_owner[int(i)]
            best[owner] = max(best[owner], float(scores[i]))
        hits = []
        for owner, score in sorted(best.items(), key=lambda kv: -kv[1])[:3]:
            coverage, pairs = _coverage(own, self.curated_terms[owner])
            hits.append(
                CuratedHit(
                    curated_id=self.curated[owner].id,
                    score=score,
                    coverage=math.sqrt(coverage * pairs),
                )
            )
        return hits


def _normalised(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores


def _coverage(query_terms: list[str], found: set[str]) -> tuple[float, float]:
    """Share of the query's folded syllables, and of its folded pairs, in ``found``."""
    singles = {t for t in query_terms if t.startswith("~") and "_" not in t}
    pairs = {t for t in query_terms if t.startswith("~") and "_" in t}
    single = len(singles & found) / len(singles) if singles else 0.0
    pair = len(pairs & found) / len(pairs) if pairs else 0.0
    return single, pair
