"""The index cache: round trips, rejects anything incomplete or stale, survives a killed writer."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from openai_deals.retrieval.indexing.bm25 import SparseBM25
from openai_deals.retrieval.indexing.store import (
    ForeignDirectoryError,
    content_key,
    load_index,
    save_index,
)

REPO = Path(__file__).resolve().parents[3]


def _arrays(fill: int = 1) -> dict[str, np.ndarray]:
    return {
        "big": np.full(600_000, fill, dtype=np.float64),  # > 1 MiB: memory-mapped
        "small": np.arange(10, dtype=np.int32) + fill,
        "empty": np.zeros(0, dtype=np.int64),
        "scalar_like": np.array([fill], dtype=np.float64),
    }


def _live_folder(directory: Path) -> Path:
    return directory / (directory / "CURRENT").read_text().strip()


def test_round_trip(tmp_path):
    """What save_index writes, load_index returns: same arrays, dtypes and metadata."""
    arrays = _arrays()
    save_index(tmp_path / "cache", arrays, {"n": 3, "fields": ["sentence"]}, key="k1")
    loaded = load_index(tmp_path / "cache", key="k1")
    assert loaded is not None
    got, meta = loaded
    assert meta == {"n": 3, "fields": ["sentence"]}
    assert set(got) == set(arrays)
    for name, array in arrays.items():
        assert got[name].dtype == array.dtype
        np.testing.assert_array_equal(got[name], array)
    assert isinstance(got["big"], np.memmap)
    assert not got["big"].flags.writeable


def test_round_trip_of_a_bm25_index(tmp_path):
    """A SparseBM25 saved and loaded (memory-mapped) scores exactly as the original."""
    corpus = [["accord", "openai", "microsoft"], ["mistral", "accord"], [], ["openai"]] * 50_000
    index = SparseBM25.build(corpus, k1=1.2, b=0.75, epsilon=0.0)
    save_index(tmp_path, index.to_arrays(), {"field": "sentence"}, key="abc")
    arrays, _meta = load_index(tmp_path, key="abc")
    loaded = SparseBM25.from_arrays(arrays)
    query = ["openai", "accord", "inconnu"]
    np.testing.assert_array_equal(loaded.scores(query), index.scores(query))


def test_replacing_keeps_only_the_new_version(tmp_path):
    """A second save replaces the first, and the old version directory is removed."""
    save_index(tmp_path, _arrays(1), {}, key="old")
    save_index(tmp_path, _arrays(2), {}, key="new")
    assert load_index(tmp_path, key="old") is None
    arrays, _ = load_index(tmp_path, key="new")
    assert arrays["small"][0] == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("v-")] == [
        _live_folder(tmp_path).name
    ]


def test_non_empty_foreign_directory_is_refused_untouched(tmp_path):
    """A directory with files the store did not write is refused before anything is written."""
    (tmp_path / "v-important").mkdir()
    (tmp_path / "v-important" / "notes.txt").write_text("x")
    with pytest.raises(ForeignDirectoryError, match="not empty and was not created by"):
        save_index(tmp_path, _arrays(), {}, key="k")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v-important"]
    assert (tmp_path / "v-important" / "notes.txt").read_text() == "x"


def test_clean_up_removes_only_versions_the_store_wrote(tmp_path):
    """Folders added to the store's own directory later survive saves, even named like versions;
    only versions with the store's marker (old ones, half-written ones) are removed."""
    save_index(tmp_path, _arrays(1), {}, key="one")
    old = _live_folder(tmp_path)
    lookalike = tmp_path / "v-1700000000000000000-1-0123abcd"  # the generated name, no marker
    for folder in (tmp_path / "v-important", lookalike):
        folder.mkdir()
        (folder / "notes.txt").write_text("x")
    (tmp_path / "CURRENT.tmp-notes").write_text("x")
    half_written = tmp_path / "v-1700000000000000001-2-4567cdef"
    half_written.mkdir()
    (half_written / ".openai-deals-version").write_text("")
    save_index(tmp_path, _arrays(2), {}, key="two")
    assert not old.exists() and not half_written.exists()
    assert (tmp_path / "v-important" / "notes.txt").read_text() == "x"
    assert (lookalike / "notes.txt").read_text() == "x"
    assert (tmp_path / "CURRENT.tmp-notes").read_text() == "x"


def test_missing_directory_returns_none(tmp_path, caplog):
    """No cache yet: None, logged as information, not as a problem."""
    with caplog.at_level(logging.INFO, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path / "nothing", key="k") is None
    assert "No index cache at" in caplog.text


def test_empty_directory_is_a_first_run_not_a_problem(tmp_path, caplog):
    """An empty cache directory (made by hand or by a tool) is logged at INFO, like none."""
    with caplog.at_level(logging.DEBUG, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="k") is None
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"No index cache at {tmp_path} yet; building the index.")
    ]


def test_key_mismatch_returns_none_and_says_why_at_info(tmp_path, caplog):
    """A cache built for another key (corpus, analyzer or parameters changed) is stale: the
    normal path after every corpus edit, so an INFO saying why, never a WARNING."""
    save_index(tmp_path, _arrays(), {}, key="old-key")
    with caplog.at_level(logging.DEBUG, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="new-key") is None
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "INFO",
            f"Index cache {tmp_path} was built from other input (the corpus or the indexing "
            "code changed); rebuilding.",
        )
    ]


def test_truncated_file_returns_none(tmp_path, caplog):
    """A .npy file cut short is detected by its size and the cache is refused."""
    save_index(tmp_path, _arrays(), {}, key="k")
    path = _live_folder(tmp_path) / "big.npy"
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size - 100)
    with caplog.at_level(logging.WARNING, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="k") is None
    assert "truncated" in caplog.text
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # damage is a real problem


def test_missing_file_returns_none(tmp_path, caplog):
    """A version missing one of its arrays is refused."""
    save_index(tmp_path, _arrays(), {}, key="k")
    (_live_folder(tmp_path) / "small.npy").unlink()
    with caplog.at_level(logging.WARNING, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="k") is None
    assert "small.npy is missing" in caplog.text


@pytest.mark.parametrize("name", ["big.npy", "small.npy"])
def test_flipped_byte_returns_none(tmp_path, caplog, name):
    """One corrupted byte anywhere in a file fails its CRC-32 and the cache is refused."""
    save_index(tmp_path, _arrays(), {}, key="k")
    path = _live_folder(tmp_path) / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="k") is None
    assert "CRC-32" in caplog.text


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "CURRENT").unlink(),
        lambda d: (d / "CURRENT").write_text("v-does-not-exist"),
        lambda d: (d / "CURRENT").write_text("../../etc"),
        lambda d: (_live_folder(d) / "manifest.json").write_text("{not json"),
        lambda d: (_live_folder(d) / "manifest.json").write_text("[]"),
        lambda d: (_live_folder(d) / "manifest.json").unlink(),
        lambda d: (_live_folder(d) / "manifest.json").write_text("[" * 100_000),
    ],
    ids=[
        "no-current",
        "dangling-current",
        "bad-current",
        "bad-json",
        "not-a-dict",
        "no-manifest",
        "nested-too-deep",
    ],
)
def test_damaged_bookkeeping_returns_none(tmp_path, damage):
    """A broken pointer or manifest never raises: load_index returns None."""
    save_index(tmp_path, _arrays(), {}, key="k")
    damage(tmp_path)
    assert load_index(tmp_path, key="k") is None


def test_other_format_version_returns_none(tmp_path, caplog):
    """A cache written by another store format version is refused."""
    save_index(tmp_path, _arrays(), {}, key="k")
    manifest_path = _live_folder(tmp_path) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING, logger="openai_deals.retrieval.indexing.store"):
        assert load_index(tmp_path, key="k") is None
    assert "format version 999" in caplog.text


@pytest.mark.parametrize(
    ("arrays", "meta", "key", "error"),
    [
        ({"a/b": np.zeros(1)}, {}, "k", ValueError),
        ({"a": np.array([object()])}, {}, "k", ValueError),
        ({"a": [1, 2]}, {}, "k", ValueError),
        ({"a": np.zeros(1)}, {"x": object()}, "k", TypeError),
        ({"a": np.zeros(1)}, {}, "", ValueError),
    ],
    ids=["bad-name", "object-array", "not-an-array", "meta-not-json", "empty-key"],
)
def test_bad_save_input_raises_and_keeps_old_index(tmp_path, arrays, meta, key, error):
    """Invalid input to save_index raises before anything live is touched."""
    save_index(tmp_path, _arrays(), {}, key="old")
    with pytest.raises(error):
        save_index(tmp_path, arrays, meta, key=key)
    assert load_index(tmp_path, key="old") is not None


def test_content_key_distinguishes_parts(tmp_path):
    """content_key is deterministic, splits parts unambiguously and hashes file contents."""
    file = tmp_path / "corpus.txt"
    file.write_text("abc", encoding="utf-8")
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key("abc") != content_key(b"abc") != content_key(file)
    assert content_key(file, "v1") == content_key(file, "v1")
    before = content_key(file)
    file.write_text("abd", encoding="utf-8")
    assert content_key(file) != before
    with pytest.raises(TypeError):
        content_key(3)


_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from openai_deals.retrieval.indexing.store import save_index

    directory, generations = sys.argv[1], int(sys.argv[2])
    for generation in range(1, generations + 1):
        arrays = {f"a{i}": np.full(1_000_000, generation, dtype=np.float64) for i in range(8)}
        save_index(directory, arrays, {"generation": generation}, key=f"gen-{generation}")
    """
)


def _start_writer(directory: Path, generations: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(directory), str(generations)], cwd=REPO, env=env
    )


def _assert_complete(directory: Path, key: str, generation: int) -> None:
    loaded = load_index(directory, key=key)
    assert loaded is not None, f"{key} should be loadable"
    arrays, meta = loaded
    assert meta == {"generation": generation}
    assert len(arrays) == 8
    for array in arrays.values():
        assert array.shape == (1_000_000,)
        assert (array == generation).all()


def test_writer_killed_mid_save_leaves_old_index_live(tmp_path):
    """SIGKILL while a new version is half written: the old version stays live and loadable."""
    old = {f"a{i}": np.zeros(1_000_000) for i in range(8)}
    save_index(tmp_path, old, {"generation": 0}, key="gen-0")
    old_folder = _live_folder(tmp_path)
    writer = _start_writer(tmp_path, generations=1)
    try:
        # Kill once the writer has written some, but not all, of its eight 8 MB files.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            partial = [
                p for p in tmp_path.glob("v-*") if p != old_folder and (p / "a1.npy").exists()
            ]
            if partial:
                break
            time.sleep(0.0005)
        else:
            pytest.fail("the writer never started writing")
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    finally:
        writer.kill()
    assert not (partial[0] / "manifest.json").exists(), "killed too late: the save completed"
    _assert_complete(tmp_path, "gen-0", 0)
    # The next save clears the half-written version.
    save_index(tmp_path, _arrays(), {}, key="next")
    assert not partial[0].exists()


def test_writer_killed_at_random_moments_never_leaves_a_partial_index(tmp_path):
    """Killed at random points of repeated saves, the live index is always one complete save."""
    rng = np.random.default_rng(5)
    save_index(
        tmp_path, {f"a{i}": np.zeros(1_000_000) for i in range(8)}, {"generation": 0}, "gen-0"
    )
    for _round in range(4):
        writer = _start_writer(tmp_path, generations=50)
        try:
            time.sleep(0.3 + float(rng.uniform(0.0, 0.5)))  # interpreter start-up, then saves
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        finally:
            writer.kill()
        live_manifest = json.loads((_live_folder(tmp_path) / "manifest.json").read_text())
        generation = live_manifest["meta"]["generation"]
        _assert_complete(tmp_path, f"gen-{generation}", generation)
