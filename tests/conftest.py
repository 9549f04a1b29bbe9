"""Shared fixtures: the real corpus indexed once per session into a temporary cache, and a
small two-article corpus for tests that check rules rather than the bundled articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Real Redis and PostgreSQL servers (tests/servers.py), imported so that every test sees them.
from servers import own_redis, postgres_server, postgres_url, redis_server  # noqa: F401
from two_articles import write_small_corpus
from web_standin import NewsSite

from openai_deals.retrieval.engine import Engine, load_engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "openai_deals" / "corpus"


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


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    """A local web server (127.0.0.1) serving the pages each test configures."""
    site = NewsSite()
    yield site
    site.close()
