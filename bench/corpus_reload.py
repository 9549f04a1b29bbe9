"""What it costs a running bot when an article is added: the build by the process that adds,
the load by a process sharing its INDEX_DIR, and the build by a process on another machine
(its own INDEX_DIR, the per-article caches warm).

    python bench/corpus_reload.py [--embeddings use|none] [--database postgresql+psycopg://…]

Without ``--database`` the corpus folder is the record (one machine); with it, the articles
are in that (empty) PostgreSQL database, as on several machines. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from openai_deals.articles import DatabaseArticles, FolderArticles, live_folder
from openai_deals.live_corpus import CorpusFollower
from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.ingestion.fetch import FetchPolicy
from openai_deals.retrieval.ingestion.sources import read_source
from openai_deals.settings import BUNDLED_CORPUS_DIR

ARTICLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "gazette-mistral-ai.html"


def follower(articles, index_dir: Path, embeddings: str) -> CorpusFollower:
    def load(folder: Path, **kwargs):
        return load_engine(folder, index_dir, embeddings=embeddings, **kwargs)

    return CorpusFollower(articles, index_dir, load)


def timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embeddings", default="use", choices=("use", "none"))
    parser.add_argument("--database", help="an empty PostgreSQL database's SQLAlchemy URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="corpus-reload-") as tmp:
        root = Path(tmp)
        corpus = Path(shutil.copytree(BUNDLED_CORPUS_DIR, root / "corpus"))
        shared, other = root / "machine-1", root / "machine-2"

        def record(index_dir: Path):
            if args.database:
                engine = sa.create_engine(args.database)
                return DatabaseArticles(engine, live_folder(index_dir), seed=corpus)
            return FolderArticles(corpus)

        adder = follower(record(shared), shared, args.embeddings)
        neighbour = follower(record(shared), shared, args.embeddings)
        remote = follower(record(other), other, args.embeddings)
        for f in (adder, neighbour, remote):
            f.load()  # start-up: built for the first of each INDEX_DIR
        got: list = []
        remote.follow(got.append)
        draft = read_source(str(ARTICLE), FetchPolicy())
        write, _ = timed(lambda: adder.articles.add(draft))
        check, _ = timed(adder.articles.version)
        build, _ = timed(adder.refresh)
        load, _ = timed(neighbour.refresh)
        remote_build, _ = timed(remote.refresh)
        stats = got[-1].stats
        print(
            json.dumps(
                {
                    "record": "postgresql" if args.database else "folder",
                    "embeddings": args.embeddings,
                    "write_s": round(write, 3),
                    "version_check_ms": round(check * 1000, 2),
                    "build_by_the_adder_s": round(build, 2),
                    "load_by_a_process_sharing_index_dir_s": round(load, 2),
                    "build_on_another_machine_s": round(remote_build, 2),
                    "articles_analysed_there": stats.analysed_articles if stats else None,
                    "sentences_embedded_there": stats.embedded_sentences if stats else None,
                }
            )
        )


if __name__ == "__main__":
    main()
