"""Question analysis: what a question searches for, before any sentence is scored.

A :class:`Query` holds the question's index terms with the share of its information each
carries (idf), which of them name something (a company, a person, a model), the dates it
names, what kind of answer it wants, and the corrections made to words the corpus does not
know ("Microsft" → "microsoft").
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from openai_deals.retrieval.analyzer import Analyzer, Token
from openai_deals.retrieval.model import MONTHS_FR
from openai_deals.retrieval.text import fold_accents, normalise_typing

_NUMBER_QUESTION = re.compile(
    r"\b(?:combien|quel(?:le)?s? (?:montant|somme|part|nombre|pourcentage|valorisation)"
    r"|how (?:much|many)|what (?:amount|stake|share))\b",
    re.IGNORECASE,
)
_DATE_QUESTION = re.compile(
    r"\b(?:quand|depuis quand|en quelle année|quelle année|à quelle date|quelle date"
    r"|when|what year|what date)\b",
    re.IGNORECASE,
)
_PERSON_QUESTION = re.compile(r"\b(?:qui|who)\b", re.IGNORECASE)
_LICENCE_QUESTION = re.compile(r"\b(?:licence|license)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_MONTHS_EN = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
_MONTH_WORDS = {
    **{m: i for i, m in enumerate(MONTHS_FR, start=1)},
    **{m.replace("é", "e").replace("û", "u"): i for i, m in enumerate(MONTHS_FR, start=1)},
    **{m: i for i, m in enumerate(_MONTHS_EN, start=1)},
}
_MONTH = re.compile(rf"\b({'|'.join(sorted(_MONTH_WORDS, key=len, reverse=True))})\b", re.I)
# A question word unknown to the corpus is matched to a corpus term this close, no closer
# (optimal string alignment: a swap of two letters, "Apahce", is one edit):
# one edit for words of 5 to 7 letters, two from 8 letters on.
_MIN_FUZZY_LEN = 5
_WORD_PARTS = re.compile(r"[-'’]")


def answer_type(question: str) -> str | None:
    """What the question asks for: "number" (combien…), "date" (quand…), "person" (qui…),
    "licence" (quelle licence…) or None."""
    if _NUMBER_QUESTION.search(question):
        return "number"
    if _DATE_QUESTION.search(question):
        return "date"
    if _LICENCE_QUESTION.search(question):
        return "licence"
    if _PERSON_QUESTION.search(question):
        return "person"
    return None


def question_word_span(question: str) -> tuple[int, int] | None:
    """Where the words that ask for a number, a date or a person are ("Combien", "En quelle
    année", "qui"), or None. "licence" is left out: it is also what the question is about."""
    for pattern in (_NUMBER_QUESTION, _DATE_QUESTION, _PERSON_QUESTION):
        match = pattern.search(question)
        if match:
            return match.span()
    return None


@dataclass(frozen=True)
class DateRef:
    """A year, or a month of a year ("novembre 2023"), or a month alone ("en juillet")."""

    year: int | None
    month: int | None = None

    def matches(self, iso: str) -> bool:
        """True when the ISO date or month ``iso`` ("2023-11", "2023-11-17") falls in it."""
        parts = iso.split("-")
        try:
            year = int(parts[0])
            month = int(parts[1]) if len(parts) > 1 else None
        except ValueError:
            return False
        if self.year is not None and year != self.year:
            return False
        return self.month is None or month == self.month


def question_dates(question: str) -> tuple[DateRef, ...]:
    """The dates a question names: "en novembre 2023" → (2023, 11); "en 2019" → (2019)."""
    refs: list[DateRef] = []
    months = [(m.start(), _MONTH_WORDS[m.group(1).lower()]) for m in _MONTH.finditer(question)]
    # "may" is an English verb far more often than a month: only with a year after it.
    years = [(m.start(), int(m.group(1))) for m in _YEAR.finditer(question)]
    used: set[int] = set()
    for pos, month in months:
        year = next((y for p, y in years if 0 < p - pos <= 12), None)
        word = question[pos : pos + 3].lower()
        if year is None and word == "may":
            continue
        if year is not None:
            used.add(year)
        refs.append(DateRef(year, month))
    refs += [DateRef(y) for _, y in years if y not in used]
    return tuple(dict.fromkeys(refs))


@dataclass(frozen=True)
class Query:
    """An analysed question."""

    text: str
    terms: tuple[str, ...]  # distinct index terms, in question order
    weights: dict[str, float]  # idf of each term (a term the corpus never uses: the highest)
    names: frozenset[str]  # the terms that name something ("openai", "altman", "gpt3")
    unknown: frozenset[str]  # terms the corpus does not know (even after correction)
    kind: str | None  # answer type: number, date, person, licence
    dates: tuple[DateRef, ...]
    date_terms: frozenset[str]  # the terms that only say when ("2019", "novembr")
    corrections: dict[str, str] = field(default_factory=dict)  # misspelt term → corpus term
    # The question's names as written ("Google Anthropic"): the question minus what it asks.
    names_text: str = ""

    @property
    def about(self) -> frozenset[str]:
        """What the question asks about its names: its other, non-date terms."""
        return frozenset(self.terms) - self.names - self.date_terms

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values()) or 1.0


def looks_like_name(surface: str, at_start: bool, analyzer: Analyzer) -> bool:
    """A proper name or a model: digits ("GPT-3", "2019"), inner capitals ("OpenAI", "xAI"),
    a capital inside the question, or a capital at its start on a non-dictionary word."""
    if any(c.isdigit() for c in surface) or any(c.isupper() for c in surface[1:]):
        return True
    if surface[:1].isupper():
        return not at_start or not analyzer.is_known_word(surface)
    return False


class _Buckets:
    """Corpus terms by first letter and length: the only ones a misspelling is compared with.

    A word within ``cutoff`` edits of another differs in length by at most ``cutoff``; and a
    slip in the first letter is left uncorrected (rarer, and « gogle » keeps its « g »).
    Scanning the whole vocabulary took 22 ms a word at 100k sentences, and grows with it.
    """

    def __init__(self, terms) -> None:
        self._lists: dict[tuple[str, int], list[str]] = {}
        for term in dict.fromkeys(terms):
            self._lists.setdefault((term[0], len(term)), []).append(term)

    def near(self, probe: str, cutoff: int) -> list[str]:
        if not probe:
            return []
        return [
            term
            for size in range(len(probe) - cutoff, len(probe) + cutoff + 1)
            for term in self._lists.get((probe[0], size), ())
        ]


class QueryAnalyzer:
    """Analyses questions against one corpus: its document frequencies and vocabulary.

    Args:
        analyzer: the analyzer the corpus was indexed with.
        doc_freq: number of sentences (with their context) a term occurs in.
        n_docs: number of sentences.
        vocabulary: every corpus term, for spelling correction.
        name_terms: the corpus terms that come from names, tried first when correcting.
    """

    def __init__(
        self,
        analyzer: Analyzer,
        doc_freq: Callable[[str], int],
        n_docs: int,
        vocabulary: Sequence[str],
        name_terms: Collection[str] = (),
    ) -> None:
        self.analyzer = analyzer
        self._df = doc_freq
        self._n = n_docs
        # Only words long enough to correct safely, and never digits ("2019" ≠ "2018").
        words = [t for t in vocabulary if len(t) >= _MIN_FUZZY_LEN - 1 and t.isalpha()]
        vocab = set(words)
        self._vocabulary = _Buckets(words)
        self._names = _Buckets(t for t in name_terms if t in vocab)
        self._name_set = frozenset(name_terms)
        self._date_terms = frozenset(
            t for w in (*MONTHS_FR, *_MONTHS_EN) if (t := analyzer.term_of(w))
        )

    def idf(self, term: str) -> float:
        # Smoothed, always-positive idf (Lucene's): log(1 + (N - df + .5) / (df + .5)).
        df = self._df(term)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def analyse(self, text: str) -> Query:
        # Normalised here, at the entry, so that everything below (answer type, dates, the
        # text the embedder reads) sees the question as the analyzer does.
        text = normalise_typing(text)
        tokens = self.analyzer.tokens(text)
        corrections: dict[str, str] = {}
        names: set[str] = set()
        unknown: set[str] = set()
        weights: dict[str, float] = {}
        unseen = self.idf("\0")
        fixed: list[Token] = []
        for token in tokens:
            surface = text[token.start : token.end]
            term = token.term
            at_start = not text[: token.start].strip(" «\"'¿¡")
            name_like = looks_like_name(surface, at_start, self.analyzer)
            if not self._df(term):
                correction = self._correct(term, surface, name_like)
                if correction:
                    corrections[term] = correction
                    term = correction
            fixed.append(Token(term, token.start, token.end))
            if term in weights:
                continue
            # Typed in lower case, a corpus name still names something ("google"), unless it
            # is also a dictionary word: a word of a multi-word name ("Group", "Système")
            # is a name only when written as one.
            if name_like or (term in self._name_set and not self.analyzer.is_known_word(surface)):
                names.add(term)
            if self._df(term):
                weights[term] = self.idf(term)
            else:
                unknown.add(term)
                # A name the corpus never saw says it is about something else ("Nvidia");
                # a plain word it does not use ("tourner") says less.
                known = self.analyzer.is_known_word(surface)
                weights[term] = unseen if term in names or not known else unseen / 2
        dates = question_dates(text)
        date_terms = frozenset(
            t.term
            for t in fixed
            if t.term in self._date_terms or (_YEAR.fullmatch(t.term) and dates)
        )
        final_names = frozenset(names - date_terms)
        return Query(
            text=text,
            terms=tuple(weights),
            weights=weights,
            names=final_names,
            unknown=frozenset(unknown),
            kind=answer_type(text),
            dates=dates,
            date_terms=date_terms,
            corrections=corrections,
            # A name corrected from a typo ("Anthropique") is a name too.
            names_text=" ".join(text[t.start : t.end] for t in fixed if t.term in final_names),
        )

    def _correct(self, term: str, surface: str, name_like: bool) -> str | None:
        """The corpus term a misspelt word stands for, or None.

        A word in no dictionary, long enough that one or two edits are a slip and not
        another word, is matched to the corpus's names first, then to all its terms. A
        dictionary word is corrected only when it is written as a name ("Anthropique") and
        only to a name: "tourner", a real word the corpus does not use, stays as it is.
        """
        # Compare the written word too: stemming shortens some words more than others. The
        # word is the one the term came from: not « s' » nor « -il » (« saurait-il » is the
        # known word « saurait », not a 10-letter typo allowed two edits).
        written = max(_WORD_PARTS.split(surface), key=len)
        word = fold_accents(written.lower())
        if len(word) < _MIN_FUZZY_LEN or not term.isalpha():
            return None
        known = self.analyzer.is_known_word(written)
        if known and not name_like:
            return None
        pools = (self._names,) if known else (self._names, self._vocabulary)
        for pool in pools:
            for probe in dict.fromkeys((term, word)):
                if len(probe) < _MIN_FUZZY_LEN - 1:
                    continue  # a stem this short is another word after one edit
                # The edits allowed follow the length of what is compared (« exig » from
                # « exigeait » gets one, not two: « exist » is not what was meant), except for
                # a name, whose stem says little of it (« Anthropique » → « anthrop »).
                cutoff = 1 if len(word if name_like else probe) < 8 else 2
                choices = pool.near(probe, cutoff)
                best = process.extractOne(probe, choices, scorer=OSA.distance, score_cutoff=cutoff)
                if best is not None:
                    return best[0]
        return None
