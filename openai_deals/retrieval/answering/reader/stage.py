"""The reading stage: the reader scores the best-ranked candidates, and its probability
orders them and decides among three outcomes.

- answered: the best sentence answers (probability at least ``answer``);
- related: the articles talk about it (the first stages' decision would answer, or the reader
  gives at least ``related``) but no sentence says it;
- not found: neither.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from openai_deals.retrieval.answering.reader.inputs import passage_text
from openai_deals.retrieval.answering.reader.runtime import Reader
from openai_deals.retrieval.answering.rerank import Candidate
from openai_deals.retrieval.indexing.index import Index


@dataclass(frozen=True)
class ReaderPolicy:
    """How the reader's probabilities are used; chosen on the tune split
    (``scripts/tune_reader.py``), never on test."""

    candidates: int = 12  # best-ranked sentences read
    answer: float = 0.5  # the best sentence's probability to answer with it
    related: float = 0.1  # below ``answer``, the probability that still shows "related"
    follower: float = 0.2  # other sentences shown beside an answer need this probability
    prior: float = 0.0  # weight of the first stages' order: logit + prior * score / best


# Chosen on eval/tune.jsonl and eval/tune-2.jsonl by scripts/tune_reader.py for the shipped
# reader; do not edit by hand.
READER_POLICY = ReaderPolicy()


@dataclass(frozen=True)
class Reading:
    """The read candidates, best first, with their probabilities (same order)."""

    candidates: list[Candidate]
    probabilities: list[float]

    @property
    def best(self) -> float:
        return self.probabilities[0] if self.probabilities else 0.0


def read(
    reader: Reader, index: Index, question: str, ranked: list[Candidate], policy: ReaderPolicy
) -> Reading:
    """Score the first ``policy.candidates`` of ``ranked`` with the reader and reorder them."""
    head = ranked[: policy.candidates]
    return reorder(head, reader.logits(question, passages(index, head)), policy)


def passages(index: Index, candidates: list[Candidate]) -> list[str]:
    """What the reader reads of each candidate (see :func:`.inputs.passage_text`)."""
    out = []
    for c in candidates:
        article = index.article(c.index)
        out.append(passage_text(index.text(c.index), article.title, article.date))
    return out


def reorder(head: list[Candidate], logits: np.ndarray, policy: ReaderPolicy) -> Reading:
    """``head`` ordered by the reader's logit plus ``policy.prior`` times the first stages'
    score relative to the best; each candidate's score becomes its probability, so that later
    stages (followers, duplicates, the snippet's score) see it."""
    if not head:
        return Reading([], [])
    top = max(head[0].score, 1e-9)
    key = logits + policy.prior * np.array([c.score / top for c in head])
    order = np.argsort(-key, kind="stable")
    probs = 1.0 / (1.0 + np.exp(-logits))
    return Reading(
        [replace(head[i], score=float(probs[i])) for i in order],
        [float(probs[i]) for i in order],
    )
