"""The persistent index cache: reused when fresh, rebuilt when stale or unreadable."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from openai_deals.retrieval import store
from openai_deals.retrieval.cache import cache_key, load_or_build
from openai_deals.retrieval.index import Params

CORPUS = Path(__file__).resolve().parent.parent / "openai_deals" / "corpus"


def test_second_load_comes_from_the_cache(tmp_path):
    """Building once, then loading: the same sentences, served from disk."""
    built, cached = load_or_build(CORPUS, tmp_path / "index")
    assert not cached
    loaded, cached = load_or_build(CORPUS, tmp_path / "index")
    assert cached
    assert len(loaded) == len(built)
    assert loaded.text(7) == built.text(7) and loaded.terms(7) == built.terms(7)
    assert [a.article_id for a in loaded.articles] == [a.article_id for a in built.articles]


def test_parameters_are_part_of_the_key(tmp_path):
    """Other BM25 parameters mean another index: the cached one is not reused."""
    assert cache_key(CORPUS, Params()) != cache_key(CORPUS, Params(k1=1.5))
    load_or_build(CORPUS, tmp_path / "index")
    _, cached = load_or_build(CORPUS, tmp_path / "index", Params(k1=1.5))
    assert not cached


def test_cache_with_the_right_key_but_a_foreign_layout_is_rebuilt(tmp_path):
    """Intact files that are not an index of this code are never served."""
    index_dir = tmp_path / "index"
    store.save_index(index_dir, {"junk": np.arange(3)}, {"x": 1}, key=cache_key(CORPUS, Params()))
    index, cached = load_or_build(CORPUS, index_dir)
    assert not cached and len(index) > 100


def test_editing_an_article_rebuilds(tmp_path):
    """A changed corpus file changes the key, so the next load rebuilds."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    load_or_build(corpus, tmp_path / "index")
    path = next(corpus.glob("003-*.md"))
    path.write_text(
        path.read_text(encoding="utf-8") + "\nUne phrase ajoutée à la fin.\n", encoding="utf-8"
    )
    index, cached = load_or_build(corpus, tmp_path / "index")
    assert not cached
    assert any(index.text(i) == "Une phrase ajoutée à la fin." for i in range(len(index)))


def test_a_new_entry_that_is_not_an_article_refreshes_the_report(small_corpus, tmp_path):
    """notes.txt changes the key, so the rebuilt index reports it (its problems stay current)."""
    load_or_build(small_corpus, tmp_path / "index")
    (small_corpus / "notes.txt").write_text("à faire\n", encoding="utf-8")
    index, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    assert [p.file for p in index.problems] == ["notes.txt"]
