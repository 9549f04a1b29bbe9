"""Benchmark SparseBM25 (+ its store) against rank-bm25 and bm25s, side by side.

Usage::

    python bench/run.py [--sizes 10000,100000,1000000] [--queries 300] [--out bench/results.json]
                        [--real [CORPUS_DIR]]

For every corpus size, each system runs in its own fresh child process, so its peak memory is
its own: the resident-set high-water mark of that child, read from ``VmHWM`` in
``/proc/self/status`` (``ru_maxrss`` elsewhere; on Linux ``ru_maxrss`` also counts the parent's
peak, inherited across exec). Not tracemalloc, which misses memory outside Python's allocator.
Each child generates the same deterministic synthetic corpus (``bench/synthetic.py``), then
measures:

* ``build_s``: indexing the token lists (for bm25s, from token ids: its tokenizer is not
  timed; mapping tokens to ids is reported apart as ``prep_s``; ours includes that mapping);
* query latency over the same queries (2 to 6 tokens, top 10): ours ``top_k``, rank-bm25
  ``get_scores`` + ``argsort``, bm25s ``retrieve(k=10)``. rank-bm25 is slow at scale, so it
  answers only the first ``min(queries, max(20, 10_000_000 // size))`` queries there;
* ``peak_mib``: high-water RSS after build and queries, and ``base_mib`` before the build
  (corpus generated); ``disk_mib``: ours via ``retrieval.indexing.store.save_index``, bm25s via its
  ``save()``, rank-bm25 as a pickle.

``ours_loaded`` is a fresh process that loads ours from the store (CRC-32 verified, memory
mapped) and answers the queries: the bot's start-up path. All systems use k1 = 1.2, b = 0.75,
epsilon = 0 by default; bm25s ``method="robertson"`` is then the same ranking (its idf clips at
0 like epsilon = 0, and it omits the constant factor k1 + 1, checked below).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import pickle
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

import synthetic  # noqa: E402  (bench/ is not a package: path set just above)

from openai_deals.retrieval.indexing.index import Params  # noqa: E402

SYSTEMS = ("ours", "ours_loaded", "rank_bm25", "bm25s")
TOP = 10
CHECKED_QUERIES = 20  # queries whose top scores are compared across systems


# ---------------------------------------------------------------------- child side


def _peak_mib() -> float:
    # Linux carries the parent's peak into a child's ru_maxrss across exec, so read the peak
    # RSS of this process image itself (VmHWM) where the kernel exposes it.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def _dir_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / (1 << 20)


def _load_data(spec: dict, with_corpus: bool) -> tuple[list[list[str]], list[list[str]]]:
    if spec["source"] == "synthetic":
        corpus = synthetic.corpus(spec["size"]) if with_corpus else []
        return corpus, synthetic.queries(spec["queries"])
    data = json.loads(Path(spec["real_path"]).read_text(encoding="utf-8"))
    return (data["corpus"] if with_corpus else []), data["queries"]


def _time_queries(answer, queries) -> tuple[list[float], list[list[float]]]:
    for query in queries[:3]:  # warm-up
        answer(query)
    latencies, tops = [], []
    for query in queries:
        start = time.perf_counter()
        scores = answer(query)
        latencies.append(time.perf_counter() - start)
        if len(tops) < CHECKED_QUERIES:
            tops.append([float(s) for s in scores if s > 0])
    return latencies, tops


def worker(spec: dict) -> dict:
    """Run one system on one corpus in this (fresh) process; return its measurements."""
    system, workdir = spec["system"], Path(spec["workdir"])
    # The loaded index needs no corpus: generating one would inflate its peak memory.
    corpus, queries = _load_data(spec, with_corpus=system != "ours_loaded")
    params = {"k1": spec["k1"], "b": spec["b"], "epsilon": spec["epsilon"]}
    store_dir = workdir / f"ours-{spec['label']}"
    out: dict = {"system": system, "n_docs": len(corpus) or spec["size"]}
    gc.collect()
    out["base_mib"] = _peak_mib()

    if system == "ours":
        from openai_deals.retrieval.indexing.bm25 import SparseBM25
        from openai_deals.retrieval.indexing.store import save_index

        start = time.perf_counter()
        index = SparseBM25.build(corpus, **params)
        out["build_s"] = time.perf_counter() - start
        del corpus
        out["latencies"], out["tops"] = _time_queries(lambda q: index.top_k(q, TOP)[1], queries)
        out["peak_mib"] = _peak_mib()
        start = time.perf_counter()
        save_index(store_dir, index.to_arrays(), {"bench": True}, key=spec["label"])
        out["save_s"] = time.perf_counter() - start
        out["disk_mib"] = _dir_mib(store_dir)

    elif system == "ours_loaded":
        from openai_deals.retrieval.indexing.bm25 import SparseBM25
        from openai_deals.retrieval.indexing.store import load_index

        start = time.perf_counter()
        arrays, _meta = load_index(store_dir, key=spec["label"])
        out["load_verified_s"] = time.perf_counter() - start
        start = time.perf_counter()
        index = SparseBM25.from_arrays(arrays)
        out["from_arrays_s"] = time.perf_counter() - start
        out["build_s"] = out["load_verified_s"] + out["from_arrays_s"]
        out["latencies"], out["tops"] = _time_queries(lambda q: index.top_k(q, TOP)[1], queries)
        out["peak_mib"] = _peak_mib()
        out["disk_mib"] = _dir_mib(store_dir)
        out["checksum_s"] = _checksum_costs(store_dir)

    elif system == "rank_bm25":
        from rank_bm25 import BM25Okapi

        start = time.perf_counter()
        model = BM25Okapi(corpus, **params)
        out["build_s"] = time.perf_counter() - start
        del corpus

        def answer(query):
            scores = model.get_scores(query)
            return scores[np.argsort(scores)[::-1][:TOP]]

        n = min(len(queries), max(CHECKED_QUERIES, 10_000_000 // max(1, out["n_docs"])))
        out["latencies"], out["tops"] = _time_queries(answer, queries[:n])
        out["peak_mib"] = _peak_mib()
        path = workdir / f"rank-{spec['label']}.pkl"
        with path.open("wb") as file:
            pickle.dump(model, file, protocol=pickle.HIGHEST_PROTOCOL)
        out["disk_mib"] = path.stat().st_size / (1 << 20)
        path.unlink()

    elif system == "bm25s":
        import bm25s

        start = time.perf_counter()
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
        out["prep_s"] = time.perf_counter() - start
        del corpus
        gc.collect()
        out["base_mib"] = _peak_mib()
        retriever = bm25s.BM25(method="robertson", k1=params["k1"], b=params["b"])
        start = time.perf_counter()
        retriever.index((ids, vocab), show_progress=False)
        out["build_s"] = time.perf_counter() - start
        del ids
        k = min(TOP, out["n_docs"])

        def answer(query):
            _docs, scores = retriever.retrieve([query], k=k, show_progress=False, n_threads=0)
            return scores[0] * (params["k1"] + 1)  # robertson omits the constant k1 + 1

        out["latencies"], out["tops"] = _time_queries(answer, queries)
        out["peak_mib"] = _peak_mib()
        path = workdir / f"bm25s-{spec['label']}"
        retriever.save(str(path), show_progress=False)
        out["disk_mib"] = _dir_mib(path)
        shutil.rmtree(path)
        out["bm25s_version"] = bm25s.__version__
    else:
        raise ValueError(f"unknown system {system!r}")
    out["peak_with_save_mib"] = _peak_mib()
    return out


def _checksum_costs(store_dir: Path) -> dict[str, float]:
    # Cost of reading every cache file (page cache warm) and hashing it with each candidate.
    files = list(store_dir.rglob("*.npy"))
    costs = {}
    for name, digest in (
        ("read_only", lambda data: None),
        ("crc32", lambda data: zlib.crc32(data)),
        ("adler32", lambda data: zlib.adler32(data)),
        ("blake2b", lambda data: hashlib.blake2b(data).digest()),
        ("sha256", lambda data: hashlib.sha256(data).digest()),
    ):
        start = time.perf_counter()
        for path in files:
            digest(path.read_bytes())
        costs[name] = time.perf_counter() - start
    return costs


# ---------------------------------------------------------------------- parent side


def _summary(run: dict) -> dict:
    lat = np.array(run.pop("latencies")) * 1e3
    run["n_queries_timed"] = len(lat)
    run["p50_ms"] = float(np.percentile(lat, 50))
    run["p99_ms"] = float(np.percentile(lat, 99))
    run["mean_ms"] = float(lat.mean())
    return run


def _run_child(spec: dict) -> dict:
    out_path = Path(spec["workdir"]) / f"result-{spec['system']}-{spec['label']}.json"
    spec = {**spec, "result_path": str(out_path)}
    start = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--worker", json.dumps(spec)], check=True)
    result = json.loads(out_path.read_text())
    result["wall_s"] = time.perf_counter() - start
    return _summary(result)


def _agreement(runs: dict[str, dict], epsilon: float) -> dict[str, float | None]:
    # Largest relative difference of the top scores of the checked queries, ours vs others.
    ours = runs.get("ours", {}).get("tops")
    agreement: dict[str, float | None] = {}
    for other in ("rank_bm25", "bm25s", "ours_loaded"):
        theirs = runs.get(other, {}).get("tops")
        if not ours or not theirs or (other == "bm25s" and epsilon != 0):
            agreement[other] = None
            continue
        worst = 0.0
        for a, b in zip(ours, theirs, strict=False):
            if len(a) != len(b):
                worst = float("inf")
                break
            if a:
                worst = max(worst, float(np.max(np.abs(np.subtract(a, b)) / np.abs(a))))
        agreement[other] = worst
    return agreement


def _real_data(corpus_dir: str, n_queries: int, workdir: Path) -> Path | None:
    try:
        from openai_deals.retrieval.answering.engine import load_engine

        index = load_engine(Path(corpus_dir), workdir / "real-index").index
        if hasattr(index, "sentence_terms"):
            sentences = [list(terms) for terms in index.sentence_terms]
        else:  # retrieval.indexing.index.Index: analysed terms of sentence i via terms(i)
            sentences = [index.terms(i) for i in range(len(index))]
    except Exception as exc:  # the engine is optional here: report and carry on
        print(f"note: real corpus skipped ({type(exc).__name__}: {exc})")
        return None
    flat = [t for doc in sentences for t in doc]
    if not flat:
        print("note: real corpus skipped (no tokens)")
        return None
    rng = np.random.default_rng(4)
    queries = [
        [flat[i] for i in rng.integers(0, len(flat), size=int(rng.integers(2, 7)))]
        for _ in range(n_queries)
    ]
    path = workdir / "real.json"
    path.write_text(json.dumps({"corpus": sentences, "queries": queries}), encoding="utf-8")
    return path


def _fmt(value, digits=2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if value < 1e5 else f"{value:.3g}"
    return str(value)


def _print_tables(results: dict) -> None:
    header = (
        f"{'corpus':>10} {'system':<12} {'build s':>8} {'p50 ms':>9} {'p99 ms':>9} "
        f"{'queries':>7} {'peak MiB':>9} {'base MiB':>9} {'disk MiB':>9}"
    )
    print("\n" + header + "\n" + "-" * len(header))
    for corpus in results["corpora"]:
        for system, run in corpus["runs"].items():
            print(
                f"{corpus['label']:>10} {system:<12} {_fmt(run.get('build_s'))!s:>8} "
                f"{_fmt(run['p50_ms'], 3):>9} {_fmt(run['p99_ms'], 3):>9} "
                f"{run['n_queries_timed']:>7} {_fmt(run['peak_mib'], 0):>9} "
                f"{_fmt(run['base_mib'], 0):>9} {_fmt(run.get('disk_mib'), 2):>9}"
            )
        loaded = corpus["runs"].get("ours_loaded")
        if loaded:
            costs = ", ".join(f"{k} {v * 1e3:.0f}" for k, v in loaded["checksum_s"].items())
            print(
                f"{'':>10} ours start-up: load_index (CRC-32 verified, mmap) "
                f"{loaded['load_verified_s'] * 1e3:.0f} ms + from_arrays "
                f"{loaded['from_arrays_s'] * 1e3:.0f} ms; read+hash all files (ms): {costs}"
            )
        ratios = corpus["ratios"]
        print(
            f"{'':>10} ratios: query p50 rank-bm25/ours "
            f"{_fmt(ratios.get('p50_rank_over_ours'), 0)}x,"
            f" bm25s/ours {_fmt(ratios.get('p50_bm25s_over_ours'), 1)}x;"
            f" build rank-bm25/ours {_fmt(ratios.get('build_rank_over_ours'), 1)}x,"
            f" bm25s/ours {_fmt(ratios.get('build_bm25s_over_ours'), 1)}x;"
            f" max rel. diff of top scores vs ours: {corpus['agreement']}"
        )
    print()
    for target, verdict in results["targets"].items():
        print(f"target {target}: {verdict}")


def _ratios(runs: dict[str, dict]) -> dict[str, float]:
    ours, rank, b25 = runs.get("ours"), runs.get("rank_bm25"), runs.get("bm25s")
    ratios = {}
    if ours and rank:
        ratios["p50_rank_over_ours"] = rank["p50_ms"] / ours["p50_ms"]
        ratios["build_rank_over_ours"] = rank["build_s"] / ours["build_s"]
    if ours and b25:
        ratios["p50_bm25s_over_ours"] = b25["p50_ms"] / ours["p50_ms"]
        ratios["build_bm25s_over_ours"] = b25["build_s"] / ours["build_s"]
    return ratios


def _targets(corpora: list[dict]) -> dict[str, str]:
    by_size = {c["size"]: c for c in corpora if c["source"] == "synthetic"}
    targets = {}
    if 1_000_000 in by_size and "ours" in by_size[1_000_000]["runs"]:
        ours = by_size[1_000_000]["runs"]["ours"]
        targets["1M peak memory < 8 GiB"] = _verdict(ours["peak_mib"] < 8192, ours["peak_mib"])
        targets["1M query p99 < 50 ms"] = _verdict(ours["p99_ms"] < 50, ours["p99_ms"])
    if 100_000 in by_size:
        ratios, runs = by_size[100_000]["ratios"], by_size[100_000]["runs"]
        if "p50_rank_over_ours" in ratios:
            speedup = ratios["p50_rank_over_ours"]
            targets["100k p50 >= 100x rank-bm25"] = _verdict(speedup >= 100, speedup)
            build = ratios["build_rank_over_ours"]
            targets["100k build no slower than rank-bm25"] = _verdict(build >= 1, build)
        if "p50_bm25s_over_ours" in ratios:
            targets["100k p50 no slower than bm25s"] = _verdict(
                runs["ours"]["p50_ms"] <= runs["bm25s"]["p50_ms"], ratios["p50_bm25s_over_ours"]
            )
    return targets


def _verdict(ok: bool, value: float) -> str:
    return f"{'MET' if ok else 'MISSED'} ({value:.3g})"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path, default=BENCH / "results.json")
    bundled = str(REPO / "openai_deals" / "corpus")
    parser.add_argument("--real", nargs="?", const=bundled, default=None)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    # Default to the parameters the project answers with, so the numbers are the real ones.
    parser.add_argument("--k1", type=float, default=Params().k1)
    parser.add_argument("--b", type=float, default=Params().b)
    parser.add_argument("--epsilon", type=float, default=Params().epsilon)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        spec = json.loads(args.worker)
        Path(spec["result_path"]).write_text(json.dumps(worker(spec)))
        return 0

    systems = [s for s in args.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems {sorted(unknown)}; choose from {', '.join(SYSTEMS)}")
    if "ours_loaded" in systems and "ours" not in systems:
        parser.error("ours_loaded loads what ours saves: include ours too")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    results: dict = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "numpy": np.__version__,
        },
        "params": {"k1": args.k1, "b": args.b, "epsilon": args.epsilon, "top": TOP},
        "memory": "peak RSS (VmHWM) of a fresh child process per system and corpus",
        "corpora": [],
    }
    with tempfile.TemporaryDirectory(prefix="bm25-bench-") as tmp:
        workdir = Path(tmp)
        plan: list[tuple[str, int, str]] = [("synthetic", size, f"{size}") for size in sizes]
        if args.real and _real_data(args.real, args.queries, workdir):
            plan.append(("real", 0, "real"))
        for source, size, label in plan:
            spec = {
                "source": source,
                "size": size,
                "label": label,
                "queries": args.queries,
                "workdir": str(workdir),
                "real_path": str(workdir / "real.json"),
                "k1": args.k1,
                "b": args.b,
                "epsilon": args.epsilon,
            }
            runs = {}
            for system in systems:
                print(f"[{time.perf_counter() - started:6.0f}s] {label}: {system} ...", flush=True)
                runs[system] = _run_child({**spec, "system": system})
            agreement = _agreement(runs, args.epsilon)
            for run in runs.values():
                run.pop("tops", None)
            results["corpora"].append(
                {
                    "source": source,
                    "size": size or runs[systems[0]]["n_docs"],
                    "label": label,
                    "runs": runs,
                    "ratios": _ratios(runs),
                    "agreement": {k: v for k, v in agreement.items() if v is not None},
                }
            )
    results["targets"] = _targets(results["corpora"])
    results["total_s"] = time.perf_counter() - started
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    _print_tables(results)
    print(f"\nwritten to {args.out} in {results['total_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
