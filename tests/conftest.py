"""Shared fixtures: the real corpus indexed once per session into a temporary cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_standin import NewsSite

from openai_deals.retrieval.engine import Engine, load_engine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "openai_deals" / "corpus"


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
