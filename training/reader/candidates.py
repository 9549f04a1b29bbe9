"""Candidates for the reader's training data: the project's own first stages (BM25, vectors,
the reranker) run over the training corpus, so that the negatives are the near misses the
reader meets at answer time.

For each question: the top ``--top`` ranked sentences, each with a label drafted from the
writer's gold substrings (1 when the sentence holds one). Where no candidate holds the gold,
the gold sentences of the article are added (``added``), so that every answerable question
has a positive. The careful reader's review (``labels.py``) corrects the drafts.

    python training/reader/candidates.py --out training/data/candidates.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "training"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=TRAINING / "corpus")
    parser.add_argument("--questions", type=Path, nargs="*")
    parser.add_argument("--out", type=Path, default=TRAINING / "data" / "candidates.jsonl")
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # Never the user's own cache or data folders.
        for var in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = tmp
        run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> None:
    from openai_deals.retrieval.answering.engine import load_engine
    from openai_deals.retrieval.evaluate import fold

    engine = load_engine(args.corpus, tmp / "index", embeddings="use", reader="none")
    index = engine.index
    by_article: dict[str, list[int]] = {}
    for i in range(len(index)):
        by_article.setdefault(index.article(i).article_id, []).append(i)
    files = args.questions or sorted((TRAINING / "questions").glob("*.jsonl"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    n_q = n_pairs = missing = 0
    with args.out.open("w", encoding="utf-8") as out:
        for path in files:
            for line in path.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                golds = [fold(a) for a in item["answers"]]

                def holds(i: int, golds: list[str] = golds) -> bool:
                    text = fold(index.text(i))
                    return any(g in text for g in golds)

                q = engine.queries.analyse(item["question"])
                ranked = engine.search(q)[0][: args.top] if q.terms else []
                rows = [(c.index, rank, False) for rank, c in enumerate(ranked)]
                if golds and not any(holds(i) for i, _, _ in rows):
                    missing += 1
                    rows += [(i, -1, True) for i in by_article.get(item["article"], []) if holds(i)]
                cands = []
                for i, rank, added in rows:
                    art = index.article(i)
                    cands.append({
                        "sid": index.sentence(i).sid,
                        "text": index.text(i),
                        "title": art.title,
                        "date": art.date,
                        "rank": rank,
                        "added": added,
                        "draft": int(bool(golds) and holds(i)),
                    })
                out.write(json.dumps({**item, "candidates": cands}, ensure_ascii=False) + "\n")
                n_q += 1
                n_pairs += len(cands)
    print(f"{n_q} questions, {n_pairs} pairs; {missing} answerable questions had no gold "
          f"sentence in the top {args.top} (gold sentences added)", file=sys.stderr)


if __name__ == "__main__":
    main()
