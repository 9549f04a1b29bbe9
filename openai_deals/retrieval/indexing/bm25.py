"""Okapi BM25 over token lists, precomputed into a sparse term-major matrix.

The scores are, by definition, those of ``rank_bm25.BM25Okapi`` (rank-bm25 0.2.2), the variant
Trotman, Puurula and Burgess call "BM25" after Robertson and Walker (1994) in *Improvements to
BM25 and Language Models Examined* (ADCS 2014)::

    score(q, d) = sum over query tokens t (a repeated token counts again) of
                  idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl))

    idf(t) = log(N - df(t) + 0.5) - log(df(t) + 0.5)       for a term present in the corpus,
             replaced by epsilon * average_idf when negative (df > N / 2), where average_idf
             is the mean of the unreplaced idfs over the distinct terms of the corpus;
    idf(t) = 0 for a term absent from the corpus (it adds nothing).

``|d|`` is the number of tokens of ``d`` and ``avgdl`` their mean over the corpus, empty
documents included. rank-bm25 evaluates this with a Python loop over every document for every
query token; here every ``idf * tf-part`` weight is computed once at build time, so a query only
sums the few matrix rows of its terms (the "eager" scoring of bm25s, Lù 2024).

Deliberate differences from rank-bm25, all for inputs it mishandles:

* bad input raises ``ValueError`` / ``TypeError`` instead of failing an ``assert`` or dividing
  by zero (an empty corpus);
* where rank-bm25 computes ``0 / 0`` (``k1 = 0``, or ``b = 1`` with an empty document) for a
  document that lacks the term, it returns NaN; a missing term contributes 0 here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
from scipy import sparse

__all__ = ["ARRAYS_LAYOUT", "SparseBM25", "TopK"]

#: Version of the layout written by :meth:`SparseBM25.to_arrays`; bump when it changes.
ARRAYS_LAYOUT = 1

_TERM_SEPARATOR = "\0"
_ARRAY_NAMES = frozenset(
    {"terms_utf8", "indptr", "doc_ids", "weights", "doc_freqs", "idf", "params", "counts"}
)


class TopK(NamedTuple):
    """The best documents for a query, best first: indices into the corpus and their scores."""

    indices: np.ndarray  # int64
    scores: np.ndarray  # float64


class SparseBM25:
    """A BM25Okapi index whose scores are precomputed per (term, document).

    Build it with :meth:`build` or load it with :meth:`from_arrays`; it is immutable afterwards
    and safe to query from several threads. Rows of the weight matrix are terms (CSR: ``indptr``
    by term id, ``doc_ids`` and float64 ``weights`` of the documents that contain the term).
    Zero weights (terms whose idf is 0, e.g. floored with ``epsilon = 0``) are not stored.
    """

    __slots__ = (
        "_average_idf",
        "_avgdl",
        "_b",
        "_doc_freqs",
        "_doc_ids",
        "_epsilon",
        "_idf",
        "_indptr",
        "_k1",
        "_n_docs",
        "_terms",
        "_vocabulary",
        "_weights",
    )

    def __init__(
        self,
        *,
        terms: list[str],
        indptr: np.ndarray,
        doc_ids: np.ndarray,
        weights: np.ndarray,
        doc_freqs: np.ndarray,
        idf: np.ndarray,
        n_docs: int,
        k1: float,
        b: float,
        epsilon: float,
        avgdl: float,
        average_idf: float,
    ) -> None:
        # Private: use build() or from_arrays(), which check their input.
        self._terms = terms
        self._vocabulary = MappingProxyType(dict(zip(terms, range(len(terms)), strict=True)))
        self._indptr = indptr
        self._doc_ids = doc_ids
        self._weights = weights
        self._doc_freqs = doc_freqs
        self._idf = idf
        self._n_docs = n_docs
        self._k1 = k1
        self._b = b
        self._epsilon = epsilon
        self._avgdl = avgdl
        self._average_idf = average_idf

    # ------------------------------------------------------------------ construction

    @classmethod
    def build(
        cls,
        corpus: Sequence[Sequence[str]],
        *,
        k1: float,
        b: float,
        epsilon: float,
        vocabulary: Mapping[str, int] | None = None,
    ) -> SparseBM25:
        """Index ``corpus`` (one list of tokens per document) with BM25Okapi scoring.

        Args:
            corpus: the documents, each a sequence of tokens; empty documents are allowed
                (they count towards the average length and never match).
            k1: term-frequency saturation, ``k1 >= 0`` (rank-bm25's default is 1.5).
            b: length normalisation, ``0 <= b <= 1`` (rank-bm25's default is 0.75).
            epsilon: negative idfs are replaced by ``epsilon * average_idf`` (rank-bm25's
                default is 0.25; 0 makes terms in more than half of the documents count 0).
            vocabulary: optional term -> id mapping (ids exactly ``0 .. len - 1``) fixing the
                row of every term, e.g. to share ids between two fields; every corpus token
                must be in it. Terms of the vocabulary absent from the corpus get df 0 and
                idf 0, and do not enter ``average_idf`` (as in rank-bm25). By default the
                vocabulary is the corpus's terms in order of first appearance.

        Returns:
            The index.

        Raises:
            ValueError: empty corpus, parameter out of range, vocabulary not ``0 .. len - 1``
                or missing a corpus token, more than 2**31 - 1 documents.
            TypeError: the corpus, a document or a token has the wrong type (for instance a
                document given as a plain string, which would be split into characters).
        """
        k1, b, epsilon = _check_parameters(k1, b, epsilon)
        if isinstance(corpus, (str, bytes)) or not isinstance(corpus, Sequence):
            raise TypeError(
                f"corpus must be a sequence of token lists, got {type(corpus).__name__}"
            )
        n_docs = len(corpus)
        if n_docs == 0:
            raise ValueError("cannot build a BM25 index over an empty corpus: give it documents")
        if n_docs > np.iinfo(np.int32).max:
            raise ValueError(f"too many documents for int32 document ids: {n_docs}")
        for i, doc in enumerate(corpus):
            if isinstance(doc, (str, bytes)) or not isinstance(doc, Sequence):
                raise TypeError(
                    f"document {i} must be a sequence of tokens (str), got {type(doc).__name__}"
                )

        lengths = np.fromiter(map(len, corpus), dtype=np.int64, count=n_docs)
        n_tokens = int(lengths.sum())
        flat = list(itertools.chain.from_iterable(corpus))

        if vocabulary is None:
            terms = list(dict.fromkeys(flat))
            _check_terms(terms)
            term_index: Mapping[str, int] = dict(zip(terms, range(len(terms)), strict=True))
        else:
            terms = _terms_of_vocabulary(vocabulary)
            term_index = vocabulary
        n_terms = len(terms)

        if n_tokens > np.iinfo(np.int32).max:
            raise ValueError(f"too many tokens for int32 offsets: {n_tokens}")
        try:
            token_ids = np.fromiter(
                map(term_index.__getitem__, flat), dtype=np.int32, count=n_tokens
            )
        except KeyError as exc:
            raise ValueError(
                f"corpus token {exc.args[0]!r} is not in the vocabulary passed to build(); "
                "add it to the vocabulary or pass vocabulary=None"
            ) from None
        except TypeError:
            _check_terms(dict.fromkeys(flat))  # names the unhashable or non-str token
            raise
        del flat

        # Document-major term counts straight from the token stream (rows are already in
        # document order), merged per document, then transposed to term-major: all linear.
        # int32 throughout so scipy does not copy, and the peak memory stays low.
        doc_major = sparse.csr_matrix(
            (
                np.ones(n_tokens, dtype=np.int32),
                token_ids,
                np.concatenate(([0], np.cumsum(lengths))).astype(np.int32),
            ),
            shape=(n_docs, n_terms),
        )
        del token_ids
        doc_major.sum_duplicates()
        term_major = doc_major.tocsc()
        del doc_major
        term_major.sort_indices()
        indptr = term_major.indptr.astype(np.int64)
        doc_ids = term_major.indices.astype(np.int32, copy=False)
        tf_counts = term_major.data
        del term_major

        doc_freqs = np.diff(indptr)
        present = doc_freqs > 0
        raw_idf = np.zeros(n_terms, dtype=np.float64)
        df_present = doc_freqs[present].astype(np.float64)
        raw_idf[present] = np.log(n_docs - df_present + 0.5) - np.log(df_present + 0.5)
        n_present = int(present.sum())
        # rank-bm25 divides by the number of distinct terms (ZeroDivisionError when there are
        # none; then nothing can match and the value is irrelevant).
        average_idf = float(raw_idf[present].sum()) / n_present if n_present else 0.0
        idf = np.where(raw_idf < 0, epsilon * average_idf, raw_idf)

        avgdl = n_tokens / n_docs  # exact true division of Python ints, as in rank-bm25
        if n_tokens:
            # rank-bm25's get_scores computes, per term:
            #     idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
            # The same operations on the same values (so the same roundings), done in place.
            norm = k1 * (1 - b + b * lengths / avgdl)
            denominator = norm[doc_ids]
            del norm
            weights = tf_counts.astype(np.float64)
            del tf_counts
            denominator += weights
            weights *= k1 + 1
            weights /= denominator
            del denominator
            weights *= np.repeat(idf, doc_freqs)
            nonzero = weights != 0
            if not nonzero.all():
                term_of_entry = np.repeat(np.arange(n_terms, dtype=np.int32), doc_freqs)
                kept_per_term = np.bincount(term_of_entry[nonzero], minlength=n_terms)
                del term_of_entry
                indptr = np.concatenate(([0], np.cumsum(kept_per_term))).astype(np.int64)
                weights = weights[nonzero]
                doc_ids = doc_ids[nonzero]
            del nonzero
        else:
            weights = np.zeros(0, dtype=np.float64)

        return cls(
            terms=terms,
            indptr=indptr,
            doc_ids=doc_ids,
            weights=weights,
            doc_freqs=doc_freqs,
            idf=idf,
            n_docs=n_docs,
            k1=k1,
            b=b,
            epsilon=epsilon,
            avgdl=avgdl,
            average_idf=average_idf,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Return the index as plain numeric arrays (no pickle), for
        :mod:`retrieval.indexing.store`.

        The vocabulary is the UTF-8 of the terms joined by NUL, in id order.
        """
        terms_bytes = _TERM_SEPARATOR.join(self._terms).encode("utf-8")
        return {
            "terms_utf8": np.frombuffer(terms_bytes, dtype=np.uint8).copy(),
            "indptr": self._indptr,
            "doc_ids": self._doc_ids,
            "weights": self._weights,
            "doc_freqs": self._doc_freqs,
            "idf": self._idf,
            "params": np.array(
                [self._k1, self._b, self._epsilon, self._avgdl, self._average_idf],
                dtype=np.float64,
            ),
            "counts": np.array([ARRAYS_LAYOUT, self._n_docs, len(self._terms)], dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> SparseBM25:
        """Rebuild an index from :meth:`to_arrays` output; arrays may be read-only memory maps.

        The large arrays are used in place (not copied). Their structure is checked, so a
        damaged set raises instead of answering wrongly.

        Raises:
            ValueError: an array is missing, has the wrong type or shape, or was written by
                another layout version (rebuild the index then).
        """
        missing = _ARRAY_NAMES - set(arrays)
        if missing:
            raise ValueError(f"BM25 arrays lack {sorted(missing)}; rebuild the index")
        a = {name: np.asarray(arrays[name]) for name in _ARRAY_NAMES}
        expected = {
            "terms_utf8": (np.uint8, 1),
            "indptr": (np.int64, 1),
            "doc_ids": (np.int32, 1),
            "weights": (np.float64, 1),
            "doc_freqs": (np.int64, 1),
            "idf": (np.float64, 1),
            "params": (np.float64, 1),
            "counts": (np.int64, 1),
        }
        for name, (dtype, ndim) in expected.items():
            if a[name].dtype != dtype or a[name].ndim != ndim:
                raise ValueError(
                    f"BM25 array {name!r} is {a[name].dtype}[{a[name].ndim}d], expected "
                    f"{np.dtype(dtype)}[{ndim}d]; rebuild the index"
                )
        if a["counts"].shape != (3,) or a["params"].shape != (5,):
            raise ValueError("BM25 arrays 'counts'/'params' have the wrong length; rebuild")
        layout, n_docs, n_terms = (int(x) for x in a["counts"])
        if layout != ARRAYS_LAYOUT:
            raise ValueError(
                f"BM25 arrays have layout {layout}, this code reads {ARRAYS_LAYOUT}; rebuild"
            )
        k1, b, epsilon, avgdl, average_idf = (float(x) for x in a["params"])
        indptr, doc_ids, weights = a["indptr"], a["doc_ids"], a["weights"]
        nnz = len(weights)
        if (
            n_docs <= 0
            or indptr.shape != (n_terms + 1,)
            or a["doc_freqs"].shape != (n_terms,)
            or a["idf"].shape != (n_terms,)
            or doc_ids.shape != (nnz,)
            or indptr[0] != 0
            or indptr[-1] != nnz
            or (n_terms and np.any(np.diff(indptr) < 0))
            or (nnz and (doc_ids.min() < 0 or doc_ids.max() >= n_docs))
        ):
            raise ValueError("BM25 arrays are inconsistent with each other; rebuild the index")
        text = a["terms_utf8"].tobytes().decode("utf-8")
        terms = text.split(_TERM_SEPARATOR) if n_terms else []
        if len(terms) != n_terms or len(set(terms)) != n_terms:
            raise ValueError("BM25 vocabulary does not match its term count; rebuild the index")
        return cls(
            terms=terms,
            indptr=indptr,
            doc_ids=doc_ids,
            weights=weights,
            doc_freqs=a["doc_freqs"],
            idf=a["idf"],
            n_docs=n_docs,
            k1=k1,
            b=b,
            epsilon=epsilon,
            avgdl=avgdl,
            average_idf=average_idf,
        )

    # ------------------------------------------------------------------ queries

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """Score every document for ``query_tokens``, as ``BM25Okapi.get_scores`` does.

        A repeated token counts once per occurrence; unknown tokens add nothing, so an empty
        or all-unknown query scores all documents 0.

        Returns:
            float64 array of length :attr:`n_docs`.

        Raises:
            TypeError: ``query_tokens`` is a string or holds a non-string.
        """
        scores = np.zeros(self._n_docs, dtype=np.float64)
        self.add_scores(query_tokens, scores)
        return scores

    def add_scores(self, query_tokens: Sequence[str], out: np.ndarray, scale: float = 1.0) -> None:
        """Add ``scale`` × the scores of ``query_tokens`` to ``out`` (of length
        :attr:`n_docs`): two fields summed in one array, not two arrays of a million
        documents each and a third for their sum.

        Raises:
            TypeError: as :meth:`scores`.
        """
        for term_id, count in self._query_terms(query_tokens):
            start, end = self._indptr[term_id], self._indptr[term_id + 1]
            weights = self._weights[start:end]
            factor = count * scale
            # Within one row a document appears once, so plain fancy-index addition is exact.
            out[self._doc_ids[start:end]] += weights if factor == 1 else weights * factor

    def top_k(self, query_tokens: Sequence[str], k: int) -> TopK:
        """Return the ``k`` best documents among those with a nonzero score, best first.

        Ties are broken by ascending document index, so the result is deterministic. Fewer
        than ``k`` come back when fewer documents match; none for an empty query.

        Raises:
            TypeError: as :meth:`scores`, or ``k`` is not an integer.
            ValueError: ``k`` is negative.
        """
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise TypeError(f"k must be an integer, got {type(k).__name__}")
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        scores = self.scores(query_tokens)
        candidates = np.flatnonzero(scores)
        if k == 0 or candidates.size == 0:
            return TopK(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
        cand_scores = scores[candidates]
        if candidates.size > k:
            # The k-th best score, then everything above it plus the lowest-index ties.
            threshold = -np.partition(-cand_scores, k - 1)[k - 1]
            above = cand_scores > threshold
            tied = np.flatnonzero(cand_scores == threshold)[: k - int(above.sum())]
            keep = np.concatenate((np.flatnonzero(above), tied))
            candidates, cand_scores = candidates[keep], cand_scores[keep]
        order = np.lexsort((candidates, -cand_scores))
        return TopK(candidates[order].astype(np.int64, copy=False), cand_scores[order])

    def _query_terms(self, query_tokens: Sequence[str]) -> list[tuple[int, int]]:
        # (term id, occurrences) of the known query tokens, in order of first appearance.
        if isinstance(query_tokens, (str, bytes)):
            raise TypeError(
                "query_tokens must be a sequence of tokens, not a single string; "
                "analyse the question into tokens first"
            )
        counts: dict[int, int] = {}
        for token in query_tokens:
            if not isinstance(token, str):
                raise TypeError(f"query tokens must be str, got {type(token).__name__}")
            term_id = self._vocabulary.get(token)
            if term_id is not None:
                counts[term_id] = counts.get(term_id, 0) + 1
        return list(counts.items())

    # ------------------------------------------------------------------ accessors

    def idf(self, term: str) -> float:
        """The idf used in scoring (after the epsilon floor); 0.0 for a term not in the corpus."""
        term_id = self._vocabulary.get(term)
        return 0.0 if term_id is None else float(self._idf[term_id])

    def doc_freq(self, term: str) -> int:
        """How many documents contain ``term`` (0 when unknown)."""
        term_id = self._vocabulary.get(term)
        return 0 if term_id is None else int(self._doc_freqs[term_id])

    @property
    def n_docs(self) -> int:
        """Number of documents indexed (empty ones included)."""
        return self._n_docs

    @property
    def vocabulary(self) -> Mapping[str, int]:
        """Read-only term -> term id mapping."""
        return self._vocabulary

    @property
    def avgdl(self) -> float:
        """Mean document length in tokens."""
        return self._avgdl

    @property
    def average_idf(self) -> float:
        """Mean unfloored idf over the corpus's distinct terms (the base of the epsilon floor)."""
        return self._average_idf

    @property
    def parameters(self) -> dict[str, float]:
        """``{"k1": ..., "b": ..., "epsilon": ...}`` as built."""
        return {"k1": self._k1, "b": self._b, "epsilon": self._epsilon}

    def __repr__(self) -> str:
        return (
            f"SparseBM25(n_docs={self._n_docs}, n_terms={len(self._terms)}, "
            f"nnz={len(self._weights)}, k1={self._k1}, b={self._b}, epsilon={self._epsilon})"
        )


def _check_parameters(k1: float, b: float, epsilon: float) -> tuple[float, float, float]:
    values = {}
    for name, value in (("k1", k1), ("b", b), ("epsilon", epsilon)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value}")
        values[name] = float(value)
    if values["k1"] < 0:
        raise ValueError(f"k1 must be >= 0 (typically 1.2 to 2.0), got {k1}")
    if not 0 <= values["b"] <= 1:
        raise ValueError(f"b must be between 0 and 1 (typically 0.75), got {b}")
    return values["k1"], values["b"], values["epsilon"]


def _check_terms(terms) -> None:
    for term in terms:
        if not isinstance(term, str):
            raise TypeError(f"tokens must be str, got {type(term).__name__}: {term!r}")
        if _TERM_SEPARATOR in term:
            raise ValueError(f"token {term!r} contains a NUL character; strip it in the analyzer")


def _terms_of_vocabulary(vocabulary: Mapping[str, int]) -> list[str]:
    if not isinstance(vocabulary, Mapping):
        raise TypeError(f"vocabulary must be a mapping, got {type(vocabulary).__name__}")
    _check_terms(vocabulary)
    terms: list[str | None] = [None] * len(vocabulary)
    for term, term_id in vocabulary.items():
        if (
            isinstance(term_id, bool)
            or not isinstance(term_id, (int, np.integer))
            or not 0 <= term_id < len(terms)
            or terms[term_id] is not None
        ):
            raise ValueError(
                f"vocabulary ids must be exactly 0 .. {len(terms) - 1}, each once; "
                f"{term!r} has id {term_id!r}"
            )
        terms[term_id] = term
    return terms  # type: ignore[return-value]  # every slot was filled, checked above
