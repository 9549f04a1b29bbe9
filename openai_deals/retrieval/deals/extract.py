"""Deals read from the indexed sentences: who invested what in whom, when, fact or rumour.

Rules over spaCy tokens (``fr_core_news_sm``: its part-of-speech tags find verbs, its NER
finds people), with the words in ``lang/deals_lexicon.py``. Nothing names a deal: a new
article adds its deals when it is indexed.

For each sentence that holds a deal word:

1. **Names** are capitalised runs of tokens ("Khosla Ventures", "Sam Altman"), normalised by
   the lexicon ("OpenAai" → OpenAI, "Azure" → Microsoft). Not parties: names in brackets,
   products ("GPT3"), names after "conférence", "modèle", "licence"…, and the sources a
   sentence credits ("Le New York Times rapporte que…", "selon X", "détaillée par X").
2. **Amounts**: a number (digits or words, "plusieurs") with a magnitude and a currency
   ("1 milliard de dollars" → 1e9 USD), a percentage ("10 %" → 0.10) or a fraction ("les
   trois quarts" → 0.75), with its qualifier ("environ", "pouvant atteindre").
3. **Terms**: a deal word with what it needs: an investment word with a money amount after
   it, "participation" with a percentage, "valoriser" with money, a share "des bénéfices",
   "licence" with a product, "fournisseur cloud exclusif", "embauche" with a person, a
   release verb with a product. The giver is the subject (a name followed by its verb),
   the receiver the first party after the word.
4. **A missing party** is taken from the article's title, from the clause that names the
   party the sentence has ("Microsoft entame … avec OpenAI, Google mise sur Anthropic").
5. **Date**: the one the sentence states ("en 2019", "juillet 2019", "entre 2019 et début
   2023", "l'année dernière"). A sentence that says nothing of its date takes the one
   before it when it points back to it (pluperfect "s'était engagé", "En échange, …"), or
   else the article's date when a party is the article's subject (named in its title or
   first paragraph). Anything else is dropped: an undated aside in a 2025 article about a
   2023 deal must not be dated 2025.
6. **Rumour**: hearsay phrases ("selon certaines rumeurs", "des sources ont rapporté") or a
   conditional verb governing the deal word ("aurait obtenu"), except the future in the
   past after an announcement ("a annoncé qu'il investirait").

Then the same deal (same parties, same kind and amount, same year) read in several
sentences or articles becomes one record citing them all; two amounts for the same pair and
year stay two records. When a rule is unsure, the sentence gives no deal: a missing deal is
better than a wrong one.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from openai_deals.retrieval.lang import deals_lexicon as lex
from openai_deals.retrieval.lang.numbers import NUMBER_WORDS, ONE_WORDS
from openai_deals.retrieval.model import (
    MONTHS_FR,
    Amount,
    Article,
    Citation,
    Deal,
    DealDate,
    DealKind,
    DealTerm,
    Partnership,
)

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from openai_deals.retrieval.ingestion.sentences import Sentence

logger = logging.getLogger(__name__)

__all__ = [
    "article_records",
    "deals_from_json",
    "deals_to_json",
    "sentence_deals",
    "timeline",
]

# Kinds in the order a record names them: the first term of a record is its main one.
_KIND_ORDER = tuple(DealKind)
# How far (in tokens) a deal word looks for its amount or its product.
_AMOUNT_WINDOW = 12
_SHARE_WINDOW = 4
_PRODUCT_WINDOW = 10
_CLITICS = frozenset({"s'", "se", "n'", "ne", "l'", "y", "en", "lui", "leur"})
_LINK_ADVERBS = frozenset({"déjà", "aussi", "également", "donc", "alors", "même", "pas"})
_DETERMINERS = frozenset(
    {"le", "la", "les", "l'", "un", "une", "des", "ses", "son", "sa", "leur", "leurs", "de", "d'"}
)
_DETERMINERS |= {"du", "cet", "cette", "ce", "ces", "nouveau", "nouvelle", "nouveaux"}
_OPENERS = frozenset({"«", '"', "“", "(", ":", "—", "–", "-"})
_WEEKDAYS = frozenset({"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"})
# Parts of speech that end the name of what is released ("ses modèles ouverts sous…").
_PHRASE_ENDS = frozenset({"ADP", "PUNCT", "DET", "PRON", "CCONJ", "SCONJ", "AUX"})
_PARTICIPLE = re.compile(r"(?:é|ée|és|ées|i|ie|is|ies|it|u|ue|us|ert|erte)$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DIGITS = re.compile(r"^\d+(?:[,.]\d+)?$")
_GROUP_OF_THREE = re.compile(r"^\d{3}$")


def _norm(word: str) -> str:
    return word.lower().replace("’", "'")


def _candidate_pattern() -> re.Pattern[str]:
    words = [
        *lex.INVEST_PREFIXES,
        *lex.STAKE_NOUNS,
        *lex.VALUATION_PREFIXES,
        *lex.PROFIT_NOUNS,
        *lex.LICENCE_NOUNS,
        lex.CLOUD_PROVIDER,
        *lex.HIRE_PREFIXES,
        *lex.RELEASE_PREFIXES,
    ]
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


# A cheap test before spaCy: sentences without any deal word are not analysed.
_CANDIDATE = _candidate_pattern()


@lru_cache(maxsize=1)
def deal_pipeline() -> Language:
    """``fr_core_news_sm`` without its parser and lemmatizer: tags and NER are enough."""
    import spacy  # deferred: only index builds read deals

    return spacy.load("fr_core_news_sm", exclude=["parser", "lemmatizer"])


# -- Tokens, names, amounts, dates --------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int
    end: int
    pos: str
    person: bool  # inside a PER entity of spaCy's NER
    aside: bool  # inside brackets


def _tokens(doc: Doc) -> list[_Tok]:
    people = {t.i for ent in doc.ents if ent.label_ == "PER" for t in ent}
    depth = 0
    out = []
    for t in doc:
        if t.text == "(":
            depth += 1
        end = t.idx + len(t.text)
        out.append(_Tok(t.text, _norm(t.text), t.idx, end, t.pos_, t.i in people, depth > 0))
        if t.text == ")":
            depth = max(0, depth - 1)
    return out


def _starts(toks: Sequence[_Tok], i: int, words: Sequence[str]) -> bool:
    return i + len(words) <= len(toks) and all(toks[i + k].low == w for k, w in enumerate(words))


@dataclass
class _Name:
    start: int  # token span [start, end)
    end: int
    text: str
    canonical: str
    category: str  # "org", "person", "product", "source", "aside", "other"


def _capitalised(tok: _Tok) -> bool:
    text = tok.text
    if not any(c.isalpha() for c in text) or "$" in text or "€" in text:
        return False
    if tok.low in lex.NOT_NAMES or tok.low in MONTHS_FR or tok.low in _WEEKDAYS:
        return False
    return text[0].isupper() or (text[0].isalpha() and any(c.isupper() for c in text[1:]))


def _is_word(surface: str, analyzer) -> bool:
    from spacy.lang.fr.stop_words import STOP_WORDS

    return _norm(surface) in STOP_WORDS or analyzer.is_known_word(surface)


def _names(text: str, toks: Sequence[_Tok]) -> list[_Name]:
    from openai_deals.retrieval.analyzer import default_analyzer

    analyzer = default_analyzer()
    names: list[_Name] = []
    i = 0
    while i < len(toks):
        if not _capitalised(toks[i]):
            i += 1
            continue
        j = i + 1
        while j < len(toks):
            if _capitalised(toks[j]):
                j += 1
            elif toks[j].text == "-" and j + 1 < len(toks) and _capitalised(toks[j + 1]):
                j += 2
            else:
                break
        if j - i > 1 and toks[i].low in {"le", "la", "les"}:
            i += 1  # "Le New York Times" is the New York Times
        surface = text[toks[i].start : toks[j - 1].end]
        key = _norm(surface)
        at_start = i == 0 or toks[i - 1].text in _OPENERS
        known = key in lex.PARTY_ALIASES or key in lex.PRODUCTS or key in lex.PERSON_ALIASES
        if at_start and j - i == 1 and not known and _is_word(surface, analyzer):
            i = j  # "Selon", "En", "Fournisseur": a word that starts a sentence
            continue
        names.append(_Name(i, j, surface, *_classify(toks, i, j, key, surface)))
        i = j
    _mark_sources(toks, names)
    return names


def _classify(toks: Sequence[_Tok], i: int, j: int, key: str, surface: str) -> tuple[str, str]:
    if toks[i].aside:
        return surface, "aside"
    if key in lex.PRODUCTS:
        return lex.PRODUCTS[key], "product"
    if key in lex.PERSON_ALIASES:
        return lex.PERSON_ALIASES[key], "person"
    if key in lex.PARTY_ALIASES:
        return lex.PARTY_ALIASES[key], "org"
    if i > 0 and toks[i - 1].low in lex.NON_PARTY_HEADS:
        return surface, "product"
    near = {t.low for t in toks[max(0, i - 2) : i]} | {t.low for t in toks[j : j + 2]}
    if near & lex.ROLE_WORDS or (j - i >= 2 and all(t.person for t in toks[i:j])):
        return surface, "person"
    if any(c.isdigit() for c in surface):
        return surface, "product"  # "GPT-5", "Llama 3": models are named with numbers
    return surface, "org"


def _mark_sources(toks: Sequence[_Tok], names: list[_Name]) -> None:
    """Names the sentence credits for its news are sources, not parties."""
    for name in names:
        before = [t.low for t in toks[max(0, name.start - 5) : name.start]]
        while before and before[-1] in {"le", "la", "les", "l'"}:
            before.pop()
        credited = any(tuple(before[-len(words) :]) == words for words in lex.ATTRIBUTION_BEFORE)
        after = toks[name.end : name.end + 3]
        if after and after[0].low.startswith(lex.ATTRIBUTION_VERBS):
            credited |= any(t.low in ("que", "qu'") for t in after[1:])
        if len(before) >= 2 and before[-1] == "par":
            credited |= before[-2].startswith(lex.ATTRIBUTION_PARTICIPLES)
        if credited:
            name.category = "source"
            name.canonical = lex.SOURCE_ALIASES.get(_norm(name.text), name.canonical)


@dataclass(frozen=True)
class _Amt:
    start: int
    end: int
    amount: Amount


def _number_at(toks: Sequence[_Tok], i: int) -> tuple[float, int, str] | None:
    """The number starting at token ``i``: (value, index after it, qualifier)."""
    low = toks[i].low
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    if _DIGITS.match(low):
        value, j = float(low.replace(",", ".")), i + 1
        # "10 000": groups of three digits written apart.
        while j < len(toks) and _GROUP_OF_THREE.match(toks[j].low) and "," not in low:
            value, j = value * 1000 + int(toks[j].low), j + 1
        return value, j, ""
    if low in NUMBER_WORDS:
        return float(NUMBER_WORDS[low]), i + 1, ""
    if low in ONE_WORDS and (nxt in lex.MAGNITUDES or nxt in lex.FRACTIONS):
        return 1.0, i + 1, ""
    if low in lex.SEVERAL and nxt in lex.MAGNITUDES:
        return lex.SEVERAL[low], i + 1, "at_least"
    if low in {"la", "les"} and nxt in lex.FRACTIONS:
        return 1.0, i + 1, ""  # "la moitié"
    return None


def _amounts(text: str, toks: Sequence[_Tok]) -> list[_Amt]:
    out: list[_Amt] = []
    i = 0
    while i < len(toks):
        found = _number_at(toks, i)
        if found is None:
            i += 1
            continue
        value, j, qualifier = found
        amount_end, unit = None, ""
        low = toks[j].low if j < len(toks) else ""
        if low in lex.GLUED_MONEY:
            scale, unit = lex.GLUED_MONEY[low]
            value, amount_end = value * scale, j + 1
        elif low in lex.MAGNITUDES:
            value *= lex.MAGNITUDES[low]
            k = j + 1
            if k < len(toks) and toks[k].low in {"de", "d'"}:
                k += 1
            if k < len(toks) and toks[k].low in lex.CURRENCIES:
                unit, amount_end = lex.CURRENCIES[toks[k].low], k + 1
        elif low in lex.CURRENCIES:
            unit, amount_end = lex.CURRENCIES[low], j + 1
        elif low == "%" or _starts(toks, j, ("pour", "cent")):
            value, unit = value / 100, "share"
            amount_end = j + (1 if low == "%" else 2)
        elif low in lex.FRACTIONS:
            value, unit, amount_end = value * lex.FRACTIONS[low], "share", j + 1
        if amount_end is None:
            i += 1
            continue
        start = i
        if toks[i].low in {"la", "les"}:
            start = i  # "la moitié" is written with its article
        for words, name in lex.QUALIFIERS.items():
            parts = tuple(words.split())
            if start >= len(parts) and _starts(toks, start - len(parts), parts):
                qualifier, start = name, start - len(parts)
                break
        if amount_end < len(toks) and toks[amount_end].low in lex.AMOUNT_FOLLOWERS:
            amount_end += 1
        written = text[toks[start].start : toks[amount_end - 1].end]
        out.append(_Amt(start, amount_end, Amount(written, value, unit or "share", qualifier)))
        i = amount_end
    return out


@dataclass(frozen=True)
class _Date:
    start: int
    end: int
    date: DealDate


def _is_year(toks: Sequence[_Tok], i: int) -> bool:
    if i >= len(toks) or not _YEAR.match(toks[i].low):
        return False
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    return nxt not in lex.MAGNITUDES and nxt not in lex.CURRENCIES and nxt != "%"


def shift_date(iso: str, years: int, months: int) -> str:
    """``iso`` (a year or a month) moved by years and months: ("2023-01", 0, -1) → "2022-12"."""
    year = int(iso[:4]) + years
    if len(iso) < 7:
        return str(year)
    month = int(iso[5:7]) + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year:04d}-{month:02d}"


def _dates(text: str, toks: Sequence[_Tok], article_date: str) -> list[_Date]:
    out: list[_Date] = []
    taken: set[int] = set()

    def add(i: int, j: int, date: DealDate) -> None:
        out.append(_Date(i, j, replace(date, stated=text[toks[i].start : toks[j - 1].end])))
        taken.update(range(i, j))

    for i, tok in enumerate(toks):
        if tok.low == "entre" and _is_year(toks, i + 1) and _starts(toks, i + 2, ("et",)):
            j = i + 3
            while j < len(toks) and toks[j].low in lex.PERIOD_PREFIXES:
                j += 1
            if _is_year(toks, j):
                add(i, j + 1, DealDate(toks[i + 1].low, toks[j].low))
    for i, tok in enumerate(toks):
        if i in taken:
            continue
        if tok.low in MONTHS_FR and _is_year(toks, i + 1):
            month = MONTHS_FR.index(tok.low) + 1
            add(i, i + 2, DealDate(f"{toks[i + 1].low}-{month:02d}"))
    for i, _tok in enumerate(toks):
        if i not in taken and _is_year(toks, i):
            add(i, i + 1, DealDate(toks[i].low))
    base = article_date[:7]
    for words, (years, months) in lex.RELATIVE_DATES.items():
        for i in range(len(toks)):
            if i not in taken and _starts(toks, i, words):
                iso = shift_date(base if months else base[:4], years, months)
                add(i, i + len(words), DealDate(iso))
    return out


def _sentence_date(dates: Sequence[_Date]) -> DealDate | bool | None:
    """The one date a sentence states; None if it states none, False if they disagree."""
    if not dates:
        return None
    periods = [d.date for d in dates if d.date.end]
    if periods:
        return periods[0] if len(periods) == 1 and len(dates) == 1 else False
    years = {d.date.start[:4] for d in dates}
    if len(years) > 1:
        return False
    months = {d.date.start for d in dates if len(d.date.start) > 4}
    if len(months) > 1:
        return False
    precise = [d.date for d in dates if len(d.date.start) > 4]
    return precise[0] if precise else dates[0].date


# -- Deal words and their parties -------------------------------------------------------------


@dataclass
class _Term:
    term: DealTerm
    at: int  # the deal word's token
    left: str | None = None  # giver: investor, holder, employer, licensee, provider
    right: str | None = None  # receiver
    ends: tuple[int, ...] = ()  # where its amount or parties end, to find a note after them


@dataclass
class _Sent:
    text: str
    toks: list[_Tok]
    names: list[_Name]
    amounts: list[_Amt]
    used: set[int] = field(default_factory=set)  # amounts already given to a term

    def parties(self, start: int = 0, end: int | None = None) -> list[_Name]:
        end = len(self.toks) if end is None else end
        return [
            n
            for n in self.names
            if n.category in ("org", "person") and n.start >= start and n.end <= end
        ]

    def orgs(self) -> list[str]:
        seen: list[str] = []
        for n in self.names:
            if n.category == "org" and n.canonical not in seen:
                seen.append(n.canonical)
        return seen

    def subject_like(self, name: _Name) -> bool:
        """A name followed by its verb: "Microsoft a investi", "Google aurait obtenu"."""
        k = name.end
        while k < len(self.toks) and (
            self.toks[k].low in _CLITICS or self.toks[k].low in _LINK_ADVERBS
        ):
            k += 1
        if k >= len(self.toks):
            return False
        if self.toks[k].pos in ("AUX", "VERB"):
            return True
        if self.toks[k].low == "et":  # "Microsoft et OpenAI ont annoncé"
            nxt = next((n for n in self.names if n.start == k + 1), None)
            return nxt is not None and self.subject_like(nxt)
        return False

    def giver(self, at: int) -> _Name | None:
        """The subject before the deal word, else the sentence's first subject."""
        before = [n for n in self.parties(0, at) if self.subject_like(n)]
        if before:
            return before[-1]
        return next((n for n in self.parties() if self.subject_like(n)), None)

    def receiver(self, after: int, giver: _Name | None) -> _Name | None:
        """The first party after the deal word, before the clause ends (at a comma: "…10
        milliards de dollars, avec des investisseurs dont Khosla Ventures" is another)."""
        taken = giver.canonical if giver else None
        clause_end = next(
            (k for k in range(after, len(self.toks)) if self.toks[k].text in {";", ","}), None
        )
        for n in self.parties(after, clause_end):
            if n.canonical != taken:
                return n
        return None

    def amount_after(self, at: int, window: int, money: bool | None) -> _Amt | None:
        for k, a in enumerate(self.amounts):
            if k in self.used or a.start <= at or a.start > at + window:
                continue
            if any(t.text == ";" for t in self.toks[at : a.start]):
                return None
            if money is None or a.amount.is_money == money:
                self.used.add(k)
                return a
        return None


def _terms(s: _Sent) -> list[_Term]:
    toks = s.toks
    found: list[_Term] = []
    exclusive_sentence = any(t.low.startswith(lex.EXCLUSIVE_PREFIX) for t in toks)
    # Valuations and stakes first: their amounts are not investments.
    for i, t in enumerate(toks):
        if t.low.startswith(lex.VALUATION_PREFIXES):
            a = s.amount_after(i, 8, money=True)
            if a:
                found.append(_Term(DealTerm(DealKind.VALUATION, a.amount), i, ends=(a.end,)))
    for i, t in enumerate(toks):
        stake = None
        if t.low in lex.STAKE_NOUNS:
            stake = s.amount_after(i, _SHARE_WINDOW, money=False)
        if stake:
            giver = s.giver(i)
            receiver = s.receiver(stake.end, giver)
            found.append(_stake_term(stake, i, giver, receiver))
    for k, a in enumerate(s.amounts):
        if k in s.used or a.amount.is_money:
            continue
        after = [x.low for x in toks[a.end : a.end + 2]]
        if tuple(after) in lex.STAKE_AFTER_SHARE:
            s.used.add(k)
            giver = s.giver(a.start)
            found.append(_stake_term(a, a.start, giver, s.receiver(a.end, giver)))
        elif after and after[0] in {"des", "de", "du"} and after[-1] in lex.PROFIT_NOUNS:
            s.used.add(k)
            giver = s.giver(a.start)
            receiver = s.receiver(a.end, giver)
            term = DealTerm(DealKind.PROFIT_SHARE, a.amount)
            found.append(_Term(term, a.start, *_canon(giver, receiver), ends=(a.end,)))
    for i, t in enumerate(toks):
        noun = t.low in lex.INVEST_NOUNS
        verb = t.low.startswith(lex.INVEST_PREFIXES) and t.low not in lex.INVEST_NOT
        if not (noun or verb):
            continue
        a = s.amount_after(i, _AMOUNT_WINDOW, money=True)
        if a is None:
            continue
        giver = s.giver(i)
        receiver = s.receiver(i + 1, giver)
        term = DealTerm(DealKind.INVESTMENT, a.amount)
        ends = (a.end, receiver.end) if receiver else (a.end,)
        found.append(_Term(term, i, *_canon(giver, receiver), ends=ends))
    for i, t in enumerate(toks):
        if t.low in lex.LICENCE_NOUNS:
            found += _licence(s, i, exclusive_sentence)
        elif t.low == lex.CLOUD_PROVIDER:
            found += _cloud(s, i)
        elif t.low.startswith(lex.HIRE_PREFIXES):
            found += _hire(s, i)
        elif t.low.startswith(lex.RELEASE_PREFIXES) and t.low not in lex.RELEASE_NOT:
            found += _release(s, i)
    return found


def _canon(giver: _Name | None, receiver: _Name | None) -> tuple[str | None, str | None]:
    return (giver.canonical if giver else None, receiver.canonical if receiver else None)


def _stake_term(a: _Amt, at: int, giver: _Name | None, receiver: _Name | None) -> _Term:
    ends = (a.end, receiver.end) if receiver else (a.end,)
    return _Term(DealTerm(DealKind.STAKE, a.amount), at, *_canon(giver, receiver), ends=ends)


def _licence(s: _Sent, i: int, exclusive: bool) -> list[_Term]:
    if not (exclusive or (i > 0 and s.toks[i - 1].low == "sous")):
        return []
    subject = ""
    lo, hi = max(0, i - _PRODUCT_WINDOW), i + _PRODUCT_WINDOW
    for n in s.names:
        if n.category == "product" and lo <= n.start <= hi and s.toks[n.start - 1].low != "licence":
            subject = n.canonical
            break
    if not subject:
        for words in lex.LICENSED_THINGS:
            if any(_starts(s.toks, k, words) for k in range(i, min(len(s.toks), hi))):
                subject = " ".join(words)
    if not subject:
        return []
    orgs = s.orgs()
    if len(orgs) > 2:
        return []
    term = DealTerm(DealKind.LICENCE, subject=subject, exclusive=exclusive)
    return [_Term(term, i, *[*orgs, None, None][:2])]


def _cloud(s: _Sent, i: int) -> list[_Term]:
    near = [t.low for t in s.toks[i + 1 : i + 5]]
    if not (set(near) & lex.CLOUD_WORDS and any(w.startswith(lex.EXCLUSIVE_PREFIX) for w in near)):
        return []
    client = s.receiver(i + 1, None)
    others = [o for o in s.orgs() if not client or o != client.canonical]
    if len(others) > 1:
        return []
    provider = others[0] if others else None
    term = DealTerm(DealKind.CLOUD, exclusive=True)
    return [_Term(term, i, provider, client.canonical if client else None)]


def _hire(s: _Sent, i: int) -> list[_Term]:
    toks = s.toks
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    after = next((n for n in s.parties(i + 1) if n.start <= i + 3), None)
    employer = employee = None
    if nxt == "par" and after:  # "embauché par Microsoft"
        employer = after
        people = [n for n in s.parties(0, i) if n.category == "person" and s.subject_like(n)]
        employee = people[-1] if people else None
    elif after and after.category == "person":  # "l'embauche de Sam Altman"
        employee, employer = after, s.giver(i)
    if employer is None or employee is None or employer.category == "person":
        return []
    term = DealTerm(DealKind.HIRE, subject=employee.canonical)
    return [_Term(term, i, employer.canonical, employee.canonical)]


def _release(s: _Sent, i: int) -> list[_Term]:
    toks = s.toks
    if toks[i].low.endswith(("er", "ir", "re")):
        return []  # "publier un modèle pourrait aider…": an infinitive has no publisher
    k = i + 1
    while k < len(toks) and k <= i + 3 and (toks[k].low in _DETERMINERS or toks[k].pos == "ADV"):
        k += 1
    if k >= len(toks):
        return []
    product = next((n for n in s.names if n.start == k and n.category == "product"), None)
    if product:
        subject, end = product.canonical, product.end
    elif toks[k].low in lex.RELEASE_HEADS:
        end = k + 1
        while end < min(len(toks), k + 4) and toks[end].pos not in _PHRASE_ENDS:
            end += 1
        subject = s.text[toks[k].start : toks[end - 1].end]
    else:
        return []
    publisher = s.giver(i)
    if publisher is None or publisher.start > i:
        return []
    others = [o for o in s.orgs() if o != publisher.canonical]
    partner = others[0] if len(others) == 1 else None
    term = DealTerm(DealKind.RELEASE, subject=subject)
    return [_Term(term, i, publisher.canonical, partner, ends=(end,))]


# -- Fact or rumour, notes, title --------------------------------------------------------------


def _conditional(tok: _Tok) -> bool:
    return tok.low.endswith(lex.CONDITIONAL_ENDINGS) and tok.low not in lex.NOT_CONDITIONAL


def _future_in_past(toks: Sequence[_Tok], k: int) -> bool:
    """ "a annoncé qu'il investirait": the conditional reports an announced plan."""
    for q in range(k - 1, max(-1, k - 4), -1):
        if toks[q].low in ("que", "qu'"):
            return any(t.low.startswith(lex.ANNOUNCE_PREFIXES) for t in toks[max(0, q - 3) : q])
    return False


def _reported(s: _Sent, at: int) -> bool:
    toks = s.toks
    for words in lex.RUMOUR_PHRASES:
        if any(_starts(toks, k, words) for k in range(len(toks))):
            return True
    start = max((k for k in range(at) if toks[k].text == ";"), default=-1) + 1
    verbs = [k for k in range(start, at + 1) if toks[k].pos in ("AUX", "VERB")]
    if not verbs:  # "En échange de cet investissement …, Google aurait obtenu"
        verbs = [k for k in range(at, len(toks)) if toks[k].pos in ("AUX", "VERB")][:1]
    return any(_conditional(toks[k]) and not _future_in_past(toks, k) for k in verbs)


def _note(s: _Sent, ends: Iterable[int]) -> str:
    """The bracket right after a term: "(environ la moitié sous forme de crédits Azure)"."""
    for end in sorted(ends):
        for k in range(end, min(end + 3, len(s.toks))):
            if s.toks[k].text == "(":
                close = next((c for c in range(k, len(s.toks)) if s.toks[c].text == ")"), None)
                if close is not None and close - k > 3:
                    return s.text[s.toks[k + 1].start : s.toks[close - 1].end]
    return ""


def _partner_from_title(title: _Sent, party: str) -> tuple[str, bool] | None:
    """The other party of the title's clause that names ``party``, and whether it comes
    before it (then it is the giver): "…, Google mise sur Anthropic" → ("Google", True)."""
    cuts = [-1] + [k for k, t in enumerate(title.toks) if t.text in {",", ":", ";"}]
    cuts.append(len(title.toks))
    for a, b in itertools.pairwise(cuts):
        clause = title.parties(a + 1, b)
        names = [n.canonical for n in clause]
        others = [n for n in clause if n.canonical != party]
        if party in names and len({n.canonical for n in others}) == 1:
            mine = next(n for n in clause if n.canonical == party)
            return others[0].canonical, others[0].start < mine.start
    return None


# -- One sentence ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    """What a sentence is read with: its article, title, first paragraph, previous sentence."""

    article: Article
    title: _Sent
    lede_names: frozenset[str]
    previous: tuple[Citation, DealDate | None] | None = None


def _analyse(doc: Doc) -> _Sent:
    text = doc.text
    toks = _tokens(doc)
    return _Sent(text, toks, _names(text, toks), _amounts(text, toks))


def _pluperfect(toks: Sequence[_Tok]) -> bool:
    for k, t in enumerate(toks[:-1]):
        if t.low in lex.PLUPERFECT_AUXILIARIES:
            nxt = [x for x in toks[k + 1 : k + 4] if x.low not in _LINK_ADVERBS]
            # The tagger misses participles ("investi" as a noun): their endings do not.
            if nxt and (nxt[0].pos == "VERB" or _PARTICIPLE.search(nxt[0].low)):
                return True
    return False


def _records(doc: Doc, citation: Citation, ctx: _Context) -> tuple[list[Deal], DealDate | None]:
    """The deals of one sentence, and the date it states (for the sentence after it)."""
    s = _analyse(doc)
    stated = _sentence_date(_dates(s.text, s.toks, ctx.article.date))
    terms = _terms(s)
    if not terms or stated is False:
        return [], stated or None
    # One pair per sentence: the first term naming both sides; the others inherit it.
    anchor = next((t for t in terms if t.left and t.right), None)
    if anchor is None:
        anchor = next((t for t in terms if t.left or t.right), None)
        named = {n.canonical for n in s.parties()}
        if anchor is None and len(named) == 1:
            # "nous annonçons … notre partenariat avec OpenAI … un investissement": the one
            # party named; the title says who "nous" is.
            anchor = terms[0]
            anchor.right = named.pop()
        solo = anchor is not None and anchor.term.kind is DealKind.RELEASE and anchor.left
        if anchor is None or not (solo or _complete_from_title(anchor, ctx.title)):
            return [], stated
    pair = (anchor.left, anchor.right)
    # A term naming another pair belongs to another deal the rules cannot date: left out.
    kept = [t for t in terms if {t.left, t.right} - {None} <= set(pair)]
    parties = tuple(p for p in pair if p)
    citations = (citation,)
    if stated:
        date = stated
    elif _backref(s.toks):
        if ctx.previous is None or ctx.previous[1] is None:
            return [], None
        citations = (ctx.previous[0], citation)
        date = ctx.previous[1]
    elif set(parties) & ctx.lede_names:
        date = DealDate(ctx.article.date[:7])
    else:
        return [], None
    kept.sort(key=lambda t: _KIND_ORDER.index(t.term.kind))
    terms_out = _unique_terms(t.term for t in kept)
    note = _note(s, [e for t in kept for e in t.ends])
    deal = Deal(
        parties=parties,
        terms=terms_out,
        date=date,
        reported=any(_reported(s, t.at) for t in kept),
        citations=citations,
        attribution=tuple(dict.fromkeys(n.canonical for n in s.names if n.category == "source")),
        notes=(note,) if note else (),
    )
    return [deal], stated or None


def _backref(toks: Sequence[_Tok]) -> bool:
    return _pluperfect(toks) or any(_starts(toks, 0, w) for w in lex.BACKREF_OPENERS)


def _complete_from_title(term: _Term, title: _Sent) -> bool:
    known = term.left or term.right
    found = _partner_from_title(title, known) if known else None
    if found is None:
        return False
    partner, partner_first = found
    if term.left is None:
        term.left = partner
    elif term.right is None:
        term.right = partner
    if term.left == known and partner_first and term.term.kind is not DealKind.HIRE:
        term.left, term.right = partner, known
    return True


def sentence_deals(text: str, article: Article, previous: str | None = None) -> list[Deal]:
    """The deals one sentence reports, read as the first paragraph of ``article``.

    For tests and for exploring the rules on a sentence; an index build reads whole articles
    with :func:`article_records`.

    Args:
        text: the sentence.
        article: its article (title and date matter).
        previous: the sentence before it, in the same paragraph.
    """
    nlp = deal_pipeline()
    title = _analyse(nlp(article.title))
    lede = frozenset(n.canonical for n in _analyse(nlp(text)).names) | _title_names(title)
    prev = None
    if previous is not None:
        prev_cite = _citation(article, f"{article.article_id}#0", previous)
        prev_doc = nlp(previous)
        prev_s = _analyse(prev_doc)
        prev_date = _sentence_date(_dates(previous, prev_s.toks, article.date))
        prev = (prev_cite, prev_date or None)
    ctx = _Context(article, title, lede, prev)
    cite = _citation(article, f"{article.article_id}#{1 if previous else 0}", text)
    return merge(_records(nlp(text), cite, ctx)[0])


def _title_names(title: _Sent) -> frozenset[str]:
    return frozenset(n.canonical for n in title.parties())


def _citation(article: Article, sid: str, text: str) -> Citation:
    return Citation(sid, text, article.article_id, article.title, article.date, article.source)


def article_records(
    articles: Sequence[tuple[Article, Sequence[Sentence]]],
) -> list[list[Deal]]:
    """The deals each article reports, one list per article, not yet merged across
    sentences or articles (``merge`` does that): what an article says depends on it alone,
    so an index build can keep these per article and read only new articles.

    One batched spaCy pass over all the articles' candidate sentences, titles and ledes.
    """
    ledes = [
        [s for s in sentences if s.paragraph == sentences[0].paragraph] if sentences else []
        for _, sentences in articles
    ]
    wanted = [s.text for _, sentences in articles for s in sentences if _is_candidate(s)]
    if not wanted:
        return [[] for _ in articles]
    wanted += [article.title for article, _ in articles]
    wanted += [s.text for lede in ledes for s in lede]
    nlp = deal_pipeline()
    # One batched pass: spaCy is several times faster on batches than on single texts.
    texts = list(dict.fromkeys(wanted))
    docs = dict(zip(texts, nlp.pipe(texts, batch_size=64), strict=True))
    out: list[list[Deal]] = []
    for (article, sentences), lede_sentences in zip(articles, ledes, strict=True):
        records: list[Deal] = []
        title = _analyse(docs[article.title])
        lede = _title_names(title) | {
            n.canonical for s in lede_sentences for n in _analyse(docs[s.text]).parties()
        }
        previous: tuple[Citation, DealDate | None] | None = None
        last_paragraph = None
        for sentence in sentences:
            if sentence.paragraph != last_paragraph:
                previous, last_paragraph = None, sentence.paragraph
            cite = _citation(article, sentence.sid, sentence.text)
            if not _is_candidate(sentence):
                doc = nlp.make_doc(sentence.text)  # tokens only: for its dates
                stated = _sentence_date(_dates(sentence.text, _tokens(doc), article.date))
                previous = (cite, stated or None)
                continue
            ctx = _Context(article, title, frozenset(lede), previous)
            found, stated = _records(docs[sentence.text], cite, ctx)
            records += found
            previous = (cite, stated or None)
        out.append(records)
    return out


def _is_candidate(sentence: Sentence) -> bool:
    return not sentence.heading and bool(_CANDIDATE.search(sentence.text))


def _term_key(term: DealTerm) -> tuple:
    amount = term.amount
    money = (amount.value, amount.unit, amount.qualifier) if amount else None
    return (term.kind, money, term.subject.lower())


def _unique_terms(terms: Iterable[DealTerm]) -> tuple[DealTerm, ...]:
    """One term per kind and amount: "un milliard" and "1 milliard" are one (the first)."""
    seen: dict[tuple, DealTerm] = {}
    for term in terms:
        seen.setdefault(_term_key(term), term)
    return tuple(seen.values())


def _key(deal: Deal) -> tuple:
    return (deal.partnership, *_term_key(deal.terms[0]), deal.date.year)


def _compatible(a: DealDate, b: DealDate) -> bool:
    if a.stated and b.stated and len(a.start) > 4 and len(b.start) > 4:
        return a.start == b.start
    return True


def _better_date(a: DealDate, b: DealDate) -> DealDate:
    """The sentence's own words over the article's date, the more precise, the earlier."""
    return min((a, b), key=lambda d: (not d.stated, -len(d.start), d.start, d.end))


def merge(records: Iterable[Deal]) -> list[Deal]:
    """One record per deal: same parties, kind, amount (or subject) and year.

    Different amounts for the same parties and year stay apart. A deal that one article
    states as fact is a fact, whatever others say.
    """
    merged: list[Deal] = []
    for record in records:
        same = next(
            (m for m in merged if _key(m) == _key(record) and _compatible(m.date, record.date)),
            None,
        )
        if same is None:
            merged.append(record)
            continue
        combined = Deal(
            parties=same.parties,
            terms=_unique_terms(same.terms + record.terms),
            date=_better_date(same.date, record.date),
            reported=same.reported and record.reported,
            citations=tuple(dict.fromkeys(same.citations + record.citations)),
            attribution=tuple(dict.fromkeys(same.attribution + record.attribution)),
            notes=tuple(dict.fromkeys(same.notes + record.notes)),
        )
        merged[merged.index(same)] = combined
    return sorted(merged, key=_order)


def _order(deal: Deal) -> tuple:
    # By year, then by when it ends: July 2019 comes before 2019–2023.
    date = deal.date
    end = date.end or date.start
    end = end if len(end) > 4 else end + "-13"  # a year alone after the months of that year
    return (date.start[:4], end, date.start, _KIND_ORDER.index(deal.kind))


def timeline(deals: Iterable[Deal]) -> tuple[Partnership, ...]:
    """The deals grouped by partnership (the same parties in any order), each group oldest
    first, the groups in order of their first deal."""
    groups: dict[frozenset[str], list[Deal]] = {}
    for deal in sorted(deals, key=_order):
        groups.setdefault(deal.partnership, []).append(deal)
    return tuple(Partnership(_lane_name(group), tuple(group)) for group in groups.values())


def _lane_name(group: Sequence[Deal]) -> tuple[str, ...]:
    """The parties in the direction money goes (giver first), else as first named."""
    money = (DealKind.INVESTMENT, DealKind.STAKE, DealKind.HIRE)
    return next((d.parties for d in group if d.kind in money), group[0].parties)


# -- Stored with the index (JSON) ---------------------------------------------------------------


def deals_to_json(deals: Iterable[Deal]) -> list[dict]:
    """Deals as JSON-ready dicts (the index stores them; ``deals --json`` prints them)."""
    out = []
    for d in deals:
        out.append(
            {
                "parties": list(d.parties),
                "kind": d.kind.value,
                "terms": [
                    {
                        "kind": t.kind.value,
                        "amount": None
                        if t.amount is None
                        else {
                            "text": t.amount.text,
                            "value": t.amount.value,
                            "unit": t.amount.unit,
                            "qualifier": t.amount.qualifier,
                        },
                        "subject": t.subject,
                        "exclusive": t.exclusive,
                    }
                    for t in d.terms
                ],
                "date": {"start": d.date.start, "end": d.date.end, "stated": d.date.stated},
                "reported": d.reported,
                "attribution": list(d.attribution),
                "notes": list(d.notes),
                "citations": [
                    {
                        "sentence_id": c.sentence_id,
                        "text": c.text,
                        "article_id": c.article_id,
                        "title": c.title,
                        "date": c.date,
                        "source": c.source,
                    }
                    for c in d.citations
                ],
            }
        )
    return out


def deals_from_json(items: Iterable[dict]) -> tuple[Deal, ...]:
    """The inverse of :func:`deals_to_json`.

    Raises:
        KeyError, TypeError, ValueError: not what ``deals_to_json`` writes.
    """
    return tuple(
        Deal(
            parties=tuple(d["parties"]),
            terms=tuple(
                DealTerm(
                    DealKind(t["kind"]),
                    None if t["amount"] is None else Amount(**t["amount"]),
                    t["subject"],
                    t["exclusive"],
                )
                for t in d["terms"]
            ),
            date=DealDate(**d["date"]),
            reported=d["reported"],
            citations=tuple(Citation(**c) for c in d["citations"]),
            attribution=tuple(d["attribution"]),
            notes=tuple(d["notes"]),
        )
        for d in items
    )
