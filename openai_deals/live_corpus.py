"""One process following the corpus: whichever process adds or removes an article, this one
answers from the new corpus within ``CORPUS_POLL_SECONDS`` plus the time to load it.

:class:`CorpusFollower` reads the corpus version (:mod:`openai_deals.articles`: a row of the
database, or a file of the corpus folder) every ``CORPUS_POLL_SECONDS`` on a daemon thread.
When it changed, the same thread loads the engine of the new version and hands it over
(``Answerer.follow``: the engine, the timeline, the articles); questions meanwhile are
answered by the engine in place, which stays whole (``retrieval.answering.live``).

Loading holds the build lock of ``INDEX_DIR`` (:func:`openai_deals.articles.build_lock`): with
one ``INDEX_DIR`` shared by the processes of a machine, the first process to take it builds
the index and saves it under the corpus's content key; the others, behind it, find that key in
the store and load it (memory-mapped, shared pages). With one ``INDEX_DIR`` per machine, each
builds from the shared corpus, the per-article caches keeping that to the changed articles.
A process killed mid-build releases the lock by dying, and the store never names a half-written
version: the previous index stays live and the next process to look builds again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openai_deals.articles import Articles, build_lock, open_articles

if TYPE_CHECKING:
    from openai_deals.retrieval.answering.engine import Engine
    from openai_deals.settings import Settings

logger = logging.getLogger(__name__)

#: ``load(folder, **kwargs) -> Engine``: the engine of the articles of ``folder``.
Loader = Callable[..., "Engine"]


class CorpusFollower:
    """Keeps one process's engine on the current corpus version.

    Args:
        articles: where the articles of record and their version are.
        index_dir: the index cache (its build lock serialises the builds).
        load: builds or loads the engine of a folder (``retrieval.answering.engine.load_engine``).
        interval: seconds between two looks at the version.
    """

    def __init__(
        self, articles: Articles, index_dir: Path, load: Loader, *, interval: float = 2.0
    ) -> None:
        self.articles = articles
        self.index_dir = Path(index_dir)
        self.interval = interval
        self.version: int | None = None  # the version of the engine handed over last
        self._load = load
        self._refresh_lock = threading.Lock()
        self._on_new: Callable[[Engine], None] | None = None
        self._failed_version: int | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop = threading.Event()
        self._last_warning = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> CorpusFollower:
        """The follower of ``settings``' corpus (``open_articles``), loading with its index
        folder and embeddings."""
        from openai_deals.retrieval.answering.engine import load_engine  # the slow import

        def load(folder: Path, **kwargs: Any) -> Engine:
            return load_engine(
                folder,
                settings.resolved_index_dir,
                embeddings=settings.embeddings,
                shared_cache=settings.shared_cache_dir,
                reader=settings.reader,
                **kwargs,
            )

        return cls(
            open_articles(settings),
            settings.resolved_index_dir,
            load,
            interval=settings.corpus_poll_seconds,
        )

    def load(self, **kwargs: Any) -> Engine:
        """The engine of the current version (built, or loaded if another process built it),
        holding the build lock; ``kwargs`` go to the loader (``rebuild``, ``progress``…).
        It becomes this follower's version."""
        engine, version = self._build(**kwargs)
        self.version = version
        return engine

    def _build(self, **kwargs: Any) -> tuple[Engine, int]:
        started = time.monotonic()
        with build_lock(self.index_dir):
            waited = time.monotonic() - started
            folder, version = self.articles.build_folder()
            engine = self._load(folder, **kwargs)
        stats = engine.stats
        logger.info(
            "Corpus version %d (%s): index %s in %.2f s after %.2f s waiting for the build "
            "lock; %d articles analysed, %d sentences embedded",
            version,
            self.articles.where,
            "loaded" if stats is None or stats.index_from_cache else "built",
            time.monotonic() - started - waited,
            waited,
            stats.analysed_articles if stats else 0,
            stats.embedded_sentences if stats else 0,
        )
        return engine, version

    def follow(self, on_new: Callable[[Engine], None]) -> None:
        """Hand every new engine to ``on_new`` (the answerer's ``follow``)."""
        self._on_new = on_new

    def refresh(self) -> bool:
        """If the corpus version is not the one loaded, load the new one and hand it over;
        True when it did. Raises what the loader raises (the engine in place stays)."""
        with self._refresh_lock:
            current = self.articles.version()
            if current == self.version:
                return False
            engine, version = self._build()
            if self._on_new is not None:
                self._on_new(engine)
            self.version = version
            logger.info("Now answering from corpus version %d", version)
            return True

    # -- the watching thread -------------------------------------------------------------

    def start(self) -> None:
        """Watch the version on a daemon thread of this process (again after a fork:
        threads do not survive one, so gunicorn's workers each start their own)."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return  # the common case, on every request of wsgi.py: no lock
        with _start_lock:
            if self._pid == os.getpid() and self._thread is not None:
                return
            self._pid = os.getpid()
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._watch, name="corpus-watch", daemon=True)
            self._thread.start()
        logger.info(
            "Watching the corpus version (%s) every %.1f s", self.articles.where, self.interval
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching (the thread ends after its current look)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._look()
            except Exception:
                # The database or the disk failed: the engine in place answers on; warn at
                # most once a minute while it lasts.
                if time.monotonic() - self._last_warning >= 60:
                    self._last_warning = time.monotonic()
                    logger.exception("Could not check or load the corpus; answering as before")

    def _look(self) -> None:
        current = self.articles.version()
        if current == self.version or current == self._failed_version:
            return
        try:
            self.refresh()
        except Exception:
            # Not retried until the version changes again (a corpus left empty, an unreadable
            # article): one traceback per version, not one every interval.
            self._failed_version = current
            logger.exception("Could not load corpus version %d; answering as before", current)
            return
        self._failed_version = None


_followers: list[CorpusFollower] = []
# A lock made before a fork is copied in whatever state it was: only ever held for the few
# lines of ``start``, and never by the master of gunicorn (which never starts a follower).
_start_lock = threading.Lock()


def register(follower: CorpusFollower) -> CorpusFollower:
    """Make ``follower`` the one :func:`start_all` starts (gunicorn's ``post_fork``): one
    process serves one app, so a later start-up (tests run several) replaces the earlier."""
    _followers[:] = [follower]
    return follower


def start_all() -> None:
    """Start every registered follower's thread in this process."""
    for follower in _followers:
        follower.start()
