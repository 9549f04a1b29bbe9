"""The answering core: a built index and ``Engine.answer(question) -> Answer``.

Retrieval model (measured on ../shared/eval/dev.jsonl, see the README):
- every sentence is a BM25 document, scored with rank-bm25's ``BM25Okapi`` formula
  (k1=1.2, b=0.75, epsilon=0: a term found in over half the sentences counts 0 instead of
  being floored *up* to a quarter of the average idf — rank-bm25's default would make it
  outweigh rarer terms), computed exactly by ``SparseBM25``;
- a second, weaker field holds the sentence's context: its neighbours (±1 sentence, the
  interviewer's question before an answer) and the article title. A sentence's score is
  ``sentence + CONTEXT_WEIGHT * context``: the context helps a sentence that says "il" or
  "cet accord" be found, but the sentence itself must carry the answer;
- abstention: the best sentence (with its context) must cover at least MIN_COVERAGE of the
  question's information, measured as the share of the query terms' idf that it contains
  (a term absent from the corpus carries the highest idf, so "Bitcoin" or "Nvidia" in a
  question that the corpus cannot answer weighs against answering).
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval import messages
from retrieval.analyzer import ANALYZER_VERSION, Analyzer, Token, default_analyzer
from retrieval.bm25 import SparseBM25
from retrieval.corpus import read_corpus
from retrieval.ingest import Sentence, split_articles
from retrieval.model import Answer, Article, Snippet, Source

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
MAX_SNIPPET_CHARS = 350
SHORT_SENTENCE_CHARS = 90  # a sentence shorter than this is shown with its next neighbour
PROXIMITY_WINDOW = 2  # terms at most this far apart (after stop words) count as side by side

_NUMBER_QUESTION = re.compile(
    r"\b(?:combien|quel(?:le)?s? (?:montant|somme|part|nombre|pourcentage)|how (?:much|many))\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"\b(?:quand|depuis quand|en quelle année|à quelle date|when|what year)\b", re.IGNORECASE
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_DATE_WORDS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "lundi mardi mercredi jeudi vendredi samedi dimanche"
).split()


def answer_type(question: str) -> str | None:
    """What the question asks for: "number" (combien…), "date" (quand…) or None."""
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _DATE_QUESTION.search(question):
        return "date"
    return None


def _has_type(terms: Sequence[str], kind: str, date_terms: frozenset[str]) -> bool:
    if kind == "number":
        # An amount, not a year: "2019" answers "quand", not "combien".
        return any(
            (t[:1].isdigit() and not _YEAR.match(t)) or t in ("milliard", "million") for t in terms
        )
    return any(
        _YEAR.match(t) or t in date_terms for t in terms
    )


@dataclass(frozen=True)
class Params:
    """Retrieval parameters; every one is part of the index cache key."""

    k1: float = 0.9
    b: float = 0.5
    epsilon: float = 0.0
    context_weight: float = 0.2
    window: int = 1
    min_coverage: float = 0.5  # share of the question's idf the best sentence must cover
    follower_score_ratio: float = 0.3  # later snippets need this share of the best score
    proximity_weight: float = 0.5  # per pair of question terms found side by side
    answer_type_bonus: float = 0.3  # "combien" → an amount, "quand" → a date
    duplicate_jaccard: float = 0.6  # term-set overlap above which two sentences are one

    def key(self) -> str:
        return f"{self!r}|analyzer={ANALYZER_VERSION}"


@dataclass
class Index:
    """Everything answering needs, built from the corpus (or loaded from the cache)."""

    articles: dict[str, Article]
    sentences: list[Sentence]
    sentence_terms: list[list[str]]
    sentence_field: SparseBM25
    context_field: SparseBM25
    problems: list[str] = field(default_factory=list)  # corpus files that were skipped


def context_terms(
    sentences: Sequence[Sentence], terms: Sequence[list[str]], title_terms: list[str], window: int
) -> list[list[str]]:
    """For each sentence of one article: its neighbours' terms plus the article title's."""
    out = []
    for i, sentence in enumerate(sentences):
        ctx: list[str] = list(title_terms)
        for j in range(max(0, i - window), min(len(sentences), i + window + 1)):
            if j != i:
                ctx.extend(terms[j])
        # The interviewer's question (a heading) frames every sentence of the answer under it.
        for j in range(i - 1, -1, -1):
            if sentences[j].heading:
                if abs(j - i) > window:
                    ctx.extend(terms[j])
                break
        del sentence
        out.append(ctx)
    return out


def build_index(
    corpus_dir: Path,
    params: Params = Params(),
    analyzer: Analyzer | None = None,
    *,
    n_process: int = 1,
    progress=None,
) -> Index:
    """Read, clean, split and analyse the corpus, and index it with BM25."""
    analyzer = analyzer or default_analyzer()
    files, problems = read_corpus(corpus_dir)
    articles: dict[str, Article] = {}
    sentences: list[Sentence] = []
    sentence_terms: list[list[str]] = []
    contexts: list[list[str]] = []
    for article_file, article_sentences in split_articles(
        files, n_process=n_process, on_article=progress
    ):
        article = article_file.article
        articles[article.article_id] = article
        terms = [analyzer.terms(s.text) for s in article_sentences]
        title_terms = analyzer.terms(article.title)
        contexts.extend(context_terms(article_sentences, terms, title_terms, params.window))
        sentences.extend(article_sentences)
        sentence_terms.extend(terms)
    if not sentences:
        raise ValueError(f"no usable article in {corpus_dir}: {'; '.join(problems) or 'empty'}")
    fields = {"k1": params.k1, "b": params.b, "epsilon": params.epsilon}
    sentence_field = SparseBM25.build(sentence_terms, **fields)
    context_field = SparseBM25.build(contexts, **fields)
    return Index(articles, sentences, sentence_terms, sentence_field, context_field, problems)


@dataclass(frozen=True)
class _Hit:
    index: int
    score: float
    coverage: float
    terms: frozenset[str]


class Engine:
    """Answers questions from an :class:`Index`. Thread-safe: answering only reads."""

    def __init__(self, index: Index, params: Params = Params(), analyzer: Analyzer | None = None):
        self.index = index
        self.params = params
        self.analyzer = analyzer or default_analyzer()
        n = len(index.sentences)
        self._answerable = np.array([not s.heading for s in index.sentences], dtype=bool)
        self._position = {(s.article_id, s.position): i for i, s in enumerate(index.sentences)}
        self._n = n
        self._date_terms = frozenset(filter(None, map(self.analyzer.term_of, _DATE_WORDS)))

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles the engine answers from, oldest first."""
        return tuple(sorted(self.index.articles.values(), key=lambda a: (a.date, a.article_id)))

    # -- answering ----------------------------------------------------------------------------

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer:
        """Answer ``question`` with up to ``k`` cited snippets, skipping the first ``offset``.

        Never raises for any string: an empty or off-topic question gets an abstention.
        """
        k = max(1, min(int(k), 10))
        offset = max(0, int(offset))
        question = " ".join((question or "").split())
        text = question[:MAX_QUESTION_CHARS]
        tokens = self.analyzer.tokens(text)
        query = list(dict.fromkeys(t.term for t in tokens))
        if not query:
            return Answer(question, (), True, messages.NO_CONTENT_WORDS, terms=())
        weights = self._term_weights(text, tokens)
        hits = self._relevant_hits(query, weights, answer_type(text))
        if not hits:
            return Answer(question, (), True, messages.ABSTAIN, terms=tuple(query))
        groups = self._merge_duplicates(hits)
        page = groups[offset : offset + k]
        if not page:
            return Answer(question, (), True, messages.NO_MORE, terms=tuple(query))
        return Answer(
            question=question,
            snippets=tuple(self._snippets(page, set(query))),
            abstained=False,
            message=messages.ANSWER_LEAD,
            has_more=len(groups) > offset + k,
            terms=tuple(query),
        )

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Combined sentence + weighted context BM25 scores of every sentence."""
        sent = self.index.sentence_field.scores(query)
        ctx = self.index.context_field.scores(query)
        return sent + self.params.context_weight * ctx

    def _idf(self, term: str) -> float:
        # Smoothed, always-positive idf (Lucene's): log(1 + (N - df + .5) / (df + .5)).
        field_ = self.index.sentence_field
        df = field_.doc_freq(term)
        return math.log(1 + (field_.n_docs - df + 0.5) / (df + 0.5))

    def _term_weights(self, text: str, tokens: Sequence[Token]) -> dict[str, float]:
        """How much of the question's information each term carries, for the coverage test.

        A term the corpus has never seen gets the highest idf when it looks like a name
        (capitalised inside the question, with digits, or not a dictionary word: "Nvidia",
        "Bitcoin", "Misérables"): the corpus does not know what the question is about. A
        plain word the corpus happens not to use ("arrivé") counts half as much.
        """
        unseen = self._idf("\0")
        weights: dict[str, float] = {}
        for token in tokens:
            if token.term in weights:
                continue
            if self.index.sentence_field.doc_freq(token.term) or self.index.context_field.doc_freq(
                token.term
            ):
                weights[token.term] = self._idf(token.term)
                continue
            surface = text[token.start : token.end]
            name_like = (
                (surface[:1].isupper() and token.start > 0)
                or any(c.isdigit() for c in surface)
                or not self.analyzer.is_known_word(surface)
            )
            weights[token.term] = unseen if name_like else unseen / 2
        return weights

    def _relevant_hits(
        self, query: list[str], weights: dict[str, float], kind: str | None, pool: int = 60
    ) -> list[_Hit]:
        scores = np.where(self._answerable, self.scores(query), 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        if candidates.size > pool:
            candidates = candidates[np.argpartition(-scores[candidates], pool)[:pool]]
        total = sum(weights.values())
        ranked: list[_Hit] = []
        for i in candidates:
            own = self.index.sentence_terms[i]
            own_set = frozenset(own)
            if not own_set.intersection(query):
                continue  # found only through its neighbours: the neighbour is the answer
            covered = own_set | self._context_set(int(i))
            coverage = sum(w for t, w in weights.items() if t in covered) / total
            score = float(scores[i]) + self._proximity_bonus(own, query, weights)
            if kind and _has_type(own, kind, self._date_terms):
                score *= 1 + self.params.answer_type_bonus
            ranked.append(_Hit(int(i), score, coverage, own_set))
        ranked.sort(key=lambda h: -h.score)
        if not ranked or ranked[0].coverage < self.params.min_coverage:
            return []
        best = ranked[0].score
        return [
            h
            for h in ranked
            if h.coverage >= self.params.min_coverage
            and h.score >= self.params.follower_score_ratio * best
        ]

    def _proximity_bonus(
        self, terms: Sequence[str], query: Sequence[str], weights: dict[str, float]
    ) -> float:
        """Reward query terms that stand next to each other in the sentence as in the
        question ("PDG de Microsoft" for "CEO of Microsoft")."""
        positions: dict[str, list[int]] = {}
        for pos, term in enumerate(terms):
            if term in weights:
                positions.setdefault(term, []).append(pos)
        bonus = 0.0
        for a, b in zip(query, query[1:]):
            pa, pb = positions.get(a), positions.get(b)
            if pa and pb and min(abs(x - y) for x in pa for y in pb) <= PROXIMITY_WINDOW:
                bonus += self.params.proximity_weight * (weights[a] + weights[b]) / 2
        return bonus

    def _context_set(self, i: int) -> set[str]:
        s = self.index.sentences[i]
        out: set[str] = set()
        w = self.params.window
        for pos in range(s.position - w, s.position + w + 1):
            j = self._position.get((s.article_id, pos))
            if j is not None:
                out.update(self.index.sentence_terms[j])
        return out

    def _merge_duplicates(self, hits: list[_Hit]) -> list[list[_Hit]]:
        groups: list[list[_Hit]] = []
        for hit in hits:
            for group in groups:
                head = group[0]
                union = len(head.terms | hit.terms) or 1
                if len(head.terms & hit.terms) / union >= self.params.duplicate_jaccard:
                    if all(self.index.sentences[h.index].article_id
                           != self.index.sentences[hit.index].article_id for h in group):
                        group.append(hit)
                    break
            else:
                groups.append([hit])
        return groups

    def _snippets(self, page: list[list[_Hit]], query: set[str]) -> list[Snippet]:
        citation_of: dict[str, int] = {}
        snippets = []
        for group in page:
            sources = []
            for hit in group:
                article = self.index.articles[self.index.sentences[hit.index].article_id]
                number = citation_of.setdefault(article.article_id, len(citation_of) + 1)
                sources.append(
                    Source(article.article_id, article.title, article.date, article.source,
                           number)
                )
            head = group[0]
            text, ids = self._snippet_text(head.index)
            snippets.append(
                Snippet(
                    text=text,
                    sentence_ids=tuple(ids) + tuple(
                        self.index.sentences[h.index].sid for h in group[1:]
                    ),
                    sources=tuple(sources),
                    score=round(head.score, 4),
                    highlights=self._highlights(text, query),
                )
            )
        return snippets

    def _snippet_text(self, i: int) -> tuple[str, list[str]]:
        sentence = self.index.sentences[i]
        text, ids = sentence.text, [sentence.sid]
        if len(text) < SHORT_SENTENCE_CHARS:
            j = self._position.get((sentence.article_id, sentence.position + 1))
            if j is not None:
                nxt = self.index.sentences[j]
                joined = f"{text} {nxt.text}"
                if (nxt.paragraph == sentence.paragraph and not nxt.heading
                        and len(joined) <= MAX_SNIPPET_CHARS):
                    text, ids = joined, [*ids, nxt.sid]
        return shorten(text, MAX_SNIPPET_CHARS), ids

    def _highlights(self, text: str, query: set[str]) -> tuple[tuple[int, int], ...]:
        spans: list[tuple[int, int]] = []
        for token in self.analyzer.tokens(text):
            if token.term in query:
                if spans and spans[-1][1] >= token.start:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
                else:
                    spans.append((token.start, token.end))
        return tuple(spans)


_CLOSING = re.compile(r"[\s,;:–-]+$")


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters at a word boundary, ending with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return _CLOSING.sub("", cut) + "…"


def load_engine(
    corpus_dir: Path, index_dir: Path | None = None, params: Params = Params()
) -> Engine:
    """Build (or load from ``index_dir``'s cache) the index of ``corpus_dir``; return an Engine."""
    del index_dir  # the persistent cache is wired in retrieval.cache
    return Engine(build_index(corpus_dir, params), params)
