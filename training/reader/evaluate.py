"""Measure a shipped reader (the int8 ONNX folder) on the training data's own dev and test
splits, beside the first stages' order on the same candidates.

    python training/reader/evaluate.py openai_deals/retrieval/answering/reader/weights

For each split: pair AUC; top-1 among the candidates of answerable questions that have a
positive (the reader's order, and the first stages' rank order); the AUC of the best
candidate's score between answerable and unanswerable questions (can it abstain?).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parents[1]

from train import auc, load_pairs, split_of  # noqa: E402

from openai_deals.retrieval.answering.reader.inputs import passage_text  # noqa: E402
from openai_deals.retrieval.answering.reader.runtime import Reader  # noqa: E402


def measure(reader: Reader, items: list[dict]) -> dict:
    pos, neg, best_ans, best_unans, top1, base1 = [], [], [], [], [], []
    for item in items:
        cands = [c for c in item["candidates"] if not c["added"]]
        if not cands:
            continue
        ys = [c["y"] for c in cands]
        lg = reader.logits(
            item["question"], [passage_text(c["text"], c["title"], c["date"]) for c in cands]
        )
        for y, v in zip(ys, lg, strict=True):
            (pos if y else neg).append(float(v))
        if not any(ys):
            best_unans.append(float(lg.max()))
        else:
            best_ans.append(float(lg.max()))
            top1.append(ys[int(lg.argmax())])
            base1.append(ys[0])
    return {
        "questions": len(items),
        "pairs": len(pos) + len(neg),
        "pair_auc": round(auc(pos, neg), 4),
        "top1_reader": round(float(np.mean(top1)), 4),
        "top1_first_stages": round(float(np.mean(base1)), 4),
        "with_answer_vs_without_auc": round(auc(best_ans, best_unans), 4),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("reader", type=Path)
    p.add_argument("--data", type=Path, default=ROOT / "training" / "data" / "candidates.jsonl")
    args = p.parse_args()
    reader = Reader(args.reader)
    items = load_pairs(args.data)
    out = {s: measure(reader, [i for i in items if split_of(i["article"]) == s])
           for s in ("dev", "test")}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
