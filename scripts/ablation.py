"""Measure what each retrieval mechanism brings: the eval metrics with one switched off.

python scripts/ablation.py ../shared/eval/dev.jsonl eval/paraphrases.jsonl
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai_deals.retrieval.engine import Engine, load_engine
from openai_deals.retrieval.evaluate import evaluate, load_questions
from openai_deals.retrieval.index import Params

CORPUS = Path(__file__).resolve().parent.parent / "openai_deals" / "corpus"

VARIANTS = {
    "all mechanisms": {},
    "no context field": {"context_weight": 0.0},
    "no proximity bonus": {"proximity_weight": 0.0},
    "no answer-type bonus": {"answer_type_bonus": 0.0},
    "no lede prior": {"lead_bonus": 0.0},
    "rank-bm25 defaults (k1 1.5, b .75, eps .25)": {"k1": 1.5, "b": 0.75, "epsilon": 0.25},
}


def main(files: list[str]) -> None:
    sets = {Path(f).name: load_questions(Path(f)) for f in files}
    print(f"{'variant':46} " + " ".join(f"{name[:18]:>34}" for name in sets))
    print(f"{'':46} " + " ".join(f"{'hit@1  hit@3  MRR   abst  false':>34}" for _ in sets))
    with tempfile.TemporaryDirectory() as tmp:
        for label, change in VARIANTS.items():
            params = dataclasses.replace(Params(), **change)
            engine: Engine = load_engine(CORPUS, Path(tmp) / label.replace(" ", "_"), params)
            cells = []
            for items in sets.values():
                r = evaluate(engine, items)
                cells.append(
                    f"{r.hit_at_1:5.2f}  {r.hit_at_3:5.2f}  {r.mrr_at_5:4.2f}  "
                    f"{r.abstention_rate:4.2f}  {r.false_abstention_rate:4.2f}"
                )
            print(f"{label:46} " + " ".join(f"{c:>34}" for c in cells))


if __name__ == "__main__":
    main(sys.argv[1:])
