"""The same words typed two ways get the same answer: apostrophes (’ on phones and Macs, ' on
PC keyboards) and invisible characters (zero-width space, soft hyphen…) are normalised once,
at the analyzer's entry, for corpus sentences and questions alike."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest

from openai_deals.retrieval.analyzer import default_analyzer
from openai_deals.retrieval.text import INVISIBLE_FORMAT, normalise_typing

TUNE = Path(__file__).resolve().parents[2] / "eval" / "tune.jsonl"
QUESTIONS = [json.loads(line)["question"] for line in TUNE.read_text("utf-8").splitlines()]


def _inside_words(mark: str, min_letters: int):
    """Puts ``mark`` in the middle of every word of at least ``min_letters`` letters."""

    def variant(text: str) -> str:
        word = re.compile(rf"\w{{{min_letters},}}")
        return word.sub(lambda m: m[0][: len(m[0]) // 2] + mark + m[0][len(m[0]) // 2 :], text)

    return variant


VARIANTS = {
    "apostrophes swapped": lambda q: q.translate(str.maketrans({"'": "’", "’": "'"})),
    "zero-width spaces in words": _inside_words("\u200b", 4),
    "soft hyphens in words": _inside_words("\u00ad", 6),
    "left quotes, joiners, byte-order mark": lambda q: (
        "\ufeff" + _inside_words("\u2060", 5)(q).replace("'", "‘").replace("’", "‘")
    ),
}


def _answers(engine, questions):
    return [(a.status, [s.sentence_ids for s in a.snippets]) for a in map(engine.answer, questions)]


@pytest.fixture(scope="module")
def as_written(engine):
    return _answers(engine, QUESTIONS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_tune_question_gets_the_same_answer_however_it_is_typed(engine, as_written, variant):
    """Over the whole tune set: same status and same cited sentences, for each variant."""
    typed = [VARIANTS[variant](q) for q in QUESTIONS]
    assert sum(t != q for t, q in zip(typed, QUESTIONS, strict=True)) >= 60
    assert _answers(engine, typed) == as_written


def test_corpus_text_is_normalised_too_and_offsets_point_into_it():
    """A sentence with a soft hyphen (as web pages have) gets the terms of the plain one, and
    each term's span is in the text as given, for highlighting."""
    analyzer = default_analyzer()
    given = "Goo\u00adgle a investi dans l‘IA d\u200b’Anthropic."
    plain = "Google a investi dans l'IA d'Anthropic."
    assert analyzer.terms(given) == analyzer.terms(plain)
    surfaces = [given[t.start : t.end] for t in analyzer.tokens(given)]
    assert surfaces[0] == "Goo\u00adgle" and surfaces[-1] == "d\u200b’Anthropic"


def test_the_invisible_characters_are_unicodes_format_characters():
    """The listed class is exactly category Cf of this Python's Unicode data."""
    listed = {c for c in map(chr, range(sys.maxunicode + 1)) if INVISIBLE_FORMAT.fullmatch(c)}
    expected = {c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == "Cf"}
    assert listed == expected
    assert normalise_typing("l'IA, l‘IA, lʼIA") == "l’IA, l’IA, l’IA"
