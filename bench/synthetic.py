"""Deterministic synthetic French-like corpora for the BM25 benchmark.

Sentences look like analysed text: 5 to 30 stemmed content tokens (stop words already
removed), drawn from a Zipf-Mandelbrot law ``p(r) ~ 1 / (r + 20) ** 1.05`` over 200,000
French-looking pseudo-words. The offset flattens the head as stop-word removal does: the most
frequent token is in about 10% of the sentences, not in most of them.
"""

from __future__ import annotations

import numpy as np

UNIVERSE = 200_000
ZIPF_EXPONENT = 1.05
ZIPF_OFFSET = 20.0

_ONSETS = (
    "", "b", "c", "ch", "d", "f", "g", "j", "l", "m", "n", "p", "qu", "r", "s", "t", "v",
    "br", "cl", "cr", "dr", "fl", "fr", "gr", "pl", "pr", "tr",
)  # fmt: skip
_NUCLEI = ("a", "e", "i", "o", "u", "é", "è", "ou", "ai", "au", "eau", "an", "en", "on", "in")
_CODAS = ("", "", "", "", "r", "s", "l", "n")
_ENDINGS = ("", "", "ment", "tion", "ance", "eur", "ique", "iste", "age", "ier", "ité", "ant")


def pseudo_words(n: int = UNIVERSE, seed: int = 1) -> list[str]:
    """``n`` distinct French-looking words (1 to 3 syllables plus a suffix), fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    words: dict[str, None] = {}
    while len(words) < n:
        batch = (n - len(words)) * 11 // 10 + 100  # duplicates are rare
        syllables = rng.choice([1, 2, 3], p=[0.15, 0.55, 0.3], size=batch)
        onsets = rng.integers(0, len(_ONSETS), size=(batch, 3))
        nuclei = rng.integers(0, len(_NUCLEI), size=(batch, 3))
        codas = rng.integers(0, len(_CODAS), size=(batch, 3))
        endings = rng.integers(0, len(_ENDINGS), size=batch)
        for i in range(batch):
            word = "".join(
                _ONSETS[onsets[i, j]] + _NUCLEI[nuclei[i, j]] + _CODAS[codas[i, j]]
                for j in range(syllables[i])
            )
            words[word + _ENDINGS[endings[i]]] = None
            if len(words) == n:
                break
    return list(words)


def zipf_probabilities(n: int = UNIVERSE) -> np.ndarray:
    """Zipf-Mandelbrot probabilities of the ``n`` ranks."""
    p = 1.0 / (np.arange(1, n + 1) + ZIPF_OFFSET) ** ZIPF_EXPONENT
    return p / p.sum()


def corpus(n_sentences: int, seed: int = 2, chunk: int = 100_000) -> list[list[str]]:
    """``n_sentences`` token lists of 5 to 30 tokens, deterministic for a given ``seed``.

    Generated ``chunk`` sentences at a time so the temporary arrays stay small and the peak
    memory of a benchmark process is the index's, not the generator's.
    """
    words = np.array(pseudo_words(), dtype=object)
    p = zipf_probabilities()
    rng = np.random.default_rng(seed)
    sentences: list[list[str]] = []
    for start in range(0, n_sentences, chunk):
        lengths = rng.integers(5, 31, size=min(chunk, n_sentences - start))
        flat = words[rng.choice(len(words), size=int(lengths.sum()), p=p)].tolist()
        ends = np.cumsum(lengths).tolist()
        sentences.extend(flat[s:e] for s, e in zip([0, *ends[:-1]], ends, strict=True))
    return sentences


def queries(n_queries: int, seed: int = 3) -> list[list[str]]:
    """``n_queries`` queries of 2 to 6 tokens from the same distribution as the sentences."""
    words = np.array(pseudo_words(), dtype=object)
    rng = np.random.default_rng(seed)
    p = zipf_probabilities()
    return [
        words[rng.choice(len(words), size=int(rng.integers(2, 7)), p=p)].tolist()
        for _ in range(n_queries)
    ]
