"""Themes in Vietnamese free text: masking, word segmentation, TF-IDF, clusters.

Names and phone numbers are masked before anything else, so they never become
a keyword nor reach a page. Words are segmented with underthesea (its model
ships in the wheel: nothing is downloaded at run time), weighted with TF-IDF
and grouped with k-means (scikit-learn); a theme's keywords are its centre's
heaviest words. Identical answers are segmented once.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from members.text import fold, nfc

NAME_MASK = "[tên]"
PHONE_MASK = "[SĐT]"
MAX_THEMES = 10
SILHOUETTE_SAMPLE = 3000

# A Vietnamese phone: 0, 84 or +84, then 9 or 10 digits, perhaps grouped.
_PHONE = re.compile(r"(?<![\d+])(?:\+84|84|0)(?:[ .\-]?\d){8,10}(?!\d)")
_WORD = re.compile(r"[^\W\d_]+")
# Where a clause ends: words are never segmented across these.
_CLAUSES = re.compile(r"[,.;:!?()\n\r\t]+")
# The commonest family names, folded: a capitalised run starting with one is a name.
_FAMILY_NAMES = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "dinh",
        "mai",
        "trinh",
        "truong",
        "lam",
        "luong",
        "ha",
        "cao",
        "ta",
        "doan",
        "to",
        "la",
        "kieu",
        "thai",
        "quach",
        "van",
        "chu",
        "luu",
        "tang",
    ]
)
# Words that come before a name ("anh Hùng", "chị Lan", "tổ trưởng Minh").
_BEFORE_NAMES = frozenset(
    [
        "anh",
        "chi",
        "ong",
        "ba",
        "co",
        "chu",
        "em",
        "bac",
        "thay",
        "di",
        "cau",
        "ban",
        "truong",
        "pho",
        "quan",
        "sep",
    ]
)
# Function words and words every answer has: never a theme's keyword.
STOPWORDS = frozenset(
    [
        "và",
        "của",
        "là",
        "có",
        "cho",
        "không",
        "được",
        "các",
        "những",
        "một",
        "với",
        "trong",
        "thì",
        "mà",
        "này",
        "đó",
        "để",
        "khi",
        "như",
        "cũng",
        "đã",
        "sẽ",
        "đang",
        "rất",
        "nhiều",
        "hơn",
        "nên",
        "cần",
        "muốn",
        "về",
        "từ",
        "ra",
        "vào",
        "lại",
        "còn",
        "đến",
        "tôi",
        "chúng_tôi",
        "chúng_ta",
        "em",
        "anh",
        "chị",
        "mình",
        "họ",
        "ở",
        "theo",
        "do",
        "vì",
        "nếu",
        "hay",
        "hoặc",
        "nhưng",
        "bị",
        "thêm",
        "nữa",
        "ạ",
        "nhé",
        "quá",
        "lắm",
        "hết",
        "việc",
        "người",
        "gì",
        "ai",
        "nào",
        "sao",
        "thế",
        "vậy",
        "rồi",
        "đi",
        "làm",
        "mong",
        "đề_nghị",
        "kiến_nghị",
        "ý_kiến",
        "hy_vọng",
        "hi_vọng",
        "nhất",
        "cái",
        "chỉ",
        "vẫn",
        "đều",
        "tại",
        "bởi",
        "nhằm",
        "qua",
        "trên",
        "dưới",
        "sau",
        "trước",
        "giữa",
        "cùng",
        "nhau",
        "tự",
        "luôn",
        "thường",
        "hiện_nay",
        "tên",
        "sđt",
        "công_ty",
        "công_đoàn",
        "thật_sự",
        "thực_sự",
    ]
)


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def text_mask(text: str) -> str:
    """Return the text with phone numbers and people's names masked."""
    text = _PHONE.sub(PHONE_MASK, nfc(text))
    words = list(_WORD.finditer(text))

    def run(start: int, limit: int) -> int:
        """The index after a run of capitalised words from ``start``."""
        end = start
        while (
            end < len(words)
            and end - start < limit
            and _capitalised(words[end].group())
            and (end == start or _adjacent(text, words[end - 1], words[end]))
        ):
            end += 1
        return end

    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        word = words[i].group()
        folded = fold(word)
        # "Nguyễn Văn An": a family name and at least one more capitalised word
        # ("Lý do" is no name).
        if _capitalised(word) and folded in _FAMILY_NAMES:
            end = run(i, 4)
            if end - i >= 2:
                spans.append((words[i].start(), words[end - 1].end()))
                i = end
                continue
        # "anh Hùng", "tổ trưởng Minh": a capitalised run after such a word.
        if (
            folded in _BEFORE_NAMES
            and i + 1 < len(words)
            and _adjacent(text, words[i], words[i + 1])
        ):
            end = run(i + 1, 3)
            if end > i + 1:
                spans.append((words[i + 1].start(), words[end - 1].end()))
                i = end
                continue
        i += 1
    for start, stop in reversed(spans):
        text = text[:start] + NAME_MASK + text[stop:]
    return text


def _adjacent(text: str, left, right) -> bool:
    return not text[left.end() : right.start()].strip()


def text_words(text: str, *, clauses: dict | None = None) -> list[str]:
    """Return the answer's keywords: segmented, lower-case, no function words.

    The masked text is segmented clause by clause (commas, full stops...);
    ``clauses`` keeps each clause's words, so a clause many members wrote
    ("tăng lương", "bữa ăn ca") is segmented once.
    """
    words = []
    for clause in _CLAUSES.split(text_mask(text).lower()):
        clause = clause.strip()
        if not clause:
            continue
        if clauses is None:
            words.extend(_clause_words(clause))
            continue
        found = clauses.get(clause)
        if found is None:
            found = clauses[clause] = _clause_words(clause)
        words.extend(found)
    return words


def _clause_words(clause: str) -> list[str]:
    from underthesea import word_tokenize

    words = []
    for token in word_tokenize(clause):
        word = "_".join(token.split())
        if not word[:1].isalpha() or word in STOPWORDS or len(word) < 2:
            continue
        words.append(word)
    return words


@dataclass
class FoundTheme:
    label: str
    keywords: list[str]
    # Indexes of the texts (as given) in this theme.
    members: list[int] = field(default_factory=list)


@dataclass
class Found:
    themes: list[FoundTheme]
    unthemed: int


def _identity(words):
    return words


def _clusters_fit(matrix, weights) -> tuple[list[int], list[list[int]]]:
    """Cluster the rows; return each row's cluster and each cluster's rows.

    The TF-IDF rows are reduced to at most 100 dimensions (latent semantic
    analysis) and normalised, so k-means runs on small dense rows. The number
    of themes, 2 to MAX_THEMES, is the best silhouette on a sample.
    """
    import numpy as np
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    rows, features = matrix.shape
    if features > 2:
        reduced = TruncatedSVD(
            n_components=min(100, features - 1), random_state=0
        ).fit_transform(matrix)
    else:
        reduced = matrix.toarray()
    reduced = normalize(reduced)
    chance = np.random.default_rng(0)
    sample = (
        np.sort(chance.choice(rows, SILHOUETTE_SAMPLE, replace=False))
        if rows > SILHOUETTE_SAMPLE
        else np.arange(rows)
    )
    best_k, best_score = 2, -2.0
    for clusters in range(2, min(MAX_THEMES, len(sample) - 1) + 1):
        labels = (
            KMeans(n_clusters=clusters, random_state=0, n_init=2)
            .fit(reduced[sample], sample_weight=weights[sample])
            .labels_
        )
        if len(set(labels.tolist())) < 2:
            continue
        score = silhouette_score(reduced[sample], labels)
        if score > best_score:
            best_k, best_score = clusters, score
    model = KMeans(n_clusters=min(best_k, rows), random_state=0, n_init=2)
    labels = model.fit(reduced, sample_weight=weights).labels_.tolist()
    members: list[list[int]] = [[] for _ in range(model.n_clusters)]
    for row, label in enumerate(labels):
        members[label].append(row)
    return labels, members


def themes_find(
    texts: list[str], *, progress: Callable[[int], None] | None = None
) -> Found:
    """Group the texts into themes; call ``progress(done)`` as texts are read."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from threadpoolctl import threadpool_limits

    unique: dict[str, int] = {}
    index_of = []
    for text in texts:
        key = nfc(text).casefold()
        index_of.append(unique.setdefault(key, len(unique)))
    keys = list(unique)
    weights = np.zeros(len(keys))
    for index in index_of:
        weights[index] += 1
    documents = []
    done_texts = 0
    step = max(1, len(keys) // 50)
    clauses: dict[str, list[str]] = {}
    for position, key in enumerate(keys):
        documents.append(text_words(key, clauses=clauses))
        done_texts += int(weights[position])
        if progress is not None and (position + 1) % step == 0:
            # Segmenting is most of the work: it is 90% of the progress.
            progress(int(done_texts * 0.9))
    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        min_df=2 if len(keys) > 20 else 1,
        max_df=0.7,
        max_features=20000,
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # no word at all
        return Found(themes=[], unthemed=len(texts))
    has_words = np.asarray(matrix.getnnz(axis=1) > 0)
    rows = np.flatnonzero(has_words)
    if len(rows) < 2:
        return Found(themes=[], unthemed=len(texts))
    kept = matrix[rows]
    # One thread: a worker shares its cores with the web processes, and
    # OpenMP threads spinning on a busy machine cost more than they give.
    with threadpool_limits(limits=1):
        labels, clusters = _clusters_fit(kept, weights[rows])
    terms = vectorizer.get_feature_names_out()
    cluster_of = dict(zip(rows.tolist(), labels, strict=True))
    themes = []
    by_cluster: dict[int, FoundTheme] = {}
    for cluster, members in enumerate(clusters):
        if not members:
            continue
        # The theme's words: its answers' TF-IDF, weighted by how many wrote each.
        centre = np.asarray(
            kept[members].multiply(weights[rows][members][:, None]).sum(axis=0)
        ).ravel()
        top = [terms[i] for i in np.argsort(centre)[::-1][:6] if centre[i] > 0]
        keywords = [word.replace("_", " ") for word in top]
        themes.append(FoundTheme(label=", ".join(keywords[:3]), keywords=keywords))
        by_cluster[cluster] = themes[-1]
    unthemed = 0
    for position, unique_index in enumerate(index_of):
        cluster = cluster_of.get(unique_index)
        if cluster is None:
            unthemed += 1
        else:
            by_cluster[cluster].members.append(position)
    found = [theme for theme in themes if theme.members and theme.keywords]
    unthemed += sum(len(t.members) for t in themes if t.members and not t.keywords)
    found.sort(key=lambda theme: -len(theme.members))
    if progress is not None:
        progress(len(texts))
    return Found(themes=found, unthemed=unthemed)
