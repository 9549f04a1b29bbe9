"""The answering core: a built index and ``Engine.answer(question) -> Answer``.

Retrieval model (measured on ../shared/eval/dev.jsonl, see the README):
- every sentence is a BM25 document, scored with rank-bm25's ``BM25Okapi`` formula
  (k1=0.9, b=0.5, epsilon=0: a term found in over half the sentences counts 0 instead of
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

import itertools
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from openai_deals.retrieval.analyzer import Analyzer, Token, default_analyzer
from openai_deals.retrieval.cache import load_or_build
from openai_deals.retrieval.index import Index, Params
from openai_deals.retrieval.model import (
    MAX_K,
    MIN_K,
    MONTHS_FR,
    Answer,
    Article,
    Snippet,
    Source,
    Status,
)
from openai_deals.retrieval.text import shorten

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000  # enough for any real question; a pasted article stays cheap
MAX_SNIPPET_CHARS = 350
SHORT_SENTENCE_CHARS = 90  # a sentence shorter than this is shown with its next neighbour
CANDIDATE_POOL = 100  # best BM25 sentences reranked and tested; room for merged duplicates
MAX_SOURCES_PER_SNIPPET = 5  # a sentence syndicated in 60 articles cites the 5 best
PROXIMITY_WINDOW = 2  # terms at most this far apart (after stop words) count as side by side

_NUMBER_QUESTION = re.compile(
    r"\b(?:combien|quel(?:le)?s? (?:montant|somme|part|nombre|pourcentage)|how (?:much|many))\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"\b(?:quand|depuis quand|en quelle année|à quelle date|when|what year)\b", re.IGNORECASE
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_WORD = re.compile(r"[^\W\d_][\w-]*")
# Capitalised words in a row, as one name: "Sam Altman", "Satya Nadella".
_NAME_RUN = re.compile(r"\b[A-ZÀ-Ý][\w-]*(?: [A-ZÀ-Ý][\w-]*)*")
_DATE_WORDS = (*MONTHS_FR, "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _looks_like_name(surface: str, at_start: bool, analyzer: Analyzer) -> bool:
    """A proper name or a model: digits ("GPT-3", "2019"), inner capitals ("OpenAI", "xAI"),
    a capital inside the question, or a capital at its start on a non-dictionary word."""
    if any(c.isdigit() for c in surface) or any(c.isupper() for c in surface[1:]):
        return True
    if surface[:1].isupper():
        return not at_start or not analyzer.is_known_word(surface)
    return False


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
    return any(_YEAR.match(t) or t in date_terms for t in terms)


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
        self._answerable = ~index.heading
        # article number → its terms, filled on demand (answers touch few articles)
        self._article_terms_cache: dict[int, frozenset[str]] = {}
        self._date_terms = frozenset(filter(None, map(self.analyzer.term_of, _DATE_WORDS)))
        self._topics: tuple[str, ...] | None = None

    @property
    def articles(self) -> tuple[Article, ...]:
        """The articles the engine answers from, oldest first."""
        return tuple(sorted(self.index.articles, key=lambda a: (a.date, a.article_id)))

    def topics(self, n: int = 5) -> tuple[str, ...]:
        """The names the most articles mention ("OpenAI", "Microsoft"…), most first: what
        the corpus is about, derived from it so that a new article's subject shows up."""
        if self._topics is None:
            seen: dict[str, set[int]] = {}
            lower: set[str] = set()
            for i in range(len(self.index)):
                text = self.index.sentence(i).text
                lower.update(w.lower() for w in _WORD.findall(text) if w[:1].islower())
                article = int(self.index.article_of[i])
                for match in _NAME_RUN.finditer(text):
                    if match.start() > 0:  # a sentence's first word is capitalised anyway
                        seen.setdefault(match.group(), set()).add(article)
            names = [
                w for w in seen if len(w) > 2 and not w.isupper() and w.lower() not in lower
            ]
            names.sort(key=lambda w: (-len(seen[w]), w))
            self._topics = tuple(names)
        return self._topics[:n]

    # -- answering ----------------------------------------------------------------------------

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer:
        """Answer ``question`` with up to ``k`` cited snippets, skipping the first ``offset``.

        Never raises for any string: an empty or off-topic question gets an abstention.
        """
        k = max(MIN_K, min(int(k), MAX_K))
        offset = max(0, int(offset))
        question = " ".join((question or "").split())
        text = question[:MAX_QUESTION_CHARS]
        tokens = self.analyzer.tokens(text)
        query = list(dict.fromkeys(t.term for t in tokens))
        if not query:
            return Answer(question, (), Status.NO_KEYWORDS)
        weights, names = self._term_weights(text, tokens)
        hits = self._relevant_hits(query, weights, names, answer_type(text))
        if not hits:
            return Answer(
                question, (), Status.NOT_FOUND, terms=tuple(query), topics=self.topics()
            )
        groups = self._merge_duplicates(hits)
        page = groups[offset : offset + k]
        if not page:
            return Answer(question, (), Status.NO_MORE, terms=tuple(query))
        return Answer(
            question=question,
            snippets=tuple(self._snippets(page, set(query))),
            status=Status.ANSWERED,
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

    def _term_weights(self, text: str, tokens: Sequence[Token]) -> tuple[dict[str, float], set]:
        """How much of the question's information each term carries, and which terms name
        something (a company, a person, a model) rather than say what about it.

        A term the corpus has never seen gets the highest idf when it looks like a name: the
        corpus does not know what the question is about ("Nvidia", "Bitcoin", "Misérables").
        A plain word the corpus happens not to use ("tourner") counts half as much.
        """
        unseen = self._idf("\0")
        weights: dict[str, float] = {}
        names: set[str] = set()
        for token in tokens:
            if token.term in weights:
                continue
            surface = text[token.start : token.end]
            at_start = not text[: token.start].strip(" «\"'¿¡")
            if _looks_like_name(surface, at_start, self.analyzer):
                names.add(token.term)
            field_ = self.index.sentence_field
            if field_.doc_freq(token.term) or self.index.context_field.doc_freq(token.term):
                weights[token.term] = self._idf(token.term)
            elif token.term in names or not self.analyzer.is_known_word(surface):
                weights[token.term] = unseen
            else:
                weights[token.term] = unseen / 2
        return weights, names

    def _relevant_hits(
        self,
        query: list[str],
        weights: dict[str, float],
        names: set[str],
        kind: str | None,
        pool: int = CANDIDATE_POOL,
    ) -> list[_Hit]:
        """The sentences that answer, best first; empty when none is relevant enough.

        A sentence answers when (1) it holds at least one question term itself, (2) with its
        neighbours it covers MIN_COVERAGE of the question's idf, (3) when the question
        says something about its names ("salaire", "racheté", "investi"), it holds at least
        one of those words: the right names in a sentence about something else do not answer;
        and (4) its article mentions every name of the question ("Amazon" in "Combien Amazon
        a-t-il investi dans Anthropic ?").
        """
        about = set(query) - names
        scores = np.where(self._answerable, self.scores(query), 0.0)
        candidates = np.flatnonzero(scores > 0)
        if candidates.size == 0:
            return []
        if candidates.size > pool:
            candidates = candidates[np.argpartition(-scores[candidates], pool)[:pool]]
        total = sum(weights.values())
        ranked: list[_Hit] = []
        for i in candidates:
            own = self.index.terms(int(i))
            own_set = frozenset(own)
            if not own_set.intersection(query):
                continue  # found only through its neighbours: the neighbour is the answer
            if about and not own_set.intersection(about):
                continue
            if names and not names <= self._article_terms(int(self.index.article_of[i])):
                continue
            covered = own_set | self._context_set(int(i))
            coverage = sum(w for t, w in weights.items() if t in covered) / total
            score = float(scores[i]) + self._proximity_bonus(own, query, weights)
            if kind and _has_type(own, kind, self._date_terms):
                score *= 1 + self.params.answer_type_bonus
            if self.index.position[i] < 2:
                # A news article's lede sums it up (the "lead" prior of news summarisation).
                score *= 1 + self.params.lead_bonus
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
        for a, b in itertools.pairwise(query):
            pa, pb = positions.get(a), positions.get(b)
            if pa and pb and min(abs(x - y) for x in pa for y in pb) <= PROXIMITY_WINDOW:
                bonus += self.params.proximity_weight * (weights[a] + weights[b]) / 2
        return bonus

    def _article_terms(self, article: int) -> frozenset[str]:
        terms = self._article_terms_cache.get(article)
        if terms is None:
            start, end = np.searchsorted(self.index.article_of, [article, article + 1])
            terms = frozenset(
                itertools.chain(
                    self.analyzer.terms(self.index.articles[article].title),
                    *(self.index.terms(j) for j in range(int(start), int(end))),
                )
            )
            self._article_terms_cache[article] = terms
        return terms

    def _context_set(self, i: int) -> set[str]:
        out: set[str] = set()
        for delta in range(-self.params.window, self.params.window + 1):
            j = self.index.neighbour(i, delta)
            if j is not None:
                out.update(self.index.terms(j))
        return out

    def _merge_duplicates(self, hits: list[_Hit]) -> list[list[_Hit]]:
        groups: list[list[_Hit]] = []
        for hit in hits:
            for group in groups:
                head = group[0]
                union = len(head.terms | hit.terms) or 1
                if len(head.terms & hit.terms) / union >= self.params.duplicate_jaccard:
                    if len(group) < MAX_SOURCES_PER_SNIPPET and all(
                        self.index.article_of[h.index] != self.index.article_of[hit.index]
                        for h in group
                    ):
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
                article = self.index.article(hit.index)
                number = citation_of.setdefault(article.article_id, len(citation_of) + 1)
                sources.append(
                    Source(article.article_id, article.title, article.date, article.source, number)
                )
            head = group[0]
            text, ids = self._snippet_text(head.index, query)
            snippets.append(
                Snippet(
                    text=text,
                    sentence_ids=tuple(ids)
                    + tuple(self.index.sentence(h.index).sid for h in group[1:]),
                    sources=tuple(sources),
                    score=round(head.score, 4),
                    highlights=self._highlights(text, query),
                )
            )
        return snippets

    def _snippet_text(self, i: int, query: set[str]) -> tuple[str, list[str]]:
        sentence = self.index.sentence(i)
        text, ids = sentence.text, [sentence.sid]
        if len(text) < SHORT_SENTENCE_CHARS:
            j = self.index.neighbour(i, 1)
            if j is not None:
                nxt = self.index.sentence(j)
                joined = f"{text} {nxt.text}"
                if (
                    nxt.paragraph == sentence.paragraph
                    and not nxt.heading
                    and len(joined) <= MAX_SNIPPET_CHARS
                ):
                    text, ids = joined, [*ids, nxt.sid]
        return shorten(text, MAX_SNIPPET_CHARS, self._highlights(text, query)), ids

    def _highlights(self, text: str, query: set[str]) -> tuple[tuple[int, int], ...]:
        spans: list[tuple[int, int]] = []
        for token in self.analyzer.tokens(text):
            if token.term in query:
                if spans and spans[-1][1] >= token.start:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
                else:
                    spans.append((token.start, token.end))
        return tuple(spans)


def load_engine(
    corpus_dir: Path,
    index_dir: Path,
    params: Params = Params(),
    *,
    rebuild: bool = False,
    n_process: int = 1,
    progress=None,
) -> Engine:
    """Load the cached index of ``corpus_dir`` from ``index_dir`` (building it if it is
    missing or stale) and return an Engine over it."""
    index, cached = load_or_build(
        corpus_dir, index_dir, params, rebuild=rebuild, n_process=n_process, progress=progress
    )
    logger.info(
        "Index %s: %d sentences from %d articles (%s)",
        index_dir,
        len(index),
        len(index.articles),
        "cache" if cached else "built",
    )
    return Engine(index, params)
