"""The words people read: one function per phrase shape, shared by the terminal and Slack."""

from __future__ import annotations

import pytest

from openai_deals import messages
from openai_deals.cli import render_text
from openai_deals.retrieval.ingestion.corpus import CorpusProblem, Issue
from openai_deals.retrieval.model import Answer, Snippet, Source, Status
from openai_deals.slack.buttons import AnswerRef, Surface
from openai_deals.slack.render import render_answer, sources_context

SOURCE_1 = Source("a1", "Google mise sur Anthropic", "2023-02", "d’après le Financial Times", 1)
SOURCE_2 = Source("a2", "Le pari de Google", "2023-03-14", "", 2)
SNIPPET = Snippet("Google investit 300 millions.", ("a1#0",), (SOURCE_1, SOURCE_2), 1.0)
ANSWER = Answer("Combien ?", (SNIPPET,), Status.ANSWERED)


def test_citation_line_leaves_out_empty_parts():
    """ "[n] Titre — mois année — source", without a dangling dash when a part is missing."""
    assert messages.citation_line(1, "T", "février 2023", "Les Échos") == (
        "[1] T — février 2023 — Les Échos"
    )
    assert messages.citation_line(2, "T", "mars 2023") == "[2] T — mars 2023"


def test_quote_marks_every_citation():
    """A merged snippet cites each of its articles after the closing guillemet."""
    assert messages.quote("Texte.", (1, 2)) == "« Texte. » [1][2]"


def test_terminal_and_slack_cite_alike():
    """The terminal's reference lines are Slack's, without Slack's bold markup."""
    terminal = render_text(ANSWER).splitlines()
    slack = sources_context(SNIPPET).replace("*", "").splitlines()
    assert slack == [
        "[1] Google mise sur Anthropic — février 2023 — d’après le Financial Times",
        "[2] Le pari de Google — mars 2023",
    ]
    assert terminal[-2:] == slack


def test_terminal_and_slack_quote_alike():
    """The terminal's quote line is the one in Slack's plain-text fallback."""
    line = "« Google investit 300 millions. » [1][2]"
    assert line in render_text(ANSWER).splitlines()
    message = render_answer(ANSWER, AnswerRef("Combien ?", 0, Surface.THREAD), 3)
    assert line in message.text.splitlines()


def test_every_corpus_issue_has_french_words():
    """No corpus problem can reach the terminal without its French sentence."""
    assert set(messages.CORPUS_ISSUES) == set(Issue)


def test_corpus_problem_line_names_file_and_line():
    """A problem on one line of a file says which; a warning says the file is still read."""
    problem = CorpusProblem("a.md", Issue.NOT_KEY_VALUE, line=4)
    assert messages.corpus_problem(problem) == (
        "ignoré : a.md, ligne 4 : une ligne de l’en-tête doit avoir la forme « clé: valeur »."
    )
    assert str(problem) == "a.md, line 4: expected 'key: value'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("« Aujourd’hui, nous lançons… »", "« Aujourd’hui, nous lançons… » [1]"),
        ("Il a dit : « oui ».", "« Il a dit : « oui ». » [1]"),
        ("Microsoft investit.", "« Microsoft investit. » [1]"),
    ],
)
def test_quote_does_not_double_the_guillemets(text, expected):
    """A snippet that is itself a quotation keeps its own guillemets, once."""
    assert messages.quote(text, [1]) == expected
