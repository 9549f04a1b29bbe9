"""The abstention decision: answer, or say "je ne sais pas", in one calibrated step.

The evidence of the best-ranked sentence (lexical and semantic) goes through a logistic model
fitted on the tune split (``scripts/tune.py``): the probability that the articles answer the
question. Below the threshold, the engine abstains. One model serves with embeddings, one
without (the lexical fallback), each with its own coefficients.

Every feature is a share or a cosine, not a raw BM25 score, so the decision does not drift
when the corpus grows: a larger corpus changes idf, not what "covers the question" means.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openai_deals.retrieval.answering.query import Query
from openai_deals.retrieval.answering.rerank import Candidate

FEATURES = (
    "coverage",  # share of the question's idf in the sentence, its context or date
    "about_coverage",  # the same share of the question's other words (not names, not dates)
    "own_coverage",  # the share in the sentence alone
    "names_ok",  # the article mentions every name of the question
    "names_near",  # share of the question's names in the sentence or its neighbours
    "key_covered",  # the question's rarest other word is in the sentence or its neighbours
    "unknown_names",  # share of the question's idf in names the corpus has never seen
    "unknown_words",  # share in other words the corpus has never seen
    "cosine",  # question · sentence
    "best_cosine",  # question · the nearest candidate sentence
    "margin",  # cosine minus the cosine of the question's names alone
    "no_amount",  # a "combien" question, and no amount in the sentence nor its neighbours
)


@dataclass(frozen=True)
class DecisionModel:
    """Logistic coefficients over :data:`FEATURES` and the probability to answer from."""

    coef: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, x: tuple[float, ...]) -> float:
        z = self.bias + sum(c * v for c, v in zip(self.coef, x, strict=True))
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


# Fitted on eval/tune.jsonl by scripts/tune.py (see docs/retrieval.md); do not edit by hand. Each
# feature may only push one way (scripts/tune.py SIGNS); those at 0 added nothing on tune.
# Thresholds: the point of the tune precision/recall table (out-of-fold probabilities) where
# a withheld right answer costs as much as three unanswerable questions answered.
SEMANTIC = DecisionModel(
    coef=(0.001, 0.643, 0.0, 1.866, 0.914, 0.476, 0.0, 0.0, 3.533, 0.0, 2.133, -4.863),
    bias=-4.037,
    threshold=0.25,
)
LEXICAL = DecisionModel(
    coef=(0.365, 1.487, 0.075, 0.0, 2.669, 0.291, -1.395, 0.0, 0.0, 0.0, 0.0, -5.177),
    bias=-3.134,
    threshold=0.3,
)


def features(
    q: Query, best: Candidate, names_cosine: float, best_cosine: float
) -> tuple[float, ...]:
    """The decision's inputs for the best-ranked candidate. ``names_cosine``: the cosine
    between it and the question's names alone; ``best_cosine``: the highest cosine among
    the candidates (both 0 without embeddings)."""
    total = q.total_weight
    own = sum(w for t, w in q.weights.items() if t in best.terms) / total
    unknown_names = sum(q.weights[t] for t in q.unknown if t in q.names) / total
    unknown_words = sum(q.weights[t] for t in q.unknown if t not in q.names) / total
    return (
        best.coverage,
        best.about_coverage,
        own,
        float(best.names_ok),
        best.names_near,
        float(best.key_covered),
        unknown_names,
        unknown_words,
        best.cosine,
        best_cosine,
        # Without names there is nothing to subtract: the cosine already says it all.
        best.cosine - names_cosine if q.names else 0.0,
        # Only amounts: a "quand" question is often answered by the article's own date.
        float(q.kind == "number" and not best.typed_near),
    )


@dataclass(frozen=True)
class Decision:
    answer: bool
    probability: float
    features: tuple[float, ...]
