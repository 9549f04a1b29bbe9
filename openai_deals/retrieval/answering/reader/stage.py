"""The reading stage: the reader scores the best-ranked candidates, and its probability
orders them and decides among three outcomes.

- answered: the best sentence answers (confidence at least ``answer``);
- related: the articles talk about it (confidence at least ``related``) but no sentence
  says it;
- not found: neither.

The confidence is the reader's probability for the best sentence, its logit moved by the
first stages' decision (``decision`` weight; 0 leaves the reader alone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from openai_deals.retrieval.answering.reader.inputs import passage_text
from openai_deals.retrieval.answering.reader.runtime import Reader
from openai_deals.retrieval.answering.rerank import Candidate
from openai_deals.retrieval.indexing.index import Index
from openai_deals.retrieval.model import Status


@dataclass(frozen=True)
class ReaderPolicy:
    """How the reader's probabilities are used; chosen on the tune split
    (``scripts/tune_reader.py``), never on test, and stored beside the weights it was chosen
    for (``reader.json``), so thresholds never outlive their reader."""

    candidates: int = 12  # best-ranked sentences read
    answer: float = 0.5  # the confidence to answer with the best sentence
    related: float = 0.1  # below ``answer``, the confidence that still shows "related"
    follower: float = 0.2  # other sentences shown beside an answer need this probability
    prior: float = 0.0  # weight of the first stages' order: logit + prior * score / best
    decision: float = 0.0  # weight of the first stages' decision logit in the confidence

    def confidence(self, reader_probability: float, decision_probability: float) -> float:
        """The probability that the best sentence answers, all evidence together."""
        z = _logit(reader_probability) + self.decision * _logit(decision_probability)
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def from_dict(cls, data: dict) -> ReaderPolicy:
        """The policy in ``reader.json``; unknown keys are refused (a newer format)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown reader policy keys: {sorted(unknown)}")
        return cls(**data)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


# For a reader whose folder carries no policy of its own.
READER_POLICY = ReaderPolicy()


def policy_of(reader: Reader | None) -> ReaderPolicy:
    """The policy chosen for ``reader`` (in its ``reader.json``), else the default."""
    if reader is None or not reader.info.get("policy"):
        return READER_POLICY
    return ReaderPolicy.from_dict(reader.info["policy"])


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


def outcome(
    reading: Reading, decision_probability: float, policy: ReaderPolicy
) -> tuple[Status, float, list[Candidate]]:
    """Answered, related or not found; the confidence; the candidates to show, best first
    (beside an answer, only those the reader gives at least ``policy.follower``)."""
    if not reading.candidates:
        return Status.NOT_FOUND, 0.0, []
    confidence = policy.confidence(reading.best, decision_probability)
    if confidence >= policy.answer:
        shown = [reading.candidates[0]] + [
            c
            for c, p in zip(reading.candidates[1:], reading.probabilities[1:], strict=True)
            if p >= policy.follower
        ]
        return Status.ANSWERED, confidence, shown
    if confidence >= policy.related:
        return Status.RELATED, confidence, reading.candidates
    return Status.NOT_FOUND, confidence, []
