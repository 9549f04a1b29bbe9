"""Rendering an Answer as Slack blocks: quotes, bold terms, citations, escaping, limits."""

from __future__ import annotations

import json
import re

import pytest

from openai_deals import messages as m
from openai_deals.retrieval.model import Answer, Article, Snippet, Source, Status
from openai_deals.slack.buttons import (
    ACTION_FEEDBACK,
    ACTION_MORE,
    ACTION_SHARE,
    AnswerRef,
    Surface,
)
from openai_deals.slack.render import (
    escape,
    escape_within,
    render_answer,
    render_help,
    render_home,
    snippet_quote,
    sources_context,
)

SOURCE_1 = Source("a1", "Google mise sur Anthropic", "2023-02", "Les Échos", 1)
SOURCE_2 = Source("a2", "Le pari de Google", "2023-03-14", "", 2)


def snippet(text: str, highlights=(), sources=(SOURCE_1,), ids=("a1#4",)) -> Snippet:
    return Snippet(text, tuple(ids), tuple(sources), 1.0, tuple(highlights))


def answer(*snippets: Snippet, has_more: bool = False, question: str = "Combien ?") -> Answer:
    return Answer(question, snippets, Status.ANSWERED, has_more)


def buttons(message) -> dict[str, dict]:
    """Buttons and the native feedback buttons, by action id."""
    actions = [b for b in message.blocks if b["type"] in ("actions", "context_actions")]
    return {e["action_id"]: e for block in actions for e in block["elements"]}


def vote(message, button: str) -> AnswerRef:
    """What the 👍 ("positive_button") or 👎 ("negative_button") carries back."""
    return AnswerRef.decode(buttons(message)[ACTION_FEEDBACK][button]["value"])


def texts(message) -> list[str]:
    """Every mrkdwn text of the message's blocks."""
    out = []
    for block in message.blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                out.append(element["text"])
    return out


@pytest.mark.parametrize(
    "raw,escaped",
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123|bob>", "&lt;@U123|bob&gt;"),
        ("AT&T", "AT&amp;T"),
        ("&lt;", "&amp;lt;"),
        ("l’IA « ouverte »", "l’IA « ouverte »"),
    ],
)
def test_escape_neutralises_slack_markup(raw, escaped):
    """&, < and > become entities (so nothing is a live mention); French text is untouched."""
    assert escape(raw) == escaped


def test_snippet_is_a_quote_with_question_terms_in_bold():
    """The snippet is quoted with ``>`` and each highlight span is wrapped in ``*``."""
    text = "Google a investi 300 millions de dollars dans Anthropic."
    quote = snippet_quote(snippet(text, [(0, 6), (46, 55)]))
    assert quote == "> *Google* a investi 300 millions de dollars dans *Anthropic*."


@pytest.mark.parametrize(
    "text,spans,expected",
    [
        # Spans are widened to whole words, and an elided article stays inside the span.
        ("l’accord d’Anthropic", [(9, 20)], "> l’accord *d’Anthropic*"),
        ("l’accord d’Anthropic", [(13, 16)], "> l’accord d’*Anthropic*"),
        ("investissement massif", [(0, 7)], "> *investissement* massif"),
        # Overlapping and out-of-range spans are merged and clipped.
        ("Microsoft et OpenAI", [(0, 5), (3, 9), (13, 99)], "> *Microsoft* et *OpenAI*"),
        ("a * b", [(0, 5)], "> *a ∗ b*"),
        ("Ligne un\nLigne deux", [], "> Ligne un\n> Ligne deux"),
        ("<!here> & co", [(8, 9)], "> &lt;!here&gt; *&amp;* co"),
    ],
)
def test_highlights_render_as_bold_words(text, spans, expected):
    """Highlights become bold whole words, safely, whatever spans the engine returns."""
    assert snippet_quote(snippet(text, spans)) == expected


def test_merged_snippet_cites_every_source():
    """A sentence found in two articles lists both, with number, title, month and publisher."""
    context = sources_context(snippet("Texte.", sources=(SOURCE_1, SOURCE_2)))
    assert context == (
        "[1] *Google mise sur Anthropic* — février 2023 — Les Échos\n"
        "[2] *Le pari de Google* — mars 2023"
    )


def test_thread_answer_has_lead_quotes_citations_and_buttons():
    """In a thread: lead line, one quote and one citation line per snippet, more and votes."""
    message = render_answer(
        answer(snippet("Un."), snippet("Deux.", sources=(SOURCE_2,)), has_more=True),
        AnswerRef("Combien ?", 0, Surface.THREAD),
        k=2,
    )
    assert texts(message) == [
        "Voici ce que disent les articles :",
        "> Un.",
        "[1] *Google mise sur Anthropic* — février 2023 — Les Échos",
        "> Deux.",
        "[2] *Le pari de Google* — mars 2023",
    ]
    assert list(buttons(message)) == [ACTION_MORE, ACTION_FEEDBACK]
    assert message.blocks[-1]["type"] == "context_actions"
    assert (vote(message, "positive_button").vote, vote(message, "negative_button").vote) == (
        "up",
        "down",
    )
    assert AnswerRef.decode(buttons(message)[ACTION_MORE]["value"]).offset == 2
    assert message.text == "Voici ce que disent les articles :\n« Un. » [1]\n« Deux. » [2]"


def test_ephemeral_answer_echoes_the_question_and_can_be_shared():
    """The slash command's answer repeats the question and offers "Partager dans le canal"."""
    message = render_answer(answer(snippet("Un.")), AnswerRef("Combien ?", 0, Surface.EPHEMERAL), 3)
    assert texts(message)[0] == m.QUESTION_ECHO.format(question="Combien ?")
    share = buttons(message)[ACTION_SHARE]
    assert share["style"] == "primary"
    assert AnswerRef.decode(share["value"]) == AnswerRef("Combien ?", 0, Surface.EPHEMERAL)
    assert ACTION_MORE not in buttons(message)


def test_shared_answer_names_the_sharer_and_cannot_be_shared_again():
    """In the channel, the answer says who shared it; no share button."""
    ref = AnswerRef("Combien ?", 0, Surface.SHARED, shared_by="U42")
    message = render_answer(answer(snippet("Un.")), ref, 3)
    assert texts(message)[:2] == [
        m.QUESTION_ECHO.format(question="Combien ?"),
        "Partagé par <@U42>",
    ]
    assert ACTION_SHARE not in buttons(message)


def test_feedback_buttons_carry_the_cited_sentence_ids():
    """👍/👎 values hold the question and every cited sentence id."""
    message = render_answer(
        answer(snippet("Un.", ids=("a1#4", "a1#5")), snippet("Deux.", ids=("a2#1",))),
        AnswerRef("Combien ?", 0, Surface.THREAD),
        3,
    )
    down = vote(message, "negative_button")
    assert down.sentence_ids == ("a1#4", "a1#5", "a2#1")
    assert down.question == "Combien ?"


def test_last_page_says_there_is_nothing_more():
    """A later page without more results says so and has no "Plus de résultats"."""
    message = render_answer(answer(snippet("Trois.")), AnswerRef("Q", 3, Surface.THREAD), 3)
    assert texts(message)[-1] == m.NO_MORE_RESULTS
    assert ACTION_MORE not in buttons(message)


def test_abstention_shows_the_message_and_only_the_votes():
    """An abstention is its French message, with 👍/👎 but neither share nor more."""
    abstention = Answer("Bitcoin ?", (), Status.NOT_FOUND, topics=("OpenAI", "Mistral AI"))
    message = render_answer(abstention, AnswerRef("Bitcoin ?", 0, Surface.EPHEMERAL), 3)
    expected = (
        "Je ne sais pas : les articles que je connais ne parlent pas de ça. "
        "Ils citent surtout OpenAI et Mistral AI."
    )
    assert texts(message)[1:] == [expected]
    assert list(buttons(message)) == [ACTION_FEEDBACK]
    assert message.text == expected


def test_related_passages_are_quoted_under_their_own_lead_and_never_shared():
    """Related passages: the related lead, the quotes and their sources, no bold answer, and
    neither share nor more (they are not an answer)."""
    related = Answer(
        "Combien Oracle a-t-il investi ?",
        (snippet("Oracle fournit du calcul à OpenAI."),),
        Status.RELATED,
        has_more=True,
    )
    message = render_answer(related, AnswerRef("Q", 0, Surface.EPHEMERAL), 3)
    assert texts(message)[1] == m.RELATED_LEAD
    assert "Oracle fournit du calcul" in texts(message)[2]
    assert "*" not in texts(message)[2]
    assert list(buttons(message)) == [ACTION_FEEDBACK]
    assert message.text.startswith(m.RELATED_LEAD)


def test_article_and_question_markup_is_escaped_everywhere():
    """<!channel> in a question, snippet, title or publisher never reaches Slack unescaped."""
    evil = "<!channel> <@U1> &"
    source = Source("a", evil, "2023-02", evil, 1)
    message = render_answer(
        answer(snippet(evil, sources=(source,)), question=evil),
        AnswerRef(evil, 0, Surface.SHARED, shared_by="U42"),
        3,
    )
    dumped = json.dumps(message.blocks) + message.text
    assert "<!channel>" not in dumped
    assert "<@U1>" not in dumped
    assert "&lt;!channel&gt; &lt;@U1&gt; &amp;" in dumped


INVISIBLE = (
    "\x00\x07\x1b\x7f\x85"  # C0, DEL, C1
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # bidi
)


def test_control_and_bidi_characters_are_never_echoed():
    """NUL, ESC, DEL, C1 and bidi controls (U+202E…) in a question, snippet, title or publisher
    are dropped from every text of the message; tabs and line breaks stay."""
    evil = f"Qui{INVISIBLE}[31m\tfinance\nOpenAI ?"
    source = Source("a", evil, "2023-02", evil, 1)
    message = render_answer(
        answer(snippet(evil, sources=(source,)), question=evil),
        AnswerRef(evil, 0, Surface.EPHEMERAL),
        3,
    )
    dumped = json.dumps(message.blocks, ensure_ascii=False) + message.text
    assert not set(INVISIBLE) & set(dumped)
    assert m.QUESTION_ECHO.format(question="Qui[31m\tfinance\nOpenAI ?") in texts(message)


def test_huge_inputs_stay_within_slack_limits():
    """A huge question, 30 huge snippets with 20 sources each: every Slack limit still holds."""
    huge = "Anthropic & <Google> " * 5_000
    many_sources = tuple(
        Source(f"a{i}", "T" * 5_000, "2023-02", "S" * 5_000, i) for i in range(1, 21)
    )
    snippets = [
        snippet(huge, [(0, 9), (50_000, 50_009)], many_sources, [f"id-{i}-{j}" for j in range(50)])
        for i in range(30)
    ]
    for surface in Surface:
        message = render_answer(
            answer(*snippets, has_more=True, question=huge),
            AnswerRef(huge, 0, surface, shared_by="U1"),
            3,
        )
        assert len(message.blocks) <= 50
        assert all(len(t) <= 3000 for t in texts(message))
        assert len(message.text) <= 3000
        elements = [e for e in buttons(message).values() if e["action_id"] != ACTION_FEEDBACK]
        feedback = buttons(message)[ACTION_FEEDBACK]
        elements += [feedback["positive_button"], feedback["negative_button"]]
        for element in elements:
            assert len(element["value"]) <= 2000
            assert len(element["text"]["text"]) <= 75
            assert huge.startswith(AnswerRef.decode(element["value"]).question)


# "&" not starting one of the three entities escape() writes: what a cut inside "&amp;" leaves.
BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


@pytest.mark.parametrize("limit", [1, 2, 5, 6, 7, 100, 2999])
def test_escape_within_cuts_before_escaping(limit):
    """The cut falls between characters of the text, never inside an entity, and fits."""
    out = escape_within("&" * 5_000, limit)
    assert len(out) <= limit
    assert not BROKEN_ENTITY.search(out)


def test_long_lead_and_fallback_never_split_an_entity():
    """A long message full of "&" (here an abstention naming odd topics) is cut before it is
    escaped, so neither the lead block nor the ``text`` fallback holds a broken ``&amp;``."""
    abstention = Answer("Qui ?", (), Status.NOT_FOUND, topics=("&" * 4_000, "A&B"))
    message = render_answer(abstention, AnswerRef("Qui ?", 0, Surface.THREAD), 3)
    lead = texts(message)[0]
    assert lead.startswith("Je ne sais pas") and len(lead) <= 3000
    assert not BROKEN_ENTITY.search(lead)
    assert message.text.startswith("Je ne sais pas") and len(message.text) <= 3000
    assert not BROKEN_ENTITY.search(message.text)


def test_help_lists_the_ways_to_ask_and_examples():
    """The help says how to ask (mention, DM, command) and gives example questions."""
    message = render_help()
    body = "\n".join(texts(message))
    assert m.HELP_HOW in body
    assert all(q in body for q in m.EXAMPLE_QUESTIONS)
    assert message.text == m.HELP_FALLBACK.format(example=m.EXAMPLE_QUESTIONS[0])


def test_home_lists_articles_newest_first():
    """The Home tab lists each article (title, month, publisher), newest first."""
    articles = [
        Article("a", "Ancien", "2019-07", "Le Monde"),
        Article("b", "Récent <b>", "2024-01-15", ""),
    ]
    view = render_home(articles)
    assert view["type"] == "home"
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[-1] == (
        "• *Récent &lt;b&gt;* — janvier 2024\n• *Ancien* — juillet 2019 — Le Monde"
    )


def test_home_with_thousands_of_articles_stays_within_limits():
    """Too many articles for the Home tab: 100 blocks at most, and a count of the rest."""
    articles = [Article(f"a{i}", "Titre " * 100, "2023-02", "Source") for i in range(3_000)]
    view = render_home(articles)
    assert len(view["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    last = view["blocks"][-1]["elements"][0]["text"]
    assert last.startswith("… et ") and last.endswith(" autre(s) article(s).")


def test_home_without_articles_says_so():
    """An empty corpus is said plainly rather than shown as an empty list."""
    assert m.HOME_CORPUS_EMPTY in json.dumps(render_home([]), ensure_ascii=False)
