"""SparseBM25 must score exactly as rank_bm25.BM25Okapi, only faster."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from openai_deals.retrieval.indexing.bm25 import SparseBM25

PARAMETERS = [
    # (k1, b, epsilon): rank-bm25's defaults, the project's likely setting, edge values.
    (1.5, 0.75, 0.25),
    (1.2, 0.75, 0.0),
    (2.0, 0.0, 0.5),
    (0.9, 0.4, -0.3),
]
COMMON = "le"  # a term put in ~70% of the documents: its idf is negative


def _zipf_corpus(seed: int, n_docs: int = 600, n_words: int = 400) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    words = np.array([f"mot{i}" for i in range(n_words)], dtype=object)
    p = 1.0 / np.arange(1, n_words + 1) ** 1.1
    p /= p.sum()
    corpus = []
    for _ in range(n_docs):
        length = int(rng.choice([0, 1, 2, 5, 8, 12, 20, 35]))
        doc = list(words[rng.choice(n_words, size=length, p=p)])
        if length and rng.random() < 0.7:
            doc.insert(int(rng.integers(0, length)), COMMON)
        corpus.append(doc)
    return corpus


def _queries(corpus: list[list[str]], seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    known = sorted({t for doc in corpus for t in doc})
    queries = [[], ["inconnu"], ["inconnu", "absent"], [COMMON], [COMMON, COMMON, "mot0"]]
    for _ in range(40):
        query = [str(t) for t in rng.choice(known, size=int(rng.integers(1, 7)))]
        query += query[: int(rng.integers(0, 2))]  # sometimes a repeated term
        if rng.random() < 0.3:
            query.append("hors-vocabulaire")
        queries.append(query)
    return queries


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    return _zipf_corpus(seed=7)


@pytest.mark.parametrize(("k1", "b", "epsilon"), PARAMETERS)
def test_scores_equal_rank_bm25(corpus, k1, b, epsilon):
    """Scores match BM25Okapi.get_scores to 1e-6 relative for every query and parameter set."""
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
    index = SparseBM25.build(corpus, k1=k1, b=b, epsilon=epsilon)
    assert index.n_docs == reference.corpus_size
    assert index.average_idf == pytest.approx(reference.average_idf, rel=1e-12)
    for query in _queries(corpus, seed=11):
        np.testing.assert_allclose(
            index.scores(query), reference.get_scores(query), rtol=1e-6, atol=1e-12
        )


def test_add_scores_sums_two_fields_in_place(corpus):
    """Two fields added into one array, the second scaled, equal the sum of their scores."""
    first = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    second = SparseBM25.build(corpus[::-1], k1=0.9, b=0.5, epsilon=0.25)
    for query in _queries(corpus, seed=5):
        out = first.scores(query)
        second.add_scores(query, out, 0.2)
        expected = first.scores(query) + 0.2 * second.scores(query)
        np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("k1", "b", "epsilon"), PARAMETERS)
def test_idf_and_doc_freq_match_rank_bm25(corpus, k1, b, epsilon):
    """idf() is rank-bm25's (floored) idf, 0 for unknown terms; doc_freq() counts documents."""
    reference = BM25Okapi(corpus, k1=k1, b=b, epsilon=epsilon)
    index = SparseBM25.build(corpus, k1=k1, b=b, epsilon=epsilon)
    assert reference.idf[COMMON] < 0 or epsilon >= 0  # the floor is exercised
    for term, idf in reference.idf.items():
        assert index.idf(term) == pytest.approx(idf, rel=1e-12, abs=1e-15)
        assert index.doc_freq(term) == sum(term in doc for doc in reference.doc_freqs)
    assert index.idf("inconnu") == 0.0
    assert index.doc_freq("inconnu") == 0
    assert set(index.vocabulary) == set(reference.idf)


def test_common_term_has_negative_raw_idf(corpus):
    """The fixture puts a term in more than half of the documents, so epsilon really matters."""
    assert sum(COMMON in doc for doc in corpus) > len(corpus) / 2


def test_empty_and_unknown_queries_score_zero(corpus):
    """An empty or all-unknown query scores every document 0 and has no top-k result."""
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    for query in ([], ["inconnu"], ("absent", "absent")):
        assert not index.scores(query).any()
        assert len(index.scores(query)) == len(corpus)
        assert index.top_k(query, 5).indices.size == 0


@pytest.mark.parametrize(("k1", "b", "epsilon"), PARAMETERS)
def test_top_k_matches_full_sort(corpus, k1, b, epsilon):
    """top_k returns the best nonzero-scored documents in the order of a full stable argsort."""
    index = SparseBM25.build(corpus, k1=k1, b=b, epsilon=epsilon)
    for query in _queries(corpus, seed=13):
        scores = index.scores(query)
        matched = np.flatnonzero(scores)
        # Full sort by descending score, ties by ascending index.
        expected = matched[np.argsort(-scores[matched], kind="stable")]
        for k in (1, 3, 10, len(corpus) + 5):
            top = index.top_k(query, k)
            np.testing.assert_array_equal(top.indices, expected[:k])
            np.testing.assert_array_equal(top.scores, scores[expected[:k]])


def test_top_k_with_non_negative_weights_equals_argsort_of_all_scores(corpus):
    """With epsilon >= 0 the top k (when that many match) is the top of all documents."""
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    reference = BM25Okapi(corpus, k1=1.2, b=0.75, epsilon=0.0)
    scores = reference.get_scores(["mot3", "mot10", "mot1"])
    top = index.top_k(["mot3", "mot10", "mot1"], 10)
    np.testing.assert_allclose(top.scores, np.sort(scores)[::-1][:10], rtol=1e-12)


def test_top_k_breaks_ties_by_document_index():
    """Equal scores come back in ascending document order, also across the k boundary."""
    corpus = [["a", "x"], ["b", "y"], ["a", "z"], ["a", "w"], ["c", "v"], ["d"], ["e"], ["f"]]
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    np.testing.assert_array_equal(index.top_k(["a"], 2).indices, [0, 2])
    np.testing.assert_array_equal(index.top_k(["a"], 5).indices, [0, 2, 3])
    assert index.top_k(["a"], 0).indices.size == 0


@pytest.mark.parametrize(("k1", "b", "epsilon"), PARAMETERS)
def test_round_trip_through_arrays(corpus, k1, b, epsilon):
    """from_arrays(to_arrays()) scores identically and keeps vocabulary, idf and parameters."""
    index = SparseBM25.build(corpus, k1=k1, b=b, epsilon=epsilon)
    arrays = index.to_arrays()
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    # Read-only arrays, as a memory-mapped cache hands them over.
    for array in arrays.values():
        array.flags.writeable = False
    loaded = SparseBM25.from_arrays(arrays)
    assert dict(loaded.vocabulary) == dict(index.vocabulary)
    assert loaded.parameters == index.parameters == {"k1": k1, "b": b, "epsilon": epsilon}
    assert loaded.n_docs == index.n_docs
    for query in _queries(corpus, seed=17):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
    assert loaded.idf(COMMON) == index.idf(COMMON)


def test_round_trip_keeps_unusual_terms():
    """Terms with accents, apostrophes, spaces, newlines or the empty string survive the trip."""
    corpus = [["l’été", "été", "a b"], ["ligne\nsuivante", "", "œuvre"], ["€", "été"]]
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    loaded = SparseBM25.from_arrays(index.to_arrays())
    assert dict(loaded.vocabulary) == dict(index.vocabulary)
    np.testing.assert_array_equal(loaded.scores(["été", ""]), index.scores(["été", ""]))


def test_given_vocabulary_fixes_term_ids():
    """A vocabulary passed to build() fixes the ids; its absent terms have df 0 and idf 0."""
    corpus = [["chat", "chien"], ["chat"], ["souris", "chat", "chat"]]
    vocabulary = {"souris": 0, "oiseau": 1, "chien": 2, "chat": 3}
    index = SparseBM25.build(corpus, k1=1.5, b=0.75, epsilon=0.25, vocabulary=vocabulary)
    reference = BM25Okapi(corpus, k1=1.5, b=0.75, epsilon=0.25)
    assert dict(index.vocabulary) == vocabulary
    assert index.doc_freq("oiseau") == 0
    assert index.idf("oiseau") == 0.0
    assert index.average_idf == pytest.approx(reference.average_idf)
    query = ["chat", "oiseau", "souris"]
    np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-12)


def test_all_documents_empty():
    """A corpus of empty documents builds, and every query scores 0."""
    index = SparseBM25.build([[], []], k1=1.2, b=0.75, epsilon=0.0)
    assert not index.scores(["a"]).any()
    assert len(SparseBM25.from_arrays(index.to_arrays()).vocabulary) == 0


def test_b_one_with_empty_document_scores_zero_where_rank_bm25_gives_nan():
    """With b = 1 rank-bm25 computes 0/0 for empty documents; they score 0 here instead."""
    corpus = [["a", "b"], [], ["a"], ["c"]]
    reference = BM25Okapi(corpus, k1=1.2, b=1.0, epsilon=0.0)
    index = SparseBM25.build(corpus, k1=1.2, b=1.0, epsilon=0.0)
    with np.errstate(invalid="ignore"):
        expected = reference.get_scores(["a"])
    assert np.isnan(expected[1])
    np.testing.assert_allclose(index.scores(["a"]), np.nan_to_num(expected), rtol=1e-12)


@pytest.mark.parametrize(
    ("corpus", "kwargs", "error", "message"),
    [
        ([], {}, ValueError, "cannot build a BM25 index over an empty corpus: give it documents"),
        ("abc", {}, TypeError, "corpus must be a sequence of token lists, got str"),
        ([["a"], "bc"], {}, TypeError, "document 1 must be a sequence of tokens (str), got str"),
        ([["a", 3]], {}, TypeError, "tokens must be str, got int: 3"),
        ([["a"]], {"k1": -1.0}, ValueError, "k1 must be >= 0 (typically 1.2 to 2.0), got -1.0"),
        ([["a"]], {"b": 1.5}, ValueError, "b must be between 0 and 1 (typically 0.75), got 1.5"),
        ([["a"]], {"epsilon": float("nan")}, ValueError, "epsilon must be finite, got nan"),
        (
            [["a", "b"]],
            {"vocabulary": {"a": 0}},
            ValueError,
            "corpus token 'b' is not in the vocabulary passed to build(); "
            "add it to the vocabulary or pass vocabulary=None",
        ),
        (
            [["a"]],
            {"vocabulary": {"a": 1}},
            ValueError,
            "vocabulary ids must be exactly 0 .. 0, each once; 'a' has id 1",
        ),
    ],
)
def test_bad_build_input_raises(corpus, kwargs, error, message):
    """Bad corpora and parameters raise a real exception whose message says what is wrong."""
    params = {"k1": 1.2, "b": 0.75, "epsilon": 0.0, **kwargs}
    with pytest.raises(error) as excinfo:
        SparseBM25.build(corpus, **params)
    assert str(excinfo.value) == message


def test_bad_query_input_raises(corpus):
    """A bare string query, a non-string token or a negative k raise instead of misbehaving."""
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    with pytest.raises(TypeError, match="not a single string"):
        index.scores("mot0")
    with pytest.raises(TypeError, match="query tokens must be str, got int"):
        index.scores(["mot0", 1])
    with pytest.raises(ValueError, match="k must be >= 0, got -1"):
        index.top_k(["mot0"], -1)
    with pytest.raises(TypeError, match="k must be an integer, got float"):
        index.top_k(["mot0"], 2.0)


def test_from_arrays_rejects_damaged_arrays(corpus):
    """Missing, mistyped or inconsistent arrays raise ValueError so the caller rebuilds."""
    arrays = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0).to_arrays()
    without = {k: v for k, v in arrays.items() if k != "weights"}
    with pytest.raises(ValueError, match="lack"):
        SparseBM25.from_arrays(without)
    with pytest.raises(ValueError, match="expected float64"):
        SparseBM25.from_arrays({**arrays, "weights": arrays["weights"].astype(np.float32)})
    with pytest.raises(ValueError, match="inconsistent"):
        SparseBM25.from_arrays({**arrays, "doc_ids": arrays["doc_ids"][:-1]})
    bad_ids = arrays["doc_ids"].copy()
    bad_ids[0] = len(corpus)
    with pytest.raises(ValueError, match="inconsistent"):
        SparseBM25.from_arrays({**arrays, "doc_ids": bad_ids})
    with pytest.raises(ValueError, match="layout"):
        SparseBM25.from_arrays({**arrays, "counts": arrays["counts"] + [1, 0, 0]})
