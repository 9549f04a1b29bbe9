"""The articles of record and the corpus version: a folder with a file lock on one machine, a
PostgreSQL table (real server) on several; and a follower that reloads an engine when any
process changes the corpus."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from two_articles import SMALL_QUESTION

from openai_deals.articles import (
    ArticleNotFound,
    DatabaseArticles,
    FolderArticles,
    articles_table,
    build_lock,
    live_folder,
    uses_database,
)
from openai_deals.live_corpus import CorpusFollower
from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.retrieval.indexing.cache import STORE_FOLDER
from openai_deals.retrieval.ingestion.sources import AddProblem, AddRefused, Draft

ROOT = Path(__file__).resolve().parent.parent

DRAFT = Draft(
    title="OpenAI et Oracle signent un contrat de calcul",
    date="2025-09-10",
    source="La Gazette de l’IA",
    url="https://gazette-ia.example/2025/09/10/openai-oracle",
    paragraphs=(
        "OpenAI a signé avec Oracle un contrat de calcul de 300 milliards de dollars sur cinq "
        "ans, selon la Gazette de l’IA.",
        "Les centres de données doivent entrer en service à partir de 2027 au Texas.",
    ),
)
NEW_QUESTION = "Quel contrat OpenAI a-t-il signé avec Oracle ?"


@pytest.fixture
def database(postgres_url: str) -> sa.Engine:
    engine = sa.create_engine(postgres_url)
    yield engine
    engine.dispose()


def test_a_folder_bumps_its_version_on_add_and_remove(small_corpus: Path):
    """Adding and removing bump the hidden version file; the id is the file name."""
    articles = FolderArticles(small_corpus)
    assert articles.version() == 0
    added = articles.add(DRAFT)
    assert added.article_id == "2025-09-10-openai-et-oracle-signent-un-contrat-de-calcul"
    assert articles.version() == 1
    assert articles.remove(added.article_id).title == DRAFT.title
    assert not added.path.exists() and articles.version() == 2
    with pytest.raises(ArticleNotFound):
        articles.remove(added.article_id)
    assert articles.version() == 2
    assert sorted(p.name for p in small_corpus.glob("*.md")) == [
        "mistral-levee.md",
        "nvidia-puce.md",
    ]


def test_the_database_holds_the_articles_and_refuses_a_duplicate(database, tmp_path, small_corpus):
    """The first start copies the folder's articles in; an addition is refused when its URL is
    there; a removal deletes the row; each change bumps the version."""
    articles = DatabaseArticles(database, tmp_path / "mirror", seed=small_corpus)
    assert articles.version() == 1
    again = DatabaseArticles(database, tmp_path / "other-mirror", seed=small_corpus)
    assert again.version() == 1  # seeded once: the table is the record from now on
    added = articles.add(DRAFT)
    assert again.version() == 2
    with pytest.raises(AddRefused) as refused:
        again.add(DRAFT)
    assert refused.value.problem is AddProblem.DUPLICATE
    folder, version = again.build_folder()
    assert version == 2
    assert sorted(p.stem for p in folder.glob("*.md")) == sorted(
        ["mistral-levee", "nvidia-puce", added.article_id]
    )
    assert again.remove("nvidia-puce").title.startswith("Nvidia")
    folder, version = articles.build_folder()
    assert version == 3 and not (folder / "nvidia-puce.md").exists()
    with database.connect() as connection:
        ids = connection.execute(sa.select(articles_table.c.id)).scalars().all()
    assert sorted(ids) == sorted(["mistral-levee", added.article_id])


def test_concurrent_additions_to_the_database_write_one_article(
    postgres_url, tmp_path, small_corpus
):
    """Eight processes add the same article at once: one row; every other gets DUPLICATE."""
    DatabaseArticles(sa.create_engine(postgres_url), tmp_path / "m", seed=small_corpus)
    script = textwrap.dedent(
        f"""
        import sys, sqlalchemy as sa
        from pathlib import Path
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from test_articles import DRAFT
        from openai_deals.articles import DatabaseArticles
        from openai_deals.retrieval.ingestion.sources import AddRefused
        articles = DatabaseArticles(sa.create_engine({postgres_url!r}), Path(sys.argv[1]))
        try:
            articles.add(DRAFT)
            print("added")
        except AddRefused as exc:
            print(exc.problem.value)
        """
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path / f"m{i}")],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for i in range(8)
    ]
    outputs = sorted(p.communicate(timeout=120)[0].strip() for p in processes)
    assert outputs == ["added"] + ["duplicate"] * 7
    with sa.create_engine(postgres_url).connect() as connection:
        count = connection.execute(sa.select(sa.func.count()).select_from(articles_table))
        assert count.scalar() == 3


def test_the_database_is_used_only_for_a_server_and_an_own_corpus():
    """PostgreSQL with CORPUS_DIR set: the database; SQLite, no URL or the bundled articles:
    the folder."""
    assert uses_database("postgresql+psycopg://u@h/db", corpus_dir_is_bundled=False)
    assert not uses_database("postgresql+psycopg://u@h/db", corpus_dir_is_bundled=True)
    assert not uses_database("sqlite:///x.sqlite3", corpus_dir_is_bundled=False)
    assert not uses_database(None, corpus_dir_is_bundled=False)


def test_the_build_lock_lives_in_the_store_folder_and_excludes_a_second_holder(tmp_path):
    """Nothing loose in INDEX_DIR; a second holder waits, and gives up after its wait."""
    index_dir = tmp_path / "index"
    with build_lock(index_dir) as first:
        assert first
        with build_lock(index_dir, wait=0.2) as second:
            assert not second
    assert [p.name for p in index_dir.iterdir()] == [STORE_FOLDER]
    assert live_folder(index_dir).parent == index_dir / STORE_FOLDER


def test_a_follower_reloads_when_another_process_adds_or_removes(small_corpus, tmp_path):
    """A follower answers from an article another writer added within its interval plus the
    load, never stopping meanwhile; and stops after the removal."""
    index_dir = tmp_path / "index"

    def load(folder: Path, **kwargs):
        return load_engine(folder, index_dir, embeddings="none", **kwargs)

    follower = CorpusFollower(FolderArticles(small_corpus), index_dir, load, interval=0.2)
    engines = [follower.load()]
    follower.follow(engines.append)
    assert all("Oracle" not in s.text for s in engines[0].answer(NEW_QUESTION).snippets)
    follower.start()
    try:
        added = FolderArticles(small_corpus).add(DRAFT)  # as another process would
        deadline = time.monotonic() + 10
        while len(engines) < 2:
            assert engines[0].answer(SMALL_QUESTION).snippets  # still answering meanwhile
            assert time.monotonic() < deadline, "the follower did not reload within 10 s"
            time.sleep(0.05)
        assert "Oracle" in engines[-1].answer(NEW_QUESTION).snippets[0].text
        FolderArticles(small_corpus).remove(added.article_id)
        while len(engines) < 3:
            assert time.monotonic() < deadline + 10, "no reload after the removal"
            time.sleep(0.05)
        assert all(a.article_id != added.article_id for a in engines[-1].articles)
    finally:
        follower.stop()
    assert follower.version == 2


def test_a_failed_load_keeps_the_engine_and_is_not_retried_every_interval(small_corpus, tmp_path):
    """A version that cannot be loaded (the last articles removed) leaves the engine in place
    and one traceback, not one per interval."""
    index_dir = tmp_path / "index"
    calls = []

    def load(folder: Path, **kwargs):
        calls.append(folder)
        return load_engine(folder, index_dir, embeddings="none", **kwargs)

    follower = CorpusFollower(FolderArticles(small_corpus), index_dir, load, interval=0.05)
    follower.load()
    swapped = []
    follower.follow(swapped.append)
    for name in ("mistral-levee", "nvidia-puce"):
        FolderArticles(small_corpus).remove(name)
    follower.start()
    time.sleep(1.0)
    follower.stop()
    assert swapped == [] and len(calls) == 2  # the first load, then one failed attempt
    assert follower.version == 0


def test_two_threads_refreshing_at_once_load_once(small_corpus, tmp_path):
    """The adder's refresh and the watcher's, at the same moment: one load, one hand-over."""
    index_dir = tmp_path / "index"
    loads = []

    def load(folder: Path, **kwargs):
        loads.append(threading.current_thread().name)
        return load_engine(folder, index_dir, embeddings="none", **kwargs)

    follower = CorpusFollower(FolderArticles(small_corpus), index_dir, load)
    follower.load()
    handed = []
    follower.follow(handed.append)
    FolderArticles(small_corpus).add(DRAFT)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: follower.refresh(), range(2)))
    assert sorted(results) == [False, True] and len(handed) == 1 and len(loads) == 2


def test_corpus_poll_seconds_is_explained_in_french(monkeypatch):
    """A poll interval out of range fails fast, naming the variable and its range."""
    from openai_deals.settings import SettingsError, load_settings

    monkeypatch.setenv("CORPUS_POLL_SECONDS", "0")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value) == (
        "Configuration invalide : CORPUS_POLL_SECONDS doit être un nombre de secondes, plus "
        "grand que 0 et au plus 300 (reçu : 0). Corrigez-le dans l’environnement."
    )
