"""Presentation: ranked sentences become cited snippets with highlights and answer spans.

Near-duplicate sentences (the same fact syndicated in several articles) become one snippet
citing each article; citations are numbered in order of first appearance; a short sentence
is shown with its next neighbour; a long one is shortened around what matched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from openai_deals.retrieval.analyzer import Analyzer
from openai_deals.retrieval.indexing.index import Index
from openai_deals.retrieval.model import MONTHS_FR, Snippet, Source
from openai_deals.retrieval.text import shorten

MAX_SNIPPET_CHARS = 350
SHORT_SENTENCE_CHARS = 90  # a sentence shorter than this is shown with its next neighbour
MAX_SOURCES_PER_SNIPPET = 5  # a sentence syndicated in 60 articles cites the 5 best

_AMOUNT = re.compile(
    r"(?:\b(?:un|une|deux|trois|quatre|cinq|dix|cent|quelques)\s+|\b\d[\d\s  ,.]*\s?)"
    r"(?:milliards?|millions?|%|pour\s?cent)(?:\s+de\s+(?:dollars|euros))?"
    r"|\b\d[\d  ,.]*\s?(?:dollars|euros|\$|€)"
    r"|(?:trois|deux)\s+quarts",
    re.IGNORECASE,
)
_MONTHS = "|".join(MONTHS_FR)
_DATE = re.compile(
    rf"\b(?:(?:le\s+)?\d{{1,2}}(?:er)?\s+)?(?:{_MONTHS})\s+(?:19|20)\d\d\b"
    rf"|\b(?:en|depuis|dès|début|fin)\s+(?:{_MONTHS})\b"
    r"|\b(?:19|20)\d\d\b"
    r"|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
    re.IGNORECASE,
)
# Two or more capitalised words in a row: "Sam Altman", "Satya Nadella", "Ilya Sutskever".
_PERSON = re.compile(r"\b[A-ZÉ][a-zéèëïö]+(?:[ -][A-ZÉ][a-zéèëïö]+)+\b")
# Capitalised words that open a sentence before a name ("Avec Sam Altman"), not part of it.
_CAPITALISED_WORDS = frozenset(
    {
        "Avec",
        "Pour",
        "Selon",
        "Le",
        "La",
        "Les",
        "Un",
        "Une",
        "Des",
        "Et",
        "Mais",
        "En",
        "Dans",
        "Chez",
        "Par",
        "Sur",
        "Si",
        "Quand",
        "Alors",
        "Ainsi",
        "Pourtant",
        "Depuis",
        "Après",
        "Avant",
        "Lors",
        "Cependant",
        "Puis",
        "Il",
        "Elle",
        "Ils",
        "Elles",
        "Ce",
        "Cette",
        "Son",
        "Sa",
    }
)
_LICENCE = re.compile(
    r"\blicence\s+(?:[\w.\-]+\s+)?(?:Apache|MIT|GPL|BSD)[\w .\-]*?\d(?:\.\d)?"
    r"|\b(?:Apache|MIT|GPL|BSD)\s*\d(?:\.\d)?|\blicence\s+(?:exclusive|ouverte)\b",
    re.IGNORECASE,
)
_SPAN_PATTERNS = {"number": _AMOUNT, "date": _DATE, "person": _PERSON, "licence": _LICENCE}


def answer_span(text: str, kind: str | None) -> tuple[int, int] | None:
    """Where ``text`` answers a question of type ``kind`` (combien → the amount, quand → the
    date, qui → the person, quelle licence → the licence), or None."""
    pattern = _SPAN_PATTERNS.get(kind or "")
    if pattern is None:
        return None
    match = pattern.search(text)
    if match is None:
        return None
    start, end = match.span()
    if pattern is _PERSON:
        # "Avec Sam Altman": a capitalised word that opens the sentence is not the name.
        first = text[start:end].split(" ", 1)
        if len(first) == 2 and first[0] in _CAPITALISED_WORDS:
            start += len(first[0]) + 1
    while end > start and text[end - 1] in " ,.":
        end -= 1
    return start, end


def highlights(analyzer: Analyzer, text: str, query: set[str]) -> tuple[tuple[int, int], ...]:
    """Character spans of the words of ``text`` whose terms are in ``query``, merged."""
    spans: list[tuple[int, int]] = []
    for token in analyzer.tokens(text):
        if token.term in query:
            if spans and spans[-1][1] >= token.start:
                spans[-1] = (spans[-1][0], max(spans[-1][1], token.end))
            else:
                spans.append((token.start, token.end))
    return tuple(spans)


def snippet_text(index: Index, analyzer: Analyzer, i: int, query: set[str]) -> tuple[str, list]:
    """The text shown for sentence ``i`` (with its next neighbour when short) and the ids of
    the sentences it holds."""
    sentence = index.sentence(i)
    text, ids = sentence.text, [sentence.sid]
    if len(text) < SHORT_SENTENCE_CHARS:
        j = index.neighbour(i, 1)
        if j is not None:
            nxt = index.sentence(j)
            joined = f"{text} {nxt.text}"
            if (
                nxt.paragraph == sentence.paragraph
                and not nxt.heading
                and len(joined) <= MAX_SNIPPET_CHARS
            ):
                text, ids = joined, [*ids, nxt.sid]
    return shorten(text, MAX_SNIPPET_CHARS, highlights(analyzer, text, query)), ids


def make_snippets(
    index: Index,
    analyzer: Analyzer,
    page: Sequence[Sequence[tuple[int, float]]],
    query: set[str],
    kind: str | None,
) -> list[Snippet]:
    """One snippet per group of near-duplicate sentences ``(sentence, score)``, best first."""
    citation_of: dict[str, int] = {}
    snippets = []
    for group in page:
        sources = []
        for i, _ in group:
            article = index.article(i)
            number = citation_of.setdefault(article.article_id, len(citation_of) + 1)
            sources.append(
                Source(article.article_id, article.title, article.date, article.source, number)
            )
        head, score = group[0]
        text, ids = snippet_text(index, analyzer, head, query)
        snippets.append(
            Snippet(
                text=text,
                sentence_ids=tuple(ids) + tuple(index.sentence(i).sid for i, _ in group[1:]),
                sources=tuple(sources),
                score=round(score, 4),
                highlights=highlights(analyzer, text, query),
                answer_span=answer_span(text, kind),
            )
        )
    return snippets
