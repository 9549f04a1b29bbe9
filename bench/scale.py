"""The whole lexical answering path at scale: ``Engine.answer`` over up to a million sentences.

    python bench/scale.py [--sentences 1000000] [--jobs 2] [--queries 300]

Writes synthetic articles of French-looking sentences (``bench/synthetic.py``) beside the
bundled ones into a temporary corpus, builds the index through the real pipeline (spaCy
sentences, the analyzer, BM25, deal extraction) with embeddings off, then answers synthetic
queries and the eval questions, and prints build time, answer p50 / p99 / max and the peak
resident memory. This is the path to use past a few hundred thousand sentences (EMBEDDINGS=
none): the semantic layer's vectors would take 1 KiB a sentence and ~1.5 ms each to embed.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import synthetic

from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.evaluate import load_questions
from openai_deals.settings import BUNDLED_CORPUS_DIR

REPO = Path(__file__).resolve().parent.parent
PER_ARTICLE = 50


def write_corpus(folder: Path, n_sentences: int) -> None:
    for article in BUNDLED_CORPUS_DIR.glob("0*.md"):
        shutil.copy(article, folder / article.name)
    sentences = synthetic.corpus(n_sentences)
    for start in range(0, len(sentences), PER_ARTICLE):
        body = [" ".join(s).capitalize() + "." for s in sentences[start : start + PER_ARTICLE]]
        front = f"---\ntitle: Synthétique {start}\ndate: 2021-01\nsource: bench\n---\n"
        (folder / f"synth-{start:08d}.md").write_text(front + "\n".join(body) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="scale-"))
    corpus, index_dir = work / "corpus", work / "index"
    corpus.mkdir()
    write_corpus(corpus, args.sentences)
    start = time.perf_counter()
    engine = load_engine(corpus, index_dir, embeddings="none", n_process=args.jobs)
    build = time.perf_counter() - start
    questions = [" ".join(q) for q in synthetic.queries(args.queries)]
    questions += [q["question"] for q in load_questions(REPO / "eval" / "test.jsonl")]
    engine.answer(questions[0])  # first-use costs (name table for spelling) are start-up
    times = []
    for question in questions:
        t = time.perf_counter()
        engine.answer(question)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    status = Path("/proc/self/status").read_text().splitlines()
    peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM"))
    print(f"sentences {len(engine.index)}  build {build:.0f} s  answers {len(times)}")
    print(
        f"p50 {times[len(times) // 2]:.1f} ms  p99 {times[int(len(times) * 0.99)]:.1f} ms  "
        f"max {times[-1]:.1f} ms  peak RSS {peak / 1024:.0f} MiB"
    )
    shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
