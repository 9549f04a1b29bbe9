"""The second stage: every candidate sentence gets its evidence measured and one score.

A candidate comes from BM25 (the first stage) or, when embeddings are on, from the nearest
sentence vectors (a "rescue" for sentences that share no word with the question: an English
question, a paraphrase). Its :class:`Candidate` record holds the lexical and semantic
evidence that both the ranking and the abstention decision read.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from openai_deals.retrieval.answering.query import DateRef, Query
from openai_deals.retrieval.deals.extract import shift_date
from openai_deals.retrieval.indexing.index import Index
from openai_deals.retrieval.lang.deals_lexicon import RELATIVE_DATES
from openai_deals.retrieval.model import MONTHS_FR

PROXIMITY_WINDOW = 2  # terms at most this far apart (after stop words) count as side by side
TITLE_CACHE = 4096  # articles whose title terms are kept


@dataclass(frozen=True)
class Weights:
    """How the evidence adds up to a ranking score."""

    semantic: float = 0.0  # share of the cosine against the normalised BM25 score
    proximity: float = 0.5  # per pair of question terms side by side, in idf units
    answer_type: float = 0.3  # "combien" → an amount, "quand" → a date
    date: float = 0.0  # the sentence or its article is of the date the question names
    lead: float = 0.1  # the first two sentences of an article (a news lede sums it up)
    missing_name: float = 1.0  # factor when the article lacks one of the question's names
    off_topic: float = 1.0  # factor when the sentence has none of the question's other words


# Chosen on eval/tune.jsonl by scripts/tune.py (grid search: hit@1, then hit@3, then MRR);
# docs/retrieval.md has the numbers. The missing-name and off-topic penalties were offered to
# the search and left at no effect: the decision (decide.py) weighs that evidence instead.
SEMANTIC_WEIGHTS = Weights(semantic=0.6, proximity=0.25, answer_type=0.15, date=0.4, lead=0.0)
LEXICAL_WEIGHTS = Weights(semantic=0.0, proximity=0.5, answer_type=0.3, date=0.0, lead=0.1)


@dataclass(frozen=True)
class Candidate:
    """One sentence with the evidence that it answers the question."""

    index: int
    bm25: float  # two-field BM25
    cosine: float  # question · sentence (0 when embeddings are off)
    coverage: float  # share of the question's idf in the sentence, its context or date
    about_coverage: float  # the same share of its other words (neither names nor dates)
    names_near: float  # share of the question's names in the sentence or its neighbours
    key_covered: bool  # its rarest other word is in the sentence or its neighbours
    own_hit: bool  # the sentence itself holds a question term
    about_hit: bool  # it holds one of the question's non-name words
    names_ok: bool  # its article mentions every name of the question
    typed: bool  # it holds the kind of answer asked for (an amount, a date)
    typed_near: bool  # it or a neighbour holds it
    dated: bool  # it, or its article, is of a date the question names
    proximity: float
    terms: frozenset[str]
    score: float = 0.0


def _phrase(words: Sequence[str]) -> re.Pattern[str]:
    text = "".join(w if w.endswith("'") else f"{w} " for w in words).strip()
    return re.compile(rf"\b{re.escape(text)}\b")


# "l'année dernière", "le mois dernier"…: dates a sentence states relative to its article's.
_RELATIVE = tuple((_phrase(words), shift) for words, shift in RELATIVE_DATES.items())


def relative_dates(text: str, article_date: str) -> tuple[str, ...]:
    """The dates ``text`` states relative to its article's date ("l'an dernier" in a 2023
    article → "2022"; "le mois dernier" in a January 2023 one → "2022-12")."""
    low = text.lower().replace("’", "'")
    return tuple(
        shift_date(article_date[:7] if months else article_date[:4], years, months)
        for pattern, (years, months) in _RELATIVE
        if pattern.search(low)
    )


class Evidence:
    """Measures candidates against one index. Thread-safe: a measure only reads the index,
    and the one cache (article titles' terms) is bounded and locked."""

    def __init__(self, index: Index, analyzer, date_terms: frozenset[str]):
        self.index = index
        self.analyzer = analyzer
        self._date_terms = date_terms
        self._month_terms = tuple(analyzer.term_of(m) for m in MONTHS_FR)
        # term → id of the index's stored sentence terms: the build gives both BM25 fields
        # and the sentences' term ids one vocabulary (index.build_index).
        self._term_id = index.sentence_field.vocabulary
        # Bounded: a corpus of a million sentences has tens of thousands of articles.
        self._title_terms = functools.lru_cache(maxsize=TITLE_CACHE)(self._analyse_title)

    def _states(self, date: DateRef, terms: frozenset[str]) -> bool:
        """The sentence names the date: its year if it has one, its month if it has one."""
        if date.year is not None and str(date.year) not in terms:
            return False
        return date.month is None or self._month_terms[date.month - 1] in terms

    def _analyse_title(self, article: int) -> frozenset[str]:
        return frozenset(self.analyzer.terms(self.index.articles[article].title))

    def names_in_article(self, names: frozenset[str], article: int) -> bool:
        """Every one of ``names`` is in the article's title or one of its sentences.

        Compared as term ids over the article's slice of the index: decoding every sentence
        of every candidate's article to strings cost most of an answer at a million
        sentences, where each answer meets articles it has never seen."""
        missing = names - self._title_terms(article)
        if not missing:
            return True
        ids = [self._term_id.get(t) for t in missing]
        if None in ids:
            return False
        body = self.index.article_term_ids(article)
        return all(bool((body == i).any()) for i in ids)

    def measure_all(
        self,
        q: Query,
        bm25: dict[int, float],
        cosines: dict[int, float],
        window: int,
        proximity_weight: float,
    ) -> list[Candidate]:
        """Every candidate's evidence (``bm25``: sentence → score), unranked. Neighbouring
        candidates share their terms, and candidates of one article their names check."""
        terms: dict[int, list[str]] = {}
        names_ok: dict[int, bool] = {}

        def terms_of(j: int) -> list[str]:
            if j not in terms:
                terms[j] = self.index.terms(j)
            return terms[j]

        out = []
        for i, score in bm25.items():
            covered: set[str] = set()
            for delta in range(-window, window + 1):
                j = self.index.neighbour(i, delta)
                if j is not None:
                    covered.update(terms_of(j))
            article = int(self.index.article_of[i])
            if q.names and article not in names_ok:
                names_ok[article] = self.names_in_article(q.names, article)
            out.append(
                self._measure(
                    q,
                    i,
                    bm25=score,
                    cosine=cosines.get(i, 0.0),
                    own=terms_of(i),
                    covered=covered,
                    names_ok=names_ok.get(article, True),
                    proximity_weight=proximity_weight,
                )
            )
        return out

    def _measure(
        self,
        q: Query,
        i: int,
        bm25: float,
        cosine: float,
        own: list[str],
        covered: set[str],
        names_ok: bool,
        proximity_weight: float,
    ) -> Candidate:
        """``own``: the sentence's terms; ``covered``: those of it and its neighbours;
        ``names_ok``: its article holds every name of the question."""
        own_set = frozenset(own)
        article_no = int(self.index.article_of[i])
        article = self.index.articles[article_no]
        dated = False
        if q.dates:
            relative = relative_dates(self.index.text(i), article.date)
            dated = any(
                d.matches(article.date)
                or self._states(d, own_set)
                or any(d.matches(iso) for iso in relative)
                for d in q.dates
            )
        if dated:
            covered = covered | q.date_terms
        coverage = sum(w for t, w in q.weights.items() if t in covered) / q.total_weight
        about = q.about
        about_weight = sum(q.weights[t] for t in about)
        about_coverage = (
            sum(q.weights[t] for t in about if t in covered) / about_weight if about_weight else 1.0
        )
        name_weight = sum(q.weights[t] for t in q.names)
        names_near = (
            sum(q.weights[t] for t in q.names if t in covered) / name_weight if name_weight else 1.0
        )
        # In question order, so that a tie goes to the same word in every process (a set's
        # order changes with the interpreter's hash seed).
        typed = has_type(own, q.kind, self._date_terms)
        key = max((t for t in q.terms if t in about), key=lambda t: q.weights[t], default=None)
        return Candidate(
            index=i,
            names_near=names_near,
            key_covered=key is None or key in covered,
            bm25=bm25,
            cosine=cosine,
            coverage=coverage,
            about_coverage=about_coverage,
            own_hit=bool(own_set.intersection(q.terms)),
            about_hit=not q.about or bool(own_set & q.about),
            names_ok=names_ok,
            typed=typed,
            typed_near=typed or has_type(tuple(covered), q.kind, self._date_terms),
            dated=dated,
            proximity=_proximity(own, q, proximity_weight),
            terms=own_set,
        )


def has_type(terms: Sequence[str], kind: str | None, date_terms: frozenset[str]) -> bool:
    """True when ``terms`` hold what a question of type ``kind`` asks for."""
    if kind == "number":
        # An amount, not a year: "2019" answers "quand", not "combien".
        return any(
            (t[:1].isdigit() and not _is_year(t)) or t in ("milliard", "million") for t in terms
        )
    if kind == "date":
        return any(_is_year(t) or t in date_terms for t in terms)
    return False


def _is_year(term: str) -> bool:
    return len(term) == 4 and term.isdigit() and term[:2] in ("19", "20")


def _proximity(terms: Sequence[str], q: Query, weight: float) -> float:
    """Reward question terms that stand side by side in the sentence as in the question
    ("PDG de Microsoft" for "CEO of Microsoft")."""
    positions: dict[str, list[int]] = {}
    for pos, term in enumerate(terms):
        if term in q.weights:
            positions.setdefault(term, []).append(pos)
    bonus = 0.0
    for a, b in itertools.pairwise(q.terms):
        pa, pb = positions.get(a), positions.get(b)
        if pa and pb and min(abs(x - y) for x in pa for y in pb) <= PROXIMITY_WINDOW:
            bonus += weight * (q.weights[a] + q.weights[b]) / 2
    return bonus


def rank(candidates: list[Candidate], w: Weights, lead_of: np.ndarray) -> list[Candidate]:
    """Score and sort candidates, best first.

    score = (1 - semantic) · (BM25 + proximity) / best  +  semantic · cosine, then multiplied
    by the bonuses (answer type, date, lede) and by the penalties (a name of the question
    missing from the article, none of its other words in the sentence).
    """
    if not candidates:
        return []
    lexical = [c.bm25 + c.proximity for c in candidates]
    top = max(lexical) or 1.0
    out = []
    for c, lex in zip(candidates, lexical, strict=True):
        score = (1 - w.semantic) * lex / top + w.semantic * max(c.cosine, 0.0)
        factor = 1.0
        if c.typed:
            factor += w.answer_type
        if c.dated:
            factor += w.date
        if lead_of[c.index] < 2:
            factor += w.lead
        if not c.names_ok:
            factor *= w.missing_name
        if not c.about_hit:
            factor *= w.off_topic
        out.append(_with_score(c, score * factor))
    out.sort(key=lambda c: -c.score)
    return out


def _with_score(c: Candidate, score: float) -> Candidate:
    return Candidate(**{**c.__dict__, "score": score})
