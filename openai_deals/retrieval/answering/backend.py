"""The first stage: a cheap lexical search that hands its best sentences to the reranker.

:class:`Backend` is the small interface the engine needs from a search index, so that a
search server (OpenSearch or Elasticsearch with the ``french`` analyzer) could stand in for
the in-process BM25 of :class:`SparseBackend` without touching the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from openai_deals.retrieval.indexing.index import Index, Params


class Backend(Protocol):
    """What the engine asks of a first-stage index."""

    @property
    def n_docs(self) -> int: ...

    def doc_freq(self, term: str) -> int: ...

    def candidates(self, query: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        """The (at most) ``n`` best sentence numbers for ``query`` and their scores,
        best first; only sentences with a positive score."""
        ...


class SparseBackend:
    """Exact BM25Okapi (rank-bm25's formula) over two fields of every sentence: the sentence
    itself, and its context (neighbours, the interviewer's question, the article title)
    weighted ``context_weight``: the context helps a sentence that says "il" or "cet accord"
    be found, but the sentence itself must carry the answer."""

    def __init__(self, index: Index, params: Params) -> None:
        self.index = index
        self.context_weight = params.context_weight
        # Headings (the interviewer's questions) are context, never an answer.
        self._headings = np.flatnonzero(index.heading)

    @property
    def n_docs(self) -> int:
        return self.index.sentence_field.n_docs

    def doc_freq(self, term: str) -> int:
        return self.index.sentence_field.doc_freq(term) or self.index.context_field.doc_freq(term)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Combined sentence + weighted context BM25 score of every sentence."""
        scores = self.index.sentence_field.scores(query)
        self.index.context_field.add_scores(query, scores, self.context_weight)
        scores[self._headings] = 0.0
        return scores

    def candidates(self, query: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.scores(query)
        found = np.flatnonzero(scores > 0)
        if found.size > n:
            found = found[np.argpartition(-scores[found], n)[:n]]
        found = found[np.argsort(-scores[found], kind="stable")]
        return found, scores[found]
