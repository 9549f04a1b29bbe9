"""Split the blind question sets once into tune and test (run once; both files are committed).

    python scripts/split_eval.py SET.jsonl [SET.jsonl …] --out eval/ [--suffix -2]

A later batch of questions is split the same way into its own pair of files
(``--suffix -2``: ``tune-2.jsonl``, ``test-2.jsonl``), so the earlier split never moves.

Within each group of (article, answerable or not), questions are ordered by a hash of their
id and dealt alternately to tune and test, so both halves cover every article, register and
the unanswerable questions alike, and the split does not depend on file order.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("eval"))
    parser.add_argument("--suffix", default="", help="file name suffix of a later batch")
    args = parser.parse_args(argv)
    groups: dict[tuple[str, bool], list[dict]] = defaultdict(list)
    for path in args.sets:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                groups[(item.get("article", ""), bool(item["answers"]))].append(item)
    halves: dict[str, list[dict]] = {"tune": [], "test": []}
    for key in sorted(groups):
        ordered = sorted(groups[key], key=lambda it: hashlib.sha256(it["id"].encode()).hexdigest())
        for n, item in enumerate(ordered):
            halves["tune" if n % 2 == 0 else "test"].append(item)
    for name, items in halves.items():
        items.sort(key=lambda it: it["id"])
        text = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in items)
        (args.out / f"{name}{args.suffix}.jsonl").write_text(text, encoding="utf-8")
        unanswerable = sum(1 for it in items if not it["answers"])
        print(f"{name}: {len(items)} questions, {unanswerable} unanswerable")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
