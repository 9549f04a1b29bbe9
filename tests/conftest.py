"""Shared fixtures: the real corpus indexed once per session into a temporary cache, and a
small two-article corpus for tests that check rules rather than the bundled articles."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Real Redis and PostgreSQL servers (tests/servers.py), imported so that every test sees them.
from servers import own_redis, postgres_server, postgres_url, redis_server  # noqa: F401
from two_articles import write_small_corpus
from web_standin import NewsSite

from openai_deals.retrieval.answering.engine import Engine, load_engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "openai_deals" / "corpus"
# The folders platformdirs (and so the app) writes to: a home, data, cache, config, state.
USER_FOLDERS = ("XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME")


def own_folders(home: Path) -> dict[str, str]:
    """``HOME`` and the XDG folders under ``home``, created."""
    values = {"HOME": home, **{name: home / name.lower() for name in USER_FOLDERS}}
    for folder in values.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {name: str(folder) for name, folder in values.items()}


def pytest_configure(config: pytest.Config) -> None:
    """Before any test, fixture or import: the session's own home and XDG folders, so that
    nothing (a session fixture, a library's cache) reaches the user's real ones."""
    home = Path(tempfile.mkdtemp(prefix="openai-deals-tests-home-"))
    config.add_cleanup(lambda: shutil.rmtree(home, ignore_errors=True))
    os.environ.update(own_folders(home))


@pytest.fixture(autouse=True)
def _own_user_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each test gets a home, data and config folders of its own (a pseudonym key, a SQLite
    file or a .env made by one test is never seen by the next); subprocesses inherit them.
    The cache stays the session's (the lemma tables, parsed once), never the user's."""
    for name, value in own_folders(tmp_path_factory.mktemp("home")).items():
        if name != "XDG_CACHE_HOME":
            monkeypatch.setenv(name, value)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """A fresh two-article corpus directory the test may edit."""
    return write_small_corpus(tmp_path / "corpus")


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def engine(index_dir: Path) -> Engine:
    """The answering engine over the bundled corpus (spaCy runs once for the whole session)."""
    return load_engine(CORPUS, index_dir)


@pytest.fixture(scope="session")
def first_stages(engine: Engine) -> Engine:
    """The session's engine without its reader (READER=none): the same index and vectors."""
    return Engine(
        engine.index, engine.params, embedder=engine.embedder, vectors=engine._vectors
    )


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    """A local web server (127.0.0.1) serving the pages each test configures."""
    site = NewsSite()
    yield site
    site.close()
