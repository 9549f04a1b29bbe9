"""Choose how the reader's probabilities are used (``ReaderPolicy``), on tune files only.

    python scripts/tune_reader.py eval/tune.jsonl eval/tune-2.jsonl [--reader FOLDER]

Each question goes once through the first stages and the reader (its best 20 candidates);
a grid of policies is then scored on what a person would see:

| | answered, right first | answered, wrong first | related | not found |
|---|---|---|---|---|
| answerable | +1 | -1 | 0 | -0.5 |
| unanswerable | — | -2 (bold and wrong: the worst) | +0.5 | +1 |

The script prints the outcome table of the best few policies and, with ``--write``, stores
the best in the reader's ``reader.json`` (the policy travels with the weights it was chosen
for). It never reads a test split: report test with ``openai-deals eval`` afterwards.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.answering.reader import default_reader_dir
from openai_deals.retrieval.answering.reader.stage import ReaderPolicy, outcome, passages, reorder
from openai_deals.retrieval.answering.snippets import snippet_text
from openai_deals.retrieval.evaluate import fold, load_questions
from openai_deals.retrieval.model import Status
from openai_deals.settings import BUNDLED_CORPUS_DIR

READ = 20  # candidates read per question; the grid chooses how many count
GRID = {
    "candidates": (6, 8, 12, 16, 20),
    "prior": (0.0, 0.5, 1.0, 2.0, 4.0),
    "answer": (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
    "related": (0.0, 0.02, 0.05, 0.1, 0.2, 0.3),
    "decision": (0.0, 0.5, 1.0),
}
FOLLOWERS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.01)
UTILITY = {
    ("answerable", "right"): 1.0,
    ("answerable", "wrong"): -1.0,
    ("answerable", "related"): 0.0,
    ("answerable", "not_found"): -0.5,
    ("unanswerable", "answered"): -2.0,
    ("unanswerable", "related"): 0.5,
    ("unanswerable", "not_found"): 1.0,
}


@dataclass
class Measured:
    answerable: bool
    candidates: list  # the first stages' ranked candidates (at most READ)
    gold: dict[int, bool]  # sentence index -> its snippet holds a gold string
    logits: np.ndarray
    decision_probability: float


def measure(engine, items) -> list[Measured]:
    out = []
    for item in items:
        question = " ".join(item["question"].split())
        q = engine.queries.analyse(question)
        ranked, decision = engine.search(q) if q.terms else ([], None)
        head = ranked[:READ]
        golds = [fold(g) for g in item.get("answers", [])]
        gold = {
            c.index: bool(golds)
            and any(
                g in fold(snippet_text(engine.index, engine.analyzer, c.index, set())[0])
                for g in golds
            )
            for c in head
        }
        logits = engine.reader.logits(question, passages(engine.index, head)) if head else None
        out.append(
            Measured(bool(golds), head, gold, logits, decision.probability if decision else 0.0)
        )
    return out


def seen(m: Measured, policy: ReaderPolicy) -> tuple[str, list[int]]:
    """What a person sees, as the engine decides it (``stage.outcome``): the outcome and the
    sentences shown when answered, in order."""
    if not m.candidates:
        return "not_found", []
    n = policy.candidates
    reading = reorder(m.candidates[:n], m.logits[:n], policy)
    status, _, shown = outcome(reading, m.decision_probability, policy)
    if status is Status.ANSWERED:
        return "answered", [c.index for c in shown]
    return status.value, []


def utility(data: list[Measured], policy: ReaderPolicy) -> tuple[float, dict[str, int]]:
    total, counts = 0.0, {}
    for m in data:
        what, shown = seen(m, policy)
        if m.answerable:
            if what == "answered":
                what = "right" if m.gold.get(shown[0]) else "wrong"
            key = ("answerable", what)
        else:
            key = ("unanswerable", what)
        total += UTILITY[key]
        name = "/".join(key)
        counts[name] = counts.get(name, 0) + 1
    return total, counts


def hit3(data: list[Measured], policy: ReaderPolicy) -> float:
    hits = n = 0
    for m in data:
        what, shown = seen(m, policy)
        if m.answerable and what == "answered":
            n += 1
            hits += any(m.gold.get(i) for i in shown[:3])
    return hits / max(n, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tune", type=Path, nargs="+", help="tune files (never a test split)")
    parser.add_argument("--reader", default="default")
    parser.add_argument("--corpus", type=Path, default=BUNDLED_CORPUS_DIR)
    parser.add_argument("--write", action="store_true", help="store the best in reader.json")
    args = parser.parse_args(argv)
    if any("test" in path.name for path in args.tune):
        print("refusing to tune on a test split", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tune-reader-") as tmp:
        for var in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = tmp
        engine = load_engine(args.corpus, Path(tmp) / "index", reader=args.reader)
        items = [item for path in args.tune for item in load_questions(path)]
        data = measure(engine, items)
    scored = []
    for values in itertools.product(*GRID.values()):
        policy = ReaderPolicy(**dict(zip(GRID, values, strict=True)), follower=1.01)
        scored.append((utility(data, policy)[0], policy))
    scored.sort(key=lambda t: -t[0])
    print(f"{len(data)} tune questions ({sum(m.answerable for m in data)} answerable)")
    for value, policy in scored[:8]:
        print(f"  {value:7.1f}  {policy}  {utility(data, policy)[1]}")
    best = scored[0][1]
    # Followers change only what is shown beside an answer: the highest threshold that keeps
    # the best hit@3 (fewer snippets to read for the same chance of the right one).
    best_h3 = max(hit3(data, replace(best, follower=f)) for f in FOLLOWERS)
    follower = max(f for f in FOLLOWERS if hit3(data, replace(best, follower=f)) >= best_h3)
    best = replace(best, follower=follower)
    print(f"hit@3 of answered questions on tune: {best_h3:.3f}")
    print(f"best policy: {best}")
    if args.write:
        folder = default_reader_dir() if args.reader == "default" else Path(args.reader)
        info = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
        info["policy"] = {k: v for k, v in best.__dict__.items()}
        info["policy_chosen_on"] = [p.name for p in args.tune]
        (folder / "reader.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        print(f"written to {folder / 'reader.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
