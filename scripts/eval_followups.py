"""Score follow-up questions read with their conversation's context vs. read alone.

Each line of the file (``eval/followups.jsonl``): ``{"id", "previous", "follow_up",
"answers": [gold substrings of the sentence answering the follow-up in context]}``; an empty
``answers`` list means the bot must abstain. The follow-up is answered twice by the same
engine: as typed ("alone") and as ``retrieval.answering.followup.contextualise`` re-reads it after
the previous question ("with context"). Metrics are those of ``openai-deals eval``.

    python scripts/eval_followups.py [eval/followups.jsonl] [--show] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from openai_deals.retrieval.evaluate import evaluate, metrics_table
from openai_deals.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def load_pairs(path: Path) -> list[dict]:
    """Read the pairs; raises ValueError naming the line of a malformed one."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if not all(isinstance(item.get(k), str) for k in ("previous", "follow_up")):
            raise ValueError(f"{path.name}, line {number}: needs 'previous' and 'follow_up'")
        if not isinstance(item.get("answers"), list):
            raise ValueError(f"{path.name}, line {number}: 'answers' must be a list")
        pairs.append(item)
    return pairs


def score(engine, pairs: list[dict]) -> dict:
    """The reports of both readings, and the question each pair was read as."""
    alone = [{**p, "question": p["follow_up"]} for p in pairs]
    read = [engine.contextualise(p["previous"], p["follow_up"]) for p in pairs]
    in_context = [{**p, "question": q} for p, q in zip(pairs, read, strict=True)]
    return {
        "with context": evaluate(engine, in_context),
        "alone": evaluate(engine, alone),
        "read_as": dict(zip((p["id"] for p in pairs), read, strict=True)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=ROOT / "eval" / "followups.jsonl")
    parser.add_argument("--show", action="store_true", help="print how each pair was read")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    args = parser.parse_args(argv)

    from openai_deals.retrieval.answering.engine import load_engine

    settings = load_settings()
    engine = load_engine(
        settings.corpus_dir, settings.resolved_index_dir, embeddings=settings.embeddings
    )
    pairs = load_pairs(args.file)
    result = score(engine, pairs)
    reports = {name: result[name] for name in ("with context", "alone")}
    if args.json:
        data = {name: r.as_dict() for name, r in reports.items()}
        data["read_as"] = result["read_as"]
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    first = reports["with context"]
    print(f"pairs: {first.questions} ({first.answerable} answerable)")
    print("\n".join(metrics_table(reports)))
    print(f"missed with context (not in top 3): {', '.join(first.failures) or '-'}")
    if args.show:
        for pair in pairs:
            print(f"{pair['id']}: {pair['follow_up']!r} -> {result['read_as'][pair['id']]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
