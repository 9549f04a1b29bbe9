"""The French analyzer on tricky strings: one analyzer for corpus and questions alike."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from openai_deals.retrieval.analyzer import default_analyzer
from openai_deals.retrieval.lang.lexicon import SYNONYMS


@pytest.fixture(scope="module")
def terms():
    return default_analyzer().terms


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("l’accord", "l'accord"),  # typographic and straight apostrophes
        ("jusqu’à l’investissement", "investissement"),  # elisions, both apostrophes
        ("lorsqu'il investit", "investir"),
        ("qu’OpenAI", "OpenAI"),
        ("OpenAI’s deal", "OpenAI accord"),  # English possessive, English glossary
        ("évincé", "EVINCE"),  # accents and case
        ("GPT3", "GPT-3"),  # alias
        ("OpenAai", "openai"),  # a typo of the source
        ("GPT-ASS", "gpt-oss"),
        ("1 milliard", "un milliard"),  # number words before a magnitude
        ("10 %", "10%"),
        ("10 000 employés", "10 000 salariés"),  # thousands separator, synonyms
        ("le PDG", "the CEO"),
        ("le patron", "le dirigeant"),
        ("viré", "limogé"),
        ("renvoyé", "évincé"),
        ("injecter", "investissement"),
        ("une participation", "a stake"),
        ("la plus petite", "le petit"),  # lemma before stem
        ("prévu", "prévoir"),
        ("la firme de Redmond", "la société Microsoft"),  # a company named by its seat
        ("le moteur de Mountain View", "le moteur de Google"),  # two-word metonym
        ("la jeune pousse", "la start-up"),  # official French terms (FranceTerme)
        ("un robot conversationnel", "un robot chatbot"),
        ("informatique en nuage", "informatique cloud"),
        ("decrit", "décrit"),  # typed without accents: lemmatised as the accented form
        ("parametres", "paramètres"),
        ("reintegre", "réintégré"),
        ("la societe", "la société"),  # a lemma itself, not only its inflected forms
    ],
)
def test_equivalent_forms_give_the_same_terms(terms, left, right):
    """Spellings, elisions, numbers and synonyms a reader treats as the same meet in one term."""
    assert terms(left) == terms(right)
    assert terms(left), f"{left!r} analysed to nothing"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("licencier", "évincer"),  # laying staff off is not ousting a CEO
        ("OpenAI", "ouvert"),  # the stemmer must not turn the brand into "open"
        ("investisseur", "investissement"),
        ("2019", "2021"),
        ("mise en œuvre", "investissement en œuvre"),  # the noun "mise" is not "miser"
        ("en partie", "participation"),
        ("à partir de", "participation"),
        ("bailleurs de fonds", "bailleurs créés"),  # "fonds" is not "fonder"
        ("la jeune femme pousse", "la start-up"),  # a phrase alias needs both words, in order
        ("la vue sur la montagne", "Google"),
    ],
)
def test_distinct_words_stay_distinct(terms, left, right):
    """Synonym groups and stemming do not merge words with different meanings."""
    assert terms(left) != terms(right)


def test_accent_free_spellings_are_known_words_but_never_guessed():
    """« decrit » is a known word (so never "corrected" into a name); a spelling two words of
    different lemmas share (« peche »: pêche, péché) is left to the stemmer, not guessed."""
    from openai_deals.retrieval.lang.lemmas import folded_french_lemmas

    analyzer = default_analyzer()
    assert analyzer.is_known_word("decrit")
    assert not analyzer.is_known_word("microsft")
    folded = folded_french_lemmas()
    assert folded["decrit"] == "décrire"
    assert "peche" not in folded
    assert "ou" not in folded  # an unaccented form keeps its own reading (« ou » ≠ « où »)


def test_stop_words_and_question_words_are_dropped(terms):
    """A question keeps only its content words."""
    assert terms("Combien Google a-t-il investi dans Anthropic ?") == terms(
        "Google investi Anthropic"
    )
    assert terms("Qu'est-ce que c'est ?") == []


def test_ai_is_cased():
    """English "AI" is the French "IA", but the French "j'ai" is a stop word."""
    terms = default_analyzer().terms
    assert terms("AI") == terms("IA")
    assert terms("j'ai") == []


def test_token_spans_point_at_the_source_text():
    """Each term keeps the span of the word it came from (used for highlighting)."""
    text = "L’accord de 300 millions de dollars"
    tokens = default_analyzer().tokens(text)
    assert [text[t.start : t.end] for t in tokens] == ["L’accord", "300", "millions", "dollars"]
    text = "La jeune pousse de Mountain View"
    tokens = default_analyzer().tokens(text)
    assert [text[t.start : t.end] for t in tokens] == ["jeune pousse", "Mountain View"]


def test_every_synonym_group_collapses_to_one_term():
    """The lexicon's synonym groups really merge (no member analysed to something else)."""
    analyzer = default_analyzer()
    for group in SYNONYMS:
        terms = {analyzer.term_of(word) for word in group} - {None}
        assert len(terms) == 1, f"{group[0]!r} group splits into {terms}"


def _lemmas_in_fresh_process(cache_home) -> str:
    code = (
        "from openai_deals.retrieval.lang.lemmas import french_lemmas, known_words, cache_path\n"
        "print(french_lemmas()['investi'], 'investir' in known_words(), cache_path())"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_parsed_lemma_tables_are_kept_and_a_damaged_copy_is_replaced(tmp_path):
    """The first start keeps the parsed tables in the cache directory; the next ones read
    them back; a damaged file is parsed again and rewritten, the answers unchanged."""
    first = _lemmas_in_fresh_process(tmp_path)
    lemma, known, path = first.split(" ")
    assert (lemma, known) == ("investir", "True")
    kept = Path(path)
    assert kept.is_relative_to(tmp_path) and kept.stat().st_size > 1_000_000
    kept.write_bytes(b"\x00garbage")
    assert _lemmas_in_fresh_process(tmp_path) == first
    assert kept.stat().st_size > 1_000_000
