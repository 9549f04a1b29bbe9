"""The persistent index cache: reused when fresh, rebuilt when stale or unreadable (on the
two-article corpus: these are rules, not facts about the bundled articles)."""

from __future__ import annotations

import numpy as np

from openai_deals.retrieval import store
from openai_deals.retrieval.cache import cache_key, load_or_build
from openai_deals.retrieval.index import Params


def test_second_load_comes_from_the_cache(small_corpus, tmp_path):
    """Building once, then loading: the same sentences, served from disk."""
    built, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    loaded, cached = load_or_build(small_corpus, tmp_path / "index")
    assert cached
    assert len(loaded) == len(built) == 4
    assert loaded.text(2) == built.text(2) and loaded.terms(2) == built.terms(2)
    assert [a.article_id for a in loaded.articles] == [a.article_id for a in built.articles]


def test_parameters_are_part_of_the_key(small_corpus, tmp_path):
    """Other BM25 parameters mean another index: the cached one is not reused."""
    assert cache_key(small_corpus, Params()) != cache_key(small_corpus, Params(k1=1.5))
    load_or_build(small_corpus, tmp_path / "index")
    _, cached = load_or_build(small_corpus, tmp_path / "index", Params(k1=1.5))
    assert not cached


def test_cache_with_the_right_key_but_a_foreign_layout_is_rebuilt(small_corpus, tmp_path):
    """Intact files that are not an index of this code are never served."""
    index_dir = tmp_path / "index"
    key = cache_key(small_corpus, Params())
    store.save_index(index_dir, {"junk": np.arange(3)}, {"x": 1}, key=key)
    index, cached = load_or_build(small_corpus, index_dir)
    assert not cached and len(index) == 4


def test_editing_an_article_rebuilds(small_corpus, tmp_path):
    """A changed corpus file changes the key, so the next load rebuilds."""
    load_or_build(small_corpus, tmp_path / "index")
    path = small_corpus / "nvidia-puce.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nUne phrase ajoutée à la fin.\n", encoding="utf-8"
    )
    index, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    assert any(index.text(i) == "Une phrase ajoutée à la fin." for i in range(len(index)))


def test_a_new_entry_that_is_not_an_article_refreshes_the_report(small_corpus, tmp_path):
    """notes.txt changes the key, so the rebuilt index reports it (its problems stay current)."""
    load_or_build(small_corpus, tmp_path / "index")
    (small_corpus / "notes.txt").write_text("à faire\n", encoding="utf-8")
    index, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    assert [p.file for p in index.problems] == ["notes.txt"]
