"""The careful reader's review of the drafted labels.

    python training/reader/labels.py shards --shards 8     # candidates -> shards/NN.jsonl
    python training/reader/labels.py merge                 # shards' answers -> labels

A shard shows each question with its numbered candidates (sentence, article title and
month) and the writer's own answer as a hint; the reviewer writes, per question, the numbers
of the candidates that answer it on their own (``labels/NN.jsonl``: ``{"id", "yes": [...]}``).
``merge`` writes the reviewed ``label`` beside each candidate's ``draft`` in the candidates
file and prints how often the review disagreed with the draft.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from openai_deals.retrieval.model import month_label_fr

DATA = Path(__file__).resolve().parents[1] / "data"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def shards(candidates: Path, n: int) -> None:
    items = read_jsonl(candidates)
    folder = DATA / "shards"
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(items) // n)
    for s in range(n):
        with (folder / f"{s:02d}.jsonl").open("w", encoding="utf-8") as out:
            for item in items[s * size : (s + 1) * size]:
                row = {
                    "id": item["id"],
                    "question": item["question"],
                    "register": item["register"],
                    "writer_answer": item["answers"],
                    "candidates": [
                        {"n": k, "title": c["title"], "date": month_label_fr(c["date"]),
                         "sentence": c["text"]}
                        for k, c in enumerate(item["candidates"], 1)
                    ],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(items)} questions in {n} shards of {size}")


def merge(candidates: Path) -> None:
    answers: dict[str, set[int]] = {}
    for path in sorted((DATA / "labels").glob("*.jsonl")):
        for row in read_jsonl(path):
            answers[row["id"]] = set(row["yes"])
    items = read_jsonl(candidates)
    reviewed = pairs = added = removed = 0
    for item in items:
        yes = answers.get(item["id"])
        if yes is None:
            continue
        reviewed += 1
        for k, c in enumerate(item["candidates"], 1):
            c["label"] = int(k in yes)
            pairs += 1
            added += c["label"] > c["draft"]
            removed += c["label"] < c["draft"]
    candidates.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    print(f"{reviewed}/{len(items)} questions reviewed, {pairs} pairs: {added} drafted 0 "
          f"marked yes, {removed} drafted 1 marked no")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["shards", "merge"])
    p.add_argument("--candidates", type=Path, default=DATA / "candidates.jsonl")
    p.add_argument("--shards", type=int, default=8)
    args = p.parse_args()
    if args.command == "shards":
        shards(args.candidates, args.shards)
    else:
        merge(args.candidates)


if __name__ == "__main__":
    main()
