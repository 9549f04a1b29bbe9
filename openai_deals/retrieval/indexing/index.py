"""The built index: sentences, their terms and the two BM25 fields, as flat numpy arrays.

The same arrays serve a freshly built index and one loaded (memory-mapped) from the cache, so
loading never re-creates millions of Python objects: a sentence's text and terms are decoded
only when an answer needs them.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from openai_deals.retrieval.analyzer import ANALYZER_VERSION, default_analyzer
from openai_deals.retrieval.deals.extract import (
    article_records,
    deals_from_json,
    deals_to_json,
    merge,
)
from openai_deals.retrieval.indexing.article_cache import ArticleAnalysis, ArticleCache
from openai_deals.retrieval.indexing.bm25 import SparseBM25
from openai_deals.retrieval.ingestion.corpus import (
    ArticleFile,
    CorpusProblem,
    EmptyCorpusError,
    Issue,
    read_corpus,
)
from openai_deals.retrieval.ingestion.sentences import Sentence, split_articles
from openai_deals.retrieval.model import Article, Deal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Params:
    """Retrieval parameters (see ``openai_deals.retrieval.answering.engine`` for what each does and
    docs/retrieval.md for how they were measured). The indexing ones are part of the cache key."""

    k1: float = 0.9
    b: float = 0.5
    epsilon: float = 0.0
    context_weight: float = 0.2  # weight of the context field (neighbours, title)
    window: int = 1  # neighbours on each side that make a sentence's context
    follower_score_ratio: float = 0.3  # later snippets need this share of the best score
    duplicate_jaccard: float = 0.6  # term-set overlap above which two sentences are one

    def index_key(self) -> str:
        """What the built index depends on besides the corpus and the code."""
        return f"k1={self.k1} b={self.b} eps={self.epsilon} window={self.window} " + (
            f"analyzer={ANALYZER_VERSION}"
        )


def _pack_strings(items: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8") for s in items]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


class Index:
    """Sentences of the corpus with their analysed terms and BM25 fields."""

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict) -> None:
        self._a = arrays
        self._meta = meta
        self.articles: list[Article] = [Article(**a) for a in meta["articles"]]
        self.problems = [CorpusProblem.from_dict(p) for p in meta.get("problems", [])]
        self.vocabulary: list[str] = meta["vocabulary"]
        # The analyzer that made the terms: a question must be analysed by the same one.
        self.analyzer_version: str | None = meta.get("analyzer")
        # Proper names, the ones most articles mention first (``corpus_names``).
        self.names: list[str] = list(meta.get("names", []))
        # Read once at build time (spaCy's tagger and NER are slow) and stored in the metadata.
        self.deals: tuple[Deal, ...] = deals_from_json(meta["deals"]) if "deals" in meta else ()
        self.sentence_field = SparseBM25.from_arrays(_prefixed(arrays, "s_"))
        self.context_field = SparseBM25.from_arrays(_prefixed(arrays, "c_"))
        self.article_of = arrays["article"]
        self.heading = arrays["heading"].astype(bool)
        self.position = arrays["position"]
        self._text = arrays["text_utf8"]
        self._text_off = arrays["text_offsets"]
        self._terms = arrays["term_ids"]
        self._terms_off = arrays["term_offsets"]
        # Where each article's sentences start (they are consecutive), and the end.
        self._article_start = np.searchsorted(
            self.article_of, np.arange(len(self.articles) + 1, dtype=self.article_of.dtype)
        )
        # Articles split and analysed by the build that made this index (not stored).
        self.analysed_articles = 0

    def __len__(self) -> int:
        return len(self.article_of)

    def text(self, i: int) -> str:
        return bytes(self._text[self._text_off[i] : self._text_off[i + 1]]).decode("utf-8")

    def texts(self) -> list[str]:
        """Every sentence's text, in order (one read of the text buffer, not one per
        sentence: the vector cache checks all of them at every start)."""
        buffer = bytes(self._text)
        offsets = self._text_off.tolist()
        return [buffer[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]

    def terms(self, i: int) -> list[str]:
        ids = self._terms[self._terms_off[i] : self._terms_off[i + 1]]
        return [self.vocabulary[t] for t in ids.tolist()]

    def article_term_ids(self, article: int) -> np.ndarray:
        """The term ids of every sentence of ``article`` (one slice: an article's sentences
        are consecutive)."""
        start, end = self._article_start[article], self._article_start[article + 1]
        return self._terms[self._terms_off[start] : self._terms_off[end]]

    def article(self, i: int) -> Article:
        return self.articles[int(self.article_of[i])]

    def sentence(self, i: int) -> Sentence:
        article = self.article(i)
        position = int(self.position[i])
        return Sentence(
            sid=f"{article.article_id}#{position}",
            article_id=article.article_id,
            position=position,
            text=self.text(i),
            paragraph=int(self._a["paragraph"][i]),
            heading=bool(self.heading[i]),
        )

    def neighbour(self, i: int, delta: int) -> int | None:
        """The sentence ``delta`` places away in the same article, if any."""
        j = i + delta
        if 0 <= j < len(self) and self.article_of[j] == self.article_of[i]:
            return j
        return None

    def to_store(self) -> tuple[dict[str, np.ndarray], dict]:
        """The arrays and JSON metadata this index was made from, for
        ``retrieval.indexing.store``."""
        return dict(self._a), self._meta


_WORD = re.compile(r"[^\W\d_][\w-]*")
# Capitalised words in a row, as one name: "Sam Altman", "Satya Nadella".
_NAME_RUN = re.compile(r"\b[A-ZÀ-Ý][\w-]*(?: [A-ZÀ-Ý][\w-]*)*")
_MAX_NAMES = 2000  # enough for spelling correction; the abstention message shows five


def corpus_names(sentences: Iterable[str], article_of: Sequence[int]) -> list[str]:
    """The proper names of the corpus ("OpenAI", "Sam Altman"), the ones most articles
    mention first: capitalised words inside a sentence that the corpus never writes in
    lower case (so "Le" or "Microsoft" at a sentence start does not count twice)."""
    seen: dict[str, set[int]] = {}
    lower: set[str] = set()
    for text, article in zip(sentences, article_of, strict=True):
        lower.update(w.lower() for w in _WORD.findall(text) if w[:1].islower())
        for match in _NAME_RUN.finditer(text):
            if match.start() > 0:  # a sentence's first word is capitalised anyway
                seen.setdefault(match.group(), set()).add(article)
    names = [w for w in seen if len(w) > 2 and not w.isupper() and w.lower() not in lower]
    names.sort(key=lambda w: (-len(seen[w]), w))
    return names[:_MAX_NAMES]


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}


def context_terms(
    sentences: Sequence[Sentence], terms: Sequence[list[str]], title: list[str], window: int
) -> list[list[str]]:
    """For each sentence of one article: the article title's terms, its neighbours' (±window)
    and the interviewer's question it answers (the nearest heading above it)."""
    out = []
    for i in range(len(sentences)):
        ctx: list[str] = list(title)
        for j in range(max(0, i - window), min(len(sentences), i + window + 1)):
            if j != i:
                ctx.extend(terms[j])
        for j in range(i - window - 1, -1, -1):
            if sentences[j].heading:
                ctx.extend(terms[j])
                break
        out.append(ctx)
    return out


# One analysed article: its sentences, their terms, their context terms.
_Analysed = tuple[list[Sentence], list[list[str]], list[list[str]]]
# Articles per task when several processes share the work: big enough to amortise pickling.
_CHUNK = 64


def _analyse(files: list[ArticleFile], window: int) -> list[_Analysed]:
    """Split and analyse ``files`` (runs in a worker process when ``n_process`` > 1)."""
    analyzer = default_analyzer()
    out = []
    for article_file, sentences in split_articles(files):
        terms = [analyzer.terms(s.text) for s in sentences]
        title = analyzer.terms(article_file.article.title)
        out.append((sentences, terms, context_terms(sentences, terms, title, window)))
    return out


def _analysed_articles(
    files: list[ArticleFile], window: int, n_process: int
) -> Iterator[_Analysed]:
    if n_process <= 1 or len(files) <= _CHUNK:
        for i in range(0, len(files), _CHUNK):
            yield from _analyse(files[i : i + _CHUNK], window)
        return
    # Whole articles go to the workers, analysis included: spaCy's own n_process would only
    # parallelise tokenisation and pay to pickle every Doc back (measured: slower than one).
    chunks = [files[i : i + _CHUNK] for i in range(0, len(files), _CHUNK)]
    with ProcessPoolExecutor(max_workers=n_process) as pool:
        for result in pool.map(_analyse, chunks, itertools.repeat(window)):
            yield from result


def build_index(
    corpus_dir: Path,
    params: Params = Params(),
    *,
    n_process: int = 1,
    progress: Callable[[], None] | None = None,
    article_cache: ArticleCache | None = None,
) -> Index:
    """Read, clean, split and analyse the corpus, and index it with BM25.

    ``n_process`` > 1 shares the splitting and analysis among worker processes;
    ``progress`` is called once per article. With an ``article_cache``, an article analysed
    by an earlier build (same text, metadata and code) is read back instead of analysed
    again; ``Index.analysed_articles`` tells how many were analysed.

    Raises:
        EmptyCorpusError: no usable article (its ``problems`` name every file and why).
        CorpusDirError: ``corpus_dir`` is missing, a file, or unreadable.
    """
    files, problems = read_corpus(corpus_dir)
    analyses = _analyses(files, params.window, n_process, progress, article_cache)
    articles: list[Article] = []
    sentences: list[Sentence] = []
    sentence_terms: list[list[str]] = []
    contexts: list[list[str]] = []
    article_of: list[int] = []
    records: list[Deal] = []
    for article_file, analysis in zip(files, analyses, strict=True):
        if not analysis.sentences:
            problem = CorpusProblem(article_file.path.name, Issue.NO_SENTENCE)
            logger.warning("Skipped corpus file %s", problem, extra={"problem": problem})
            problems.append(problem)
            continue
        contexts.extend(analysis.context)
        article_of.extend([len(articles)] * len(analysis.sentences))
        articles.append(article_file.article)
        sentences.extend(analysis.sentences)
        sentence_terms.extend(analysis.terms)
        records.extend(analysis.deals)
    if not sentences:
        raise EmptyCorpusError(corpus_dir, problems)

    vocab: dict[str, int] = {}
    for doc in (*sentence_terms, *contexts):
        for term in doc:
            vocab.setdefault(term, len(vocab))
    bm25 = {"k1": params.k1, "b": params.b, "epsilon": params.epsilon, "vocabulary": vocab}
    sentence_field = SparseBM25.build(sentence_terms, **bm25)
    context_field = SparseBM25.build(contexts, **bm25)

    text_utf8, text_offsets = _pack_strings([s.text for s in sentences])
    term_offsets = np.zeros(len(sentence_terms) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in sentence_terms], out=term_offsets[1:])
    arrays = {
        "article": np.array(article_of, dtype=np.int32),
        "position": np.array([s.position for s in sentences], dtype=np.int32),
        "paragraph": np.array([s.paragraph for s in sentences], dtype=np.int32),
        "heading": np.array([s.heading for s in sentences], dtype=np.uint8),
        "text_utf8": text_utf8,
        "text_offsets": text_offsets,
        "term_ids": np.array([vocab[t] for doc in sentence_terms for t in doc], dtype=np.int32),
        "term_offsets": term_offsets,
        **{f"s_{k}": v for k, v in sentence_field.to_arrays().items()},
        **{f"c_{k}": v for k, v in context_field.to_arrays().items()},
    }
    deals = merge(records)
    logger.info("Read %d deals from %d sentences", len(deals), len(sentences))
    meta = {
        "articles": [asdict(a) for a in articles],
        "problems": [p.as_dict() for p in problems],
        "vocabulary": list(vocab),
        "analyzer": ANALYZER_VERSION,
        "names": corpus_names((s.text for s in sentences), article_of),
        "deals": deals_to_json(deals),  # read at build time: spaCy's tagger and NER are slow
    }
    index = Index(arrays, meta)
    index.analysed_articles = sum(1 for a in analyses if a.analysed)
    if article_cache is not None:
        article_cache.keep_only(files)
    return index


def _analyses(
    files: list[ArticleFile],
    window: int,
    n_process: int,
    progress: Callable[[], None] | None,
    cache: ArticleCache | None,
) -> list[ArticleAnalysis]:
    """Each file's analysis, from ``cache`` when it has it, else split, analysed and its
    deals read (then stored in ``cache``)."""
    found = [cache.get(f) if cache is not None else None for f in files]
    for analysis in found:
        if analysis is not None and progress:
            progress()
    todo = [f for f, a in zip(files, found, strict=True) if a is None]
    fresh: list[ArticleAnalysis] = []
    for _, (sentences, terms, ctx) in zip(
        todo, _analysed_articles(todo, window, n_process), strict=True
    ):
        fresh.append(ArticleAnalysis(sentences, terms, ctx, []))
        if progress:
            progress()
    # One batched spaCy pass for the deals of every new article.
    for analysis, deals in zip(
        fresh,
        article_records([(f.article, a.sentences) for f, a in zip(todo, fresh, strict=True)]),
        strict=True,
    ):
        analysis.deals = deals
        analysis.analysed = True
    for file, analysis in zip(todo, fresh, strict=True):
        if cache is not None:
            cache.put(file, analysis)
    new = iter(fresh)
    return [a if a is not None else next(new) for a in found]
