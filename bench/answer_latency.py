"""Answer latency, cold start, memory and build cost of the whole answering path.

    python bench/answer_latency.py [--corpus DIR] [--embeddings use,e5,none] [--rounds 3]
                                   [--readers default,none] [--index-dir DIR]

For each embeddings setting and each reader (``READER``: the shipped one, or none), side by
side in one run (this machine is shared and noisy, so only numbers measured together are
compared): the index is built into a fresh folder (build cost per 10k sentences, split into
analysis + BM25 and embedding), every question of eval/tune.jsonl and eval/test.jsonl is
answered ``--rounds`` times (p50 / p99 / max), a fresh process answers one question from the
cached index five times (cold start, median), and the peak resident memory of a process that
loads the engine and answers is read from /proc. Nothing leaves this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [REPO / "eval" / "tune.jsonl", REPO / "eval" / "test.jsonl"]
ASK = "Combien Google a-t-il investi dans Anthropic ?"

_CHILD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from openai_deals.retrieval.answering.engine import load_engine
engine = load_engine(Path(sys.argv[1]), Path(sys.argv[2]), embeddings=sys.argv[3],
                     reader=sys.argv[5])
engine.answer(sys.argv[4])
elapsed = time.perf_counter() - t0
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": elapsed, "peak_kib": peak}))
"""


def _child(corpus: Path, index: Path, embeddings: str, reader: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(corpus), str(index), embeddings, ASK, reader],
        capture_output=True, text=True, check=True, timeout=1800,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cold_start(corpus: Path, index: Path, embeddings: str, reader: str) -> float:
    """Median seconds from process start to a printed answer, cached index (the CLI)."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "openai_deals", "--corpus", str(corpus),
             "--index-dir", str(index), "ask", ASK],
            capture_output=True, check=True, timeout=600,
            env={"EMBEDDINGS": embeddings, "READER": reader, "PATH": "/usr/bin:/bin",
                 "HOME": str(index.parent)},
        )  # fmt: skip
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def measure(
    corpus: Path, embeddings: str, reader: str, rounds: int, index_dir: Path | None = None
) -> dict:
    from openai_deals.retrieval.answering.engine import Engine, owned_cache_dir
    from openai_deals.retrieval.answering.reader import load_reader
    from openai_deals.retrieval.evaluate import load_questions
    from openai_deals.retrieval.indexing.cache import load_or_build
    from openai_deals.retrieval.indexing.embeddings import VectorCache, load_embedder

    # A given index folder (already built) skips the build: its cost then reads near zero.
    index_dir = index_dir or Path(tempfile.mkdtemp(prefix=f"bench-{embeddings}-"))
    start = time.perf_counter()
    index, _ = load_or_build(corpus, index_dir)
    lexical_build = time.perf_counter() - start
    # The same cache folder load_engine uses, so the child processes below find the vectors.
    cache_dir = owned_cache_dir(index_dir)
    embedder = load_embedder(embeddings, cache_dir)
    vectors = None
    start = time.perf_counter()
    if embedder is not None:
        texts = index.texts()
        vectors = VectorCache(cache_dir, embedder).vectors(texts)
    embed_build = time.perf_counter() - start
    engine = Engine(index, embedder=embedder, vectors=vectors, reader=load_reader(reader))
    questions = [q["question"] for path in QUESTIONS for q in load_questions(path)]
    times = []
    for _ in range(rounds):
        for question in questions:
            t = time.perf_counter()
            engine.answer(question)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    child = _child(corpus, index_dir, embeddings, reader)
    per_10k = 10_000 / len(index)
    return {
        "embeddings": embeddings,
        "reader": reader,
        "sentences": len(index),
        "build_lexical_s_per_10k": round(lexical_build * per_10k, 1),
        "build_embed_s_per_10k": round(embed_build * per_10k, 1),
        "answers": len(times),
        "p50_ms": round(times[len(times) // 2], 1),
        "p99_ms": round(times[int(len(times) * 0.99)], 1),
        "max_ms": round(times[-1], 1),
        "cold_start_s": round(_cold_start(corpus, index_dir, embeddings, reader), 2),
        "load_and_answer_s": round(child["seconds"], 2),
        "peak_rss_mib": round(child["peak_kib"] / 1024),
    }


def main(argv: list[str] | None = None) -> int:
    from openai_deals.settings import BUNDLED_CORPUS_DIR

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=BUNDLED_CORPUS_DIR)
    parser.add_argument("--embeddings", default="use,e5,none")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--readers", default="default,none")
    parser.add_argument(
        "--index-dir", type=Path, default=None, help="reuse this built index (no build cost)"
    )
    args = parser.parse_args(argv)
    rows = []
    for embeddings in args.embeddings.split(","):
        for reader in args.readers.split(","):
            rows.append(measure(args.corpus, embeddings, reader, args.rounds, args.index_dir))
            print(rows[-1], file=sys.stderr, flush=True)  # a long run keeps what it measured
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
