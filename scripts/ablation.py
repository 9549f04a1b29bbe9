"""What each retrieval mechanism brings: the eval metrics with one switched off, side by side.

    python scripts/ablation.py eval/tune.jsonl eval/test.jsonl ../shared/eval/dev.jsonl \
        [--corpus DIR]

Each row is one engine over the same index; each cell hit@1 / hit@3 / unanswerable abstained
/ answerable abstained. Read it for the test column; the weights were chosen on tune.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from openai_deals.retrieval.answering.decide import FEATURES, DecisionModel
from openai_deals.retrieval.answering.engine import Engine, load_engine
from openai_deals.retrieval.answering.rerank import SEMANTIC_WEIGHTS
from openai_deals.retrieval.evaluate import evaluate, load_questions
from openai_deals.settings import BUNDLED_CORPUS_DIR

NEVER_ABSTAIN = DecisionModel(coef=(0.0,) * len(FEATURES), bias=1.0, threshold=0.0)


def variants(index_dir: Path, corpus: Path) -> dict[str, Engine]:
    use = load_engine(corpus, index_dir, embeddings="use")
    lexical = load_engine(corpus, index_dir, embeddings="none")

    def swap(engine: Engine, **weights) -> Engine:
        return Engine(
            engine.index,
            embedder=engine.embedder,
            vectors=engine._vectors,
            weights=dataclasses.replace(engine.weights, **weights),
        )

    return {
        "USE + BM25 (default)": use,
        "e5 + BM25 (same weights)": Engine(
            use.index,
            embedder=(e5 := load_engine(corpus, index_dir, embeddings="e5")).embedder,
            vectors=e5._vectors,
            weights=SEMANTIC_WEIGHTS,
        ),
        "BM25 alone (EMBEDDINGS=none)": lexical,
        "USE, no date boost": swap(use, date=0.0),
        "USE, no answer-type bonus": swap(use, answer_type=0.0),
        "USE, no proximity": swap(use, proximity=0.0),
        "USE, never abstain": Engine(
            use.index, embedder=use.embedder, vectors=use._vectors, decision=NEVER_ABSTAIN
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--corpus", type=Path, default=BUNDLED_CORPUS_DIR)
    args = parser.parse_args(argv)
    sets = {path.name: load_questions(path) for path in args.files}
    print("| variant | " + " | ".join(sets) + " |")
    print("|---|" + "---|" * len(sets))
    with tempfile.TemporaryDirectory() as tmp:
        for label, engine in variants(Path(tmp), args.corpus).items():
            cells = []
            for items in sets.values():
                r = evaluate(engine, items)
                cells.append(
                    f"{r.hit_at_1:.2f} / {r.hit_at_3:.2f} / {r.abstention_rate:.2f} / "
                    f"{r.false_abstention_rate:.2f}"
                )
            print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
