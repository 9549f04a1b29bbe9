"""The persistent index: load it from the cache directory, or build it and save it.

The cache key hashes everything the index depends on: every corpus file (name and bytes), the
retrieval parameters, and the source of the code that turns text into terms (analyzer, language
data, clean-up, sentence splitting, index layout). Change any of them and the next start
rebuilds; change nothing and every run reuses the cache.

The store lives in a dedicated subfolder, ``<index_dir>/openai-deals-index/``, marked as its own
(see ``store``): whatever else is in ``index_dir`` is never read, written or deleted. The
sentence-vector and tokenizer caches of the engine live in that same folder
(:func:`owned_cache_dir`), under names the store never touches.

A rebuild reads each unchanged article's analysis back from
``<index_dir>/openai-deals-index/articles/`` (:mod:`.article_cache`, keyed by the same code hash
and the article's content), so adding an article to the corpus analyses that article only.
Like the vectors, those analyses are kept only in the store's claimed folder: the first build
(before the store has claimed it) writes them right after the store's first save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from openai_deals.retrieval.files import remove_stale_temporaries
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.indexing.article_cache import ArticleCache
from openai_deals.retrieval.indexing.index import Index, Params, build_index
from openai_deals.retrieval.ingestion.corpus import corpus_listing

logger = logging.getLogger(__name__)

_PACKAGE = Path(__file__).resolve().parent.parent
#: The one folder inside ``index_dir`` that the index store owns.
STORE_FOLDER = "openai-deals-index"
# The code whose output is stored in the index.
_INDEXING_CODE = (
    "analyzer.py",
    "ingestion/clean.py",
    "ingestion/sentences.py",
    "ingestion/corpus.py",
    "indexing/index.py",
    "indexing/bm25.py",
    "deals/extract.py",  # the deals are stored with the index
    "model.py",
    "indexing/article_cache.py",
)
ARTICLES_SUBDIR = "articles"


def code_key(params: Params) -> str:
    """The hash of what an index depends on besides the corpus: code and parameters."""
    parts: list = [params.index_key(), f"store={store.FORMAT_VERSION}"]
    for name in _INDEXING_CODE:
        parts += [name, _PACKAGE / name]
    for path in sorted((_PACKAGE / "lang").glob("*.py")):
        parts += [path.name, path]
    return store.content_key(*parts)


def cache_key(corpus_dir: Path, params: Params) -> str:
    """The content hash an index of ``corpus_dir`` built with ``params`` is stored under."""
    parts: list = [code_key(params)]
    articles, ignored = corpus_listing(corpus_dir)
    for path in articles:
        parts += [path.name, path]
    # The index reports the entries it did not read: a new one must refresh that report.
    parts += [f"ignored:{problem.file}" for problem in ignored]
    return store.content_key(*parts)


class CacheSaveError(OSError):
    """The index was built but could not be saved in its cache directory."""

    def __init__(self, index_dir: Path, reason: str) -> None:
        super().__init__(f"could not save the index cache to {index_dir} ({reason})")
        self.index_dir, self.reason = Path(index_dir), reason


def store_dir(index_dir: Path) -> Path:
    """The folder inside ``index_dir`` where the index store keeps its versions."""
    return Path(index_dir) / STORE_FOLDER


def owned_cache_dir(index_dir: Path) -> Path | None:
    """Where the other caches of the index (sentence vectors, the parsed tokenizer) may be
    kept: the store's folder once the store has claimed it (its marker is there), else None
    (keep nothing on disk). Nothing is ever written in ``index_dir`` itself."""
    folder = store_dir(index_dir)
    return folder if (folder / store.STORE_MARKER).is_file() else None


def load_or_build(
    corpus_dir: Path,
    index_dir: Path,
    params: Params = Params(),
    *,
    rebuild: bool = False,
    n_process: int = 1,
    progress: Callable[[], None] | None = None,
    must_save: bool = False,
    on_build: Callable[[int], None] | None = None,
) -> tuple[Index, bool]:
    """Return the index of ``corpus_dir`` and whether it came from the cache.

    A missing, stale, partial or corrupt cache is rebuilt (never served), from the
    per-article cache for the articles it has; the new index is saved atomically. A cache
    directory that cannot be written is logged and the index is still returned, unless
    ``must_save`` (``openai-deals index``, whose whole job is the saved cache).
    ``on_build(articles)`` is called once a build is known to be needed, before it starts,
    with the number of corpus files it reads (the terminal says what the wait is for).

    Raises:
        CacheSaveError: with ``must_save``, the built index could not be saved.
    """
    key = cache_key(corpus_dir, params)
    folder = store_dir(index_dir)
    own_folder = owned_cache_dir(index_dir)
    if own_folder is not None:
        # What a process killed while writing the vectors or the weights copy left behind.
        remove_stale_temporaries(own_folder)
    if not rebuild:
        loaded = store.load_index(folder, key)
        if loaded is not None:
            arrays, meta = loaded
            try:
                return Index(arrays, meta), True
            except (ValueError, KeyError, TypeError) as exc:
                # Intact bytes but not the layout this code reads: never serve it, rebuild.
                logger.warning(
                    "Index cache %s has an unreadable layout (%s); rebuilding.", folder, exc
                )
    if on_build is not None:
        on_build(len(corpus_listing(corpus_dir)[0]))
    articles = ArticleCache(_articles_dir(index_dir), code_key(params))
    index = build_index(
        corpus_dir, params, n_process=n_process, progress=progress, article_cache=articles
    )
    try:
        store.save_index(folder, *index.to_store(), key=key)
    except OSError as exc:
        if must_save:
            raise CacheSaveError(index_dir, exc.strerror or str(exc)) from exc
        logger.warning(
            "Could not save the index cache to %s (%s); continuing.",
            folder,
            exc,
            # The terminal words it for people from this record (see openai_deals.cli).
            extra={"problem": CacheSaveError(index_dir, exc.strerror or str(exc))},
        )
    if articles.directory is None:
        # The first save has just claimed the store's folder (or could not): only then may
        # the analyses made by this build be written, inside it.
        owned = _articles_dir(index_dir)
        if owned is not None:
            articles.settle_in(owned)
    return index, False


def _articles_dir(index_dir: Path) -> Path | None:
    """Where the per-article analyses are kept: inside the store's own folder, or nowhere
    while the store has not claimed it."""
    owned = owned_cache_dir(index_dir)
    return owned / ARTICLES_SUBDIR if owned is not None else None
