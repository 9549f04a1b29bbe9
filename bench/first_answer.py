"""Where the first answer's time goes: a fresh install's first `ask`, stage by stage.

    python bench/first_answer.py [--corpus DIR] [--embeddings use|e5|none]

Runs in a fresh process with its own temporary home, cache, data and config folders (never
the user's), so the first question builds the index from nothing, as it does right after
`pip install`. It then prints, in seconds:

- the whole first `ask` from process start (the command line, run as a subprocess), then a
  second `ask` on the index the first one saved;
- inside one first answer, each stage of the real path (imports, spaCy's loads, sentence
  splitting and analysis, reading the deals, BM25, writing the index, the embedding model's
  load, embedding, writing the vectors, the answer itself). The stages are timed by wrapping
  the functions that do them; nested ones are shown indented, inside their parent's time.

Nothing leaves this machine. The machine is rarely idle: compare numbers of one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASK = "Combien Google a-t-il investi dans Anthropic ?"

# The child: wrap each stage's function (where its caller looks it up), then answer once.
_CHILD = r"""
import inspect, json, sys, time
t0 = time.perf_counter()
from pathlib import Path
times = {}

def add(label, start):
    times[label] = times.get(label, 0.0) + time.perf_counter() - start

def timed(owner, name, label):
    original = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            result = original(*args, **kwargs)
        finally:
            add(label, start)
        if inspect.isgenerator(result):  # a lazy stage: its time is spent in each next()
            return timed_generator(result, label)
        return result
    setattr(owner, name, wrapper)

def timed_generator(generator, label):
    while True:
        start = time.perf_counter()
        try:
            item = next(generator)
        except StopIteration:
            add(label, start)
            return
        add(label, start)
        yield item

from openai_deals.retrieval.answering import engine
from openai_deals.retrieval.deals import extract as deals
from openai_deals.retrieval.indexing import bm25, cache, embeddings, index, store
from openai_deals.retrieval.ingestion import sentences as ingest
times["imports"] = time.perf_counter() - t0
timed(engine, "load_or_build", "index (load or build)")
timed(ingest, "sentence_pipeline", "  spaCy blank fr + sentencizer (load)")
timed(index, "split_articles", "  sentence splitting")
timed(index, "_analysed_articles", "  split + analyse (terms)")
timed(deals, "deal_pipeline", "  spaCy fr_core_news_sm (load)")
timed(index, "article_records", "  reading the deals (spaCy tagger + NER)")
timed(bm25.SparseBM25, "build", "  BM25 fields")
timed(cache.store, "save_index", "  writing the index")
timed(engine, "load_embedder", "embedding model (load)")
timed(embeddings.VectorCache, "vectors", "embedding the sentences (+ writing the vectors)")
timed(embeddings.VectorCache, "_save", "  writing the vectors")
timed(engine, "prune", "pruning the cache")
t1 = time.perf_counter()
built = engine.load_engine(Path(sys.argv[1]), Path(sys.argv[2]), embeddings=sys.argv[3])
times["load_engine (all of the above)"] = time.perf_counter() - t1
t2 = time.perf_counter()
built.answer(sys.argv[4])
times["first answer (engine.answer)"] = time.perf_counter() - t2
times["total in process"] = time.perf_counter() - t0
times["sentences"] = len(built.index)
times["articles"] = len(built.index.articles)
print(json.dumps(times))
"""


def _own_folders(root: Path) -> dict[str, str]:
    folders = {"HOME": root / "home"}
    for name in ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
        folders[name] = root / name.lower()
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {k: str(v) for k, v in folders.items()}


def _env(root: Path, embeddings: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TERM")}
    return {**keep, **_own_folders(root), "EMBEDDINGS": embeddings}


def _cli_seconds(corpus: Path, index: Path, env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "openai_deals", "--corpus", str(corpus),
         "--index-dir", str(index), "ask", ASK],
        capture_output=True, check=True, timeout=900, env=env, cwd=cwd,
    )  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "openai_deals" / "corpus")
    parser.add_argument("--embeddings", default="use")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="openai-deals-first-answer-") as tmp:
        root = Path(tmp)
        env = _env(root / "cli", args.embeddings)
        first = _cli_seconds(args.corpus, root / "cli-index", env, root)
        second = _cli_seconds(args.corpus, root / "cli-index", env, root)
        child_env = _env(root / "child", args.embeddings)
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(args.corpus), str(root / "child-index"),
             args.embeddings, ASK],
            capture_output=True, text=True, check=True, timeout=900, env=child_env, cwd=root,
        )  # fmt: skip
    times = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"corpus: {times.pop('articles')} articles, {times.pop('sentences')} sentences")
    print(f"{'first `ask`, process start to answer':<52} {first:6.2f} s")
    print(f"{'second `ask` (index saved by the first)':<52} {second:6.2f} s")
    print("inside one first answer:")
    for label, seconds in times.items():
        print(f"  {label:<50} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
