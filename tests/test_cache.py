"""The persistent index cache: reused when fresh, rebuilt when stale or unreadable (on the
two-article corpus: these are rules, not facts about the bundled articles)."""

from __future__ import annotations

import numpy as np

from openai_deals.retrieval import store
from openai_deals.retrieval.cache import cache_key, load_or_build, store_dir
from openai_deals.retrieval.index import Params


def test_second_load_comes_from_the_cache(small_corpus, tmp_path):
    """Building once, then loading: the same sentences, served from disk."""
    built, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    loaded, cached = load_or_build(small_corpus, tmp_path / "index")
    assert cached
    assert (tmp_path / "index" / "openai-deals-index" / "CURRENT").is_file()
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
    junk = {"junk": np.arange(3)}
    key = cache_key(small_corpus, Params())
    store.save_index(store_dir(index_dir), junk, {"x": 1}, key=key)
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


def test_index_dir_with_other_files_keeps_them(small_corpus, tmp_path):
    """The issue's repro: a user's ``v-important/`` in INDEX_DIR survives two saves."""
    index_dir = tmp_path / "u"
    (index_dir / "v-important").mkdir(parents=True)
    (index_dir / "v-important" / "notes.txt").write_text("x", encoding="utf-8")
    (index_dir / "CURRENT").write_text("v-important", encoding="utf-8")
    load_or_build(small_corpus, index_dir)
    load_or_build(small_corpus, index_dir, rebuild=True)
    assert (index_dir / "v-important" / "notes.txt").read_text(encoding="utf-8") == "x"
    assert (index_dir / "CURRENT").read_text(encoding="utf-8") == "v-important"
    assert sorted(p.name for p in index_dir.iterdir()) == [
        "CURRENT",
        "openai-deals-index",
        "v-important",
    ]
