"""Keeping the cache bounded: what is no longer used is removed, and only what openai-deals
provably wrote.

Without INDEX_DIR, each corpus folder gets its own index cache in the user's cache folder
(``<cache>/index/<hash of the corpus path>/``, see ``Settings.resolved_index_dir``), and the
USE model's files (the 76 MB uncompressed weights, the parsed tokenizer) are kept once per
model version in ``<cache>/models/``, shared by every index. :func:`prune` removes:

- index versions that ``CURRENT`` no longer names (``store.prune_versions``);
- temporaries left by a writer that was killed (``files.remove_stale_temporaries``);
- files of earlier releases' layout: the pickled tokenizer, the zipped vector cache, and
  the per-index copies of the model files once they are shared;
- model files of other versions, unused for ``UNUSED_DAYS``;
- the caches of other corpora, unused for ``UNUSED_DAYS``: a folder is only removed if its
  name is one ``resolved_index_dir`` makes and it holds nothing but a marked index store.

"Used" is the time of the last load, which every load stamps (:func:`stamp_use`); a cache of
an earlier release, never stamped, counts from its last build. It runs after every build
and with ``openai-deals index --prune``, which prints what it removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from openai_deals.retrieval.files import remove_stale_temporaries
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.indexing.cache import STORE_FOLDER, owned_cache_dir, store_dir

logger = logging.getLogger(__name__)

UNUSED_DAYS = 30
LAST_USED = ".last-used"  # in a store's folder; its modification time is the last load
MODELS_FOLDER = "models"
INDEXES_FOLDER = "index"

_CORPUS_CACHE_NAME = re.compile(r"[0-9a-f]{12}")  # what Settings.resolved_index_dir makes
_MODEL_FILE = re.compile(r"use-(?:weights|tokenizer)-(?P<version>.+)\.npz")
_LEGACY_IN_STORE = re.compile(r"use-tokenizer-.+\.pickle|vectors-.+\.npz")


@dataclass(frozen=True)
class Removed:
    """One thing :func:`prune` removed: its path, its size and why (a ``PRUNED_WHY`` key of
    ``openai_deals.messages``)."""

    path: Path
    size: int
    why: str


def stamp_use(index_dir: Path) -> None:
    """Record that the index of ``index_dir`` was just used (best effort: a read-only cache
    keeps its old stamp)."""
    folder = owned_cache_dir(index_dir)
    if folder is None:
        return
    with contextlib.suppress(OSError):
        (folder / LAST_USED).touch()


def prune(index_dir: Path, shared_cache: Path | None, model_version: str | None) -> list[Removed]:
    """Remove what the cache no longer needs (see the module docstring). Never raises.

    Args:
        index_dir: the index in use (never removed).
        shared_cache: the user's cache folder holding ``models/`` and ``index/``, or None
            with an explicit INDEX_DIR (the model files then live in its store folder, and
            no other corpus's cache is looked at).
        model_version: the USE package version in use (its model files are kept), or None.
    """
    removed = [
        Removed(p, size, "version") for p, size in store.prune_versions(store_dir(index_dir))
    ]
    own = owned_cache_dir(index_dir)
    folders = [own] if own is not None else []
    if shared_cache is not None:
        folders.append(shared_cache / MODELS_FOLDER)
    for folder in folders:
        removed += [Removed(p, size, "temporary") for p, size in _stale_temporaries(folder)]
    if own is not None:
        removed += _legacy_files(own, shared=shared_cache is not None)
    if shared_cache is not None:
        removed += _unused_models(shared_cache / MODELS_FOLDER, model_version)
        removed += _unused_corpora(shared_cache / INDEXES_FOLDER, Path(index_dir))
    if removed:
        total = sum(r.size for r in removed)
        logger.info("Cache pruned: %d entries removed, %d bytes freed", len(removed), total)
    return removed


def _stale_temporaries(folder: Path) -> list[tuple[Path, int]]:
    sizes = {}
    with contextlib.suppress(OSError):
        sizes = {p: p.stat().st_size for p in folder.iterdir() if p.name.endswith(".tmp")}
    return [(p, sizes.get(p, 0)) for p in remove_stale_temporaries(folder)]


def _legacy_files(folder: Path, shared: bool) -> list[Removed]:
    """Earlier layouts' files in a store's folder: never read any more."""
    removed = []
    for path in _files(folder):
        if _LEGACY_IN_STORE.fullmatch(path.name) or (shared and _MODEL_FILE.fullmatch(path.name)):
            removed += _remove(path, "legacy")
    return removed


def _unused_models(folder: Path, current: str | None) -> list[Removed]:
    removed = []
    for path in _files(folder):
        match = _MODEL_FILE.fullmatch(path.name)
        if match and match["version"] != current and _unused(path):
            removed += _remove(path, "model")
    return removed


def _unused_corpora(folder: Path, in_use: Path) -> list[Removed]:
    removed = []
    try:
        candidates = [p for p in folder.iterdir() if _CORPUS_CACHE_NAME.fullmatch(p.name)]
    except OSError:
        return removed
    for candidate in candidates:
        if _same(candidate, in_use) or not _only_an_index_store(candidate):
            continue
        stamp = candidate / STORE_FOLDER / LAST_USED
        current = candidate / STORE_FOLDER / "CURRENT"
        last = stamp if stamp.exists() else current if current.exists() else candidate
        if _unused(last):
            size = _tree_size(candidate)
            shutil.rmtree(candidate, ignore_errors=True)
            if not candidate.exists():
                removed.append(Removed(candidate, size, "corpus"))
    return removed


def _only_an_index_store(folder: Path) -> bool:
    # A folder the store made and nothing else: exactly its store folder, marked.
    try:
        entries = [p.name for p in folder.iterdir()]
    except OSError:
        return False
    store_folder = folder / STORE_FOLDER
    return (
        entries == [STORE_FOLDER]
        and not folder.is_symlink()
        and not store_folder.is_symlink()
        and (store_folder / store.STORE_MARKER).is_file()
    )


def _unused(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime > UNUSED_DAYS * 86_400
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return True  # when in doubt, it is the one in use


def _files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
    except OSError:
        return []


def _remove(path: Path, why: str) -> list[Removed]:
    try:
        size = path.stat().st_size
        path.unlink()
    except OSError:
        return []
    return [Removed(path, size, why)]


def _tree_size(path: Path) -> int:
    total = 0
    for root, _, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total
