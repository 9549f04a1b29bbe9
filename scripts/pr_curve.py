"""The answer-or-abstain trade-off of the shipped decision model on a question file.

    python scripts/pr_curve.py eval/test.jsonl [--embeddings use|none]

For each threshold of the fitted probability: the share of unanswerable questions abstained
(recall of "abstain") and of answerable ones withheld, and the precision of abstaining. A
report, never a tuning step: the threshold is chosen on tune by scripts/tune.py.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import tune  # scripts/ is on the path when run as a script: the same measurement as the fit

from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.evaluate import load_questions
from openai_deals.settings import BUNDLED_CORPUS_DIR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--embeddings", default="use", choices=("use", "e5", "none"))
    parser.add_argument("--corpus", type=Path, default=BUNDLED_CORPUS_DIR)
    args = parser.parse_args(argv)
    engine = load_engine(
        args.corpus, Path(tempfile.mkdtemp(prefix="pr-")), embeddings=args.embeddings
    )
    weights = engine.weights
    data = tune.measure(engine, load_questions(args.file))
    engine.weights = weights
    x, y = tune.decision_rows(engine, data, weights)
    p = np.array([engine.decision.probability(tuple(row)) for row in x])
    print(f"shipped threshold {engine.decision.threshold}")
    print("| threshold | unanswerable abstained | answerable withheld | precision of abstaining |")
    print("|---|---|---|---|")
    for t in np.arange(0.05, 0.96, 0.05):
        abstain = p < t
        recall = (abstain & (y == 0)).sum() / max((y == 0).sum(), 1)
        withheld = (abstain & (y == 1)).sum() / max(y.sum(), 1)
        precision = (abstain & (y == 0)).sum() / max(abstain.sum(), 1)
        print(f"| {t:.2f} | {recall:.2f} | {withheld:.2f} | {precision:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
