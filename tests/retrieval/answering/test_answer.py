"""Answers: citations, abstention, dedup, highlighting, snippet limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openai_deals import messages
from openai_deals.retrieval.answering.engine import Engine
from openai_deals.retrieval.answering.snippets import MAX_SNIPPET_CHARS
from openai_deals.retrieval.evaluate import evaluate, load_questions
from openai_deals.retrieval.indexing.index import build_index
from openai_deals.retrieval.model import MAX_K, MIN_K, Status, check_k

ROOT = Path(__file__).resolve().parents[3]
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def test_google_anthropic_answer_cites_the_300_million_sentence(engine: Engine):
    """The README's first question gets the 300 million sentence first, with its citation."""
    answer = engine.answer("Combien Google a-t-il investi dans Anthropic ?")
    assert not answer.abstained
    first = answer.snippets[0]
    assert "300 millions de dollars" in first.text
    assert first.primary.citation == 1
    assert first.primary.article_id.startswith("002")
    assert first.primary.date == "2023-02"
    assert first.primary.date_label == "février 2023"
    assert first.sentence_ids[0].startswith("002-")


@pytest.mark.parametrize(
    "question",
    [
        "Quel est le prix du Bitcoin aujourd'hui ?",
        "Qui a écrit Les Misérables ?",
        "Nvidia a-t-il investi dans xAI ?",
        "Quelle est la recette de la tarte tatin ?",
    ],
)
def test_off_corpus_questions_abstain(engine: Engine, question):
    """A question the corpus cannot answer gets "je ne sais pas", not noise.

    Near-topic questions ("le salaire de Satya Nadella") are a calibrated decision, not a
    rule: their abstention rate is measured on the test split (README), not pinned here."""
    answer = engine.answer(question)
    assert answer.abstained
    assert answer.snippets == ()
    assert answer.status is Status.NOT_FOUND
    assert messages.lead(answer).startswith("Je ne sais pas")


def test_a_near_topic_question_gets_passages_but_no_answer(engine: Engine):
    """Amazon is not in the Anthropic article: not answered; at most the nearest passages,
    under the related lead, never with an answer in bold."""
    answer = engine.answer("Combien Amazon a-t-il investi dans Anthropic ?")
    assert answer.abstained
    assert all(s.answer_span is None for s in answer.snippets)
    assert answer.status in (Status.RELATED, Status.NOT_FOUND)


def test_an_abstention_names_the_parties_of_the_deals_first(engine: Engine):
    """The refusal points to what people ask about: the parties of the deals the articles
    report (Google, Anthropic, Sam Altman…), not the names the most articles happen to
    mention (Alphabet, ChatGPT)."""
    answer = engine.answer("Quelle est la recette de la tarte tatin ?")
    assert messages.lead(answer) == (
        "Je ne sais pas : les articles que je connais ne parlent pas de ça. "
        "Ils citent surtout OpenAI, Microsoft, Sam Altman, Anthropic et Google."
    )


@pytest.mark.parametrize("question", ["", "   ", "?!", "le la les", "\x00\u200b"])
def test_questions_without_content_words_get_a_polite_message(engine: Engine, question):
    """Empty or stop-word-only input abstains with advice, never raises."""
    answer = engine.answer(question)
    assert answer.abstained
    assert answer.status is Status.NO_KEYWORDS
    assert "Essayez" in messages.lead(answer)


def test_huge_question_does_not_break(engine: Engine):
    """A very long question is analysed on its head and still answered or abstained."""
    answer = engine.answer("Google Anthropic investissement " * 2000)
    assert len(answer.snippets) <= 3


def test_near_duplicate_sentences_are_merged_citing_both_articles(engine: Engine):
    """The Nadella quote appears in two articles: one snippet cites both."""
    answer = engine.answer(
        "ambition commune de faire progresser de manière responsable la recherche de pointe"
    )
    merged = [s for s in answer.snippets if len(s.sources) > 1]
    assert merged, [s.text for s in answer.snippets]
    ids = {src.article_id[:3] for src in merged[0].sources}
    assert ids == {"001", "002"}
    texts = [s.text for s in answer.snippets]
    assert sum("ambition commune" in t for t in texts) == 1


def test_citations_are_numbered_by_first_appearance(engine: Engine):
    """Citation numbers start at 1 and follow the order the articles first appear."""
    answer = engine.answer("Microsoft OpenAI partenariat investissement", k=5)
    seen: list[int] = []
    for snippet in answer.snippets:
        for source in snippet.sources:
            if source.citation not in seen:
                seen.append(source.citation)
    assert seen == list(range(1, len(seen) + 1))


def test_highlights_mark_the_question_terms(engine: Engine):
    """Highlight spans cover the words that match the question, and only those."""
    snippet = engine.answer("Combien Google a-t-il investi dans Anthropic ?").snippets[0]
    marked = {snippet.text[a:b].lower() for a, b in snippet.highlights}
    assert {"investissement", "google", "anthropic"} <= marked
    assert "dollars" not in marked


def test_more_results_page_on(engine: Engine):
    """offset skips the snippets already shown; has_more says whether a next page exists."""
    first = engine.answer("Microsoft OpenAI", k=2)
    second = engine.answer("Microsoft OpenAI", k=2, offset=2)
    assert first.has_more
    assert not {s.text for s in first.snippets} & {s.text for s in second.snippets}


def test_snippets_are_short_and_start_a_sentence(engine: Engine):
    """No snippet exceeds the limit or starts mid-sentence, whatever the question."""
    for question in ["Microsoft", "OpenAI Microsoft Azure", "Kevin Scott GPT3 licence"]:
        for snippet in engine.answer(question, k=10).snippets:
            assert len(snippet.text) <= MAX_SNIPPET_CHARS
            assert snippet.text[:1].isupper() or snippet.text[:1] in '«"('


def test_long_sentence_keeps_its_start_and_the_matched_words(engine: Engine):
    """A long quote whose match comes last is shown as "start … end", not cut before it."""
    snippet = engine.answer("Qui est le CTO de Microsoft ?").snippets[0]
    assert snippet.text.startswith("« Aujourd’hui")
    assert " … " in snippet.text and snippet.text.endswith("Kevin Scott, CTO de Microsoft.")
    assert len(snippet.text) <= MAX_SNIPPET_CHARS
    assert "CTO" in {snippet.text[a:b] for a, b in snippet.highlights}


def test_dev_set_meets_the_quality_bar(first_stages: Engine):
    """Retrieval quality on the dev questions stays at the level the README reports
    (READER=none)."""
    report = evaluate(first_stages, load_questions(DEV))
    assert report.hit_at_1 >= 0.77
    assert report.hit_at_3 >= 0.95
    assert report.abstention_rate == 1.0
    assert report.false_abstention_rate == 0.0
    assert report.mean_snippet_chars <= 350


def test_test_split_meets_the_reported_quality(first_stages: Engine):
    """The held-back test split stays at the level the README reports (a regression guard:
    nothing is tuned on it), READER=none."""
    report = evaluate(first_stages, load_questions(ROOT / "eval" / "test.jsonl"))
    # Measured 0.74 / 0.80 / 0.03 / 0.30 (hit@1, hit@3, withheld, abstained); the bars leave
    # about one question of slack (BLAS summation order moves borderline probabilities).
    assert report.hit_at_1 >= 0.72
    assert report.hit_at_3 >= 0.78
    assert report.false_abstention_rate <= 0.06
    assert report.abstention_rate >= 0.26


def test_with_the_reader_the_test_split_is_answered_less_often_but_rarely_wrong(engine: Engine):
    """The shipped reader on the test split: measured 0.85 / 0.90 hit@1 / hit@3 of answered
    questions, 0.87 of unanswerable ones not answered, 0.04 answered in bold, and 0.38 of
    answerable ones not answered (most shown as related passages); about one question of
    slack."""
    report = evaluate(engine, load_questions(ROOT / "eval" / "test.jsonl"))
    assert report.hit_at_1 >= 0.82
    assert report.hit_at_3 >= 0.87
    assert report.abstention_rate >= 0.82
    assert report.bold_wrong_rate <= 0.09
    assert report.false_abstention_rate <= 0.41


def test_with_the_reader_dev_keeps_its_abstentions(engine: Engine):
    """dev.jsonl with the reader: 3/3 unanswerable abstained, hit@1 0.80 and hit@3 0.95 of
    answered questions (measured)."""
    report = evaluate(engine, load_questions(DEV))
    assert report.abstention_rate == 1.0
    assert report.hit_at_1 >= 0.77
    assert report.hit_at_3 >= 0.9


def test_answers_are_json_serialisable_through_the_cli_contract(engine: Engine):
    """Every field of the CLI's JSON contract is present and typed."""
    from openai_deals.cli import answer_json

    data = json.loads(json.dumps(answer_json(engine.answer("Qu'est-ce qu'Anthropic ?"))))
    assert set(data) == {"question", "status", "abstained", "confidence", "message", "snippets"}
    assert 0.0 <= data["confidence"] <= 1.0
    snippet = data["snippets"][0]
    assert {"text", "article_id", "title", "date", "source", "score", "citation"} <= set(snippet)
    assert isinstance(snippet["citation"], int) and isinstance(snippet["score"], float)


def test_corpus_with_only_broken_files_is_a_clear_error(tmp_path):
    """Indexing a corpus with no usable article names the problem instead of crashing."""
    (tmp_path / "bad.md").write_text("no front matter", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.md"):
        build_index(tmp_path)


@pytest.mark.parametrize("k", [0, 1, 10, 11])
def test_k_range_is_one_rule(k):
    """check_k (behind TOP_K and --k) accepts exactly MIN_K..MAX_K."""
    if MIN_K <= k <= MAX_K:
        assert check_k(k) == k
    else:
        with pytest.raises(ValueError):
            check_k(k)


def test_engine_keeps_a_page_within_the_range(engine: Engine):
    """Asked for more than MAX_K snippets, the engine gives at most MAX_K."""
    assert len(engine.answer("Microsoft OpenAI", k=50).snippets) <= MAX_K
