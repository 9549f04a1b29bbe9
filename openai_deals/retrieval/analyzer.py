"""The French analyzer: one object turns corpus sentences and questions alike into index terms.

First the text is normalised (``text.normalise_typing``): every apostrophe as ’, invisible
format characters (soft hyphen, zero-width space…) removed; offsets still point into the
text as given. Then, in order, for each word of the text:
1. tokenise on the original text (offsets kept, for highlighting): words with their inner
   apostrophes and hyphens, numbers with their thousands separators and a trailing "%";
2. lower-case; strip French elisions (l', d', qu', n', s', j', c', m', t', jusqu', lorsqu',
   puisqu', quoiqu', presqu', with either apostrophe) and the English possessive 's;
3. aliases (spellings and typos of one name: "OpenAai", "GPT-3"/"GPT3", "GPT-ASS");
   other hyphenated words are split ("a-t-il" → "a", "t", "il");
4. stop words out; English glossary words replaced by their French equivalents;
   number words to digits ("un milliard" → "1 milliard", "dix" → "10");
5. lemma lookup (spacy-lookups-data: "prévu" → "prévoir", "petite" → "petit"; a form typed
   without its accents, "decrit", as the accented one), then Snowball
   French stemming (a light stemmer: "investir", "investissement" → "invest"), then accent
   folding (so "évincé" and "evince" match);
6. synonym groups collapse to one term ("PDG", "CEO", "patron" → one term).

The analyzer is pure Python plus PyStemmer (C) and a lemma table; it loads in a fraction of a
second, so a question is analysed without loading spaCy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from openai_deals.retrieval.lang.lemmas import folded_french_lemmas, french_lemmas, known_words
from openai_deals.retrieval.lang.lexicon import (
    ALIASES,
    CASED_ALIASES,
    ENGLISH,
    PHRASE_ALIASES,
    PLACES,
    SYNONYMS,
)
from openai_deals.retrieval.lang.numbers import MAGNITUDES, NUMBER_WORDS, ONE_WORDS
from openai_deals.retrieval.lang.stop_words import STOP_WORDS
from openai_deals.retrieval.text import INVISIBLE_FORMAT, fold_accents, normalise_typing

# Bump when anything below changes the terms produced: the index cache is keyed on it.
ANALYZER_VERSION = "5"

_SPACES = "  \u202f\u2009"
_TOKEN = re.compile(
    rf"""
    (?P<num>(?<![\w.,])\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?![\d])   # 10 000
          |\d+(?:[.,]\d+)*)                                     # 2019, 2.0, 1,5
      (?P<pct>[{_SPACES}]?%)?
    | (?P<word>[^\W\d_][\w]*(?:['’\-][\w]+)*)
    | (?P<sym>[$€])
    """,
    re.VERBOSE,
)
_ELISION = re.compile(r"^(?:jusqu|lorsqu|puisqu|quoiqu|presqu|qu|l|d|n|s|j|c|m|t)['’](?=\w)")
_LETTERS_DASH_DIGITS = re.compile(r"^([^\W\d_]+)-(\d[\w]*)$")  # gpt-4, v-2
_ANY_VISIBLE = re.compile(f"(?!{INVISIBLE_FORMAT.pattern}).", re.DOTALL)


@dataclass(frozen=True)
class Token:
    """An index term and where it came from in the analysed text."""

    term: str
    start: int
    end: int


class Analyzer:
    """Turns French (or English) text into index terms; see the module docstring."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("french")
        self._lemmas = french_lemmas()
        self._folded_lemmas = folded_french_lemmas()
        self._stop = frozenset(fold_accents(w) for w in STOP_WORDS) | STOP_WORDS
        self._synonyms = self._build_synonyms()
        self._stem = lru_cache(maxsize=200_000)(self._stem_uncached)

    # -- public API -------------------------------------------------------------------------

    def terms(self, text: str) -> list[str]:
        """The index terms of ``text``, in order (duplicates kept: BM25 counts them)."""
        return [t.term for t in self.tokens(text)]

    def tokens(self, text: str) -> list[Token]:
        """The index terms of ``text`` with the character span each came from (in ``text``
        as given, before normalisation)."""
        clean = normalise_typing(text)
        out = self._tokens(clean)
        if len(clean) == len(text):  # apostrophes only: the same offsets
            return out
        # Position in ``text`` of each character of ``clean``, and of its end.
        kept = [m.start() for m in _ANY_VISIBLE.finditer(text)] + [len(text)]
        return [Token(t.term, kept[t.start], kept[t.end - 1] + 1) for t in out]

    def _tokens(self, text: str) -> list[Token]:
        raw = list(self._raw_tokens(text))
        out: list[Token] = []
        skip = False
        for i, (kind, surface, start, end) in enumerate(raw):
            if skip:  # the second word of a phrase alias
                skip = False
                continue
            if kind == "num":
                out.append(Token(surface, start, end))
                continue
            nxt = raw[i + 1][1].lower().replace("’", "'") if i + 1 < len(raw) else ""
            phrase = PHRASE_ALIASES.get((surface.lower(), nxt))
            if phrase is not None:
                out.extend(Token(t, start, raw[i + 1][3]) for t in self._word_terms(phrase, ""))
                skip = True
                continue
            for term in self._word_terms(surface, nxt):
                out.append(Token(term, start, end))
        return out

    def is_known_word(self, word: str) -> bool:
        """True if ``word`` is an ordinary French or English word (not a name or a typo)."""
        return word.lower().replace("’", "'") in known_words()

    def term_of(self, word: str) -> str | None:
        """The term one dictionary word maps to (None for a stop word); for lexicon checks."""
        terms = self.terms(word)
        return terms[0] if terms else None

    # -- steps ------------------------------------------------------------------------------

    def _raw_tokens(self, text: str) -> Iterator[tuple[str, str, int, int]]:
        for m in _TOKEN.finditer(text):
            if m.group("num") is not None:
                num = m.group("num")
                digits = re.sub(rf"[{_SPACES}]", "", num).replace(",", ".")
                if m.group("pct"):
                    digits += "%"
                yield "num", digits, m.start(), m.end()
            elif m.group("word") is not None:
                yield "word", m.group("word"), m.start(), m.end()
            else:
                yield "word", m.group("sym"), m.start(), m.end()

    def _word_terms(self, surface: str, next_word: str) -> list[str]:
        if surface in CASED_ALIASES:
            return [CASED_ALIASES[surface]]
        word = surface.lower().replace("’", "'")
        word = _ELISION.sub("", word)
        if word.endswith("'s"):
            word = word[:-2]
        if word in ALIASES:
            return [ALIASES[word]]
        if word in PLACES:
            return self._word_terms(PLACES[word], next_word)
        if "-" in word:
            joined = _LETTERS_DASH_DIGITS.match(word)
            if joined:
                return [joined.group(1) + joined.group(2)]
            return [t for part in word.split("-") if part for t in self._word_terms(part, "")]
        if word in ONE_WORDS and next_word in MAGNITUDES:
            return ["1"]
        if word in NUMBER_WORDS:
            return [NUMBER_WORDS[word]]
        if word in self._stop:
            return []
        if word in ENGLISH:
            return [t for w in ENGLISH[word].split() if (t := self._content_term(w))]
        term = self._content_term(word)
        return [term] if term else []

    def _content_term(self, word: str) -> str | None:
        if word in self._stop:
            return None
        stem = self._stem(word)
        return self._synonyms.get(stem, stem)

    def _stem_uncached(self, word: str) -> str:
        if not word.isalpha():
            return fold_accents(word)
        # A form typed without its accents ("decrit") is lemmatised as the accented one.
        lemma = self._lemmas.get(word) or self._folded_lemmas.get(word, word)
        return fold_accents(self._stemmer.stemWord(lemma))

    def _build_synonyms(self) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for group in SYNONYMS:
            canonical = self._stem_uncached(group[0])
            for word in group:
                stem = self._stem_uncached(word)
                if mapping.get(stem, canonical) != canonical:
                    raise ValueError(
                        f"synonym {word!r} (stem {stem!r}) is in two groups: "
                        f"{mapping[stem]!r} and {canonical!r}; keep each word in one group"
                    )
                mapping[stem] = canonical
        return mapping


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    """The shared analyzer (building the synonym table costs a few milliseconds)."""
    return Analyzer()
