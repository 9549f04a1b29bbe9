"""The articles of record, and the corpus version every process watches.

Two places can hold the articles, chosen by :func:`open_articles` from the settings:

* :class:`FolderArticles` (one machine: SQLite or no database): ``CORPUS_DIR`` is the record,
  one Markdown file per article, as ``openai-deals add`` always wrote it. The duplicate check
  and the write hold an ``flock`` on the folder (``retrieval.ingestion.add.corpus_lock``), so two
  processes of the machine never both write one article. The version is a hidden file of the
  folder, ``.openai-deals-version``, bumped under the same lock (hidden: never read as an
  article, never part of the index's cache key).
* :class:`DatabaseArticles` (``DATABASE_URL`` on PostgreSQL, and ``CORPUS_DIR`` set): one table,
  ``openai_deals_articles`` (id, Markdown, metadata), and one row,
  ``openai_deals_corpus_version``. An addition locks that row (``SELECT … FOR UPDATE``), checks
  for duplicates among the rows, inserts and bumps the version in one transaction: every
  process of every machine sees the article, or none does, and two additions at once are one
  after the other whichever machine runs them. A file lock cannot do that across machines.
  The index is built from files, so each machine keeps a mirror of the rows,
  ``<INDEX_DIR>/openai-deals-index/corpus/`` (:meth:`DatabaseArticles.build_folder`), rewritten
  under the build lock; the first start copies ``CORPUS_DIR``'s articles into the empty table.

The build lock and the mirror live in ``<INDEX_DIR>/openai-deals-index/corpus/``, inside the
index store's own marked folder (``retrieval.indexing.cache``): nothing is written loose in
INDEX_DIR.

Both give the same :class:`~openai_deals.retrieval.ingestion.add.Added` and refusals
(:class:`~openai_deals.retrieval.ingestion.sources.AddRefused`) as
``retrieval.ingestion.add``; removing an article that is not there raises
:class:`ArticleNotFound`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from openai_deals.database import database_engine
from openai_deals.retrieval.files import write_atomically
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.indexing.cache import store_dir
from openai_deals.retrieval.ingestion.add import (
    Added,
    add_to_corpus,
    article_file_name,
    article_markdown,
    check_corpus_dir,
    corpus_lock,
    duplicates_among,
    flock_within,
    refuse_duplicates,
)
from openai_deals.retrieval.ingestion.corpus import (
    ArticleFile,
    CorpusFileError,
    parse_article,
    read_corpus,
)
from openai_deals.retrieval.ingestion.sources import AddProblem, AddRefused, Draft

if TYPE_CHECKING:
    from openai_deals.settings import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not serialised
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

VERSION_FILE = ".openai-deals-version"
#: The folder of the index store that this module owns: the build lock, the database's mirror.
LIVE_FOLDER = "corpus"
BUILD_LOCK = ".build.lock"
# A build of thousands of articles from scratch takes minutes; a waiter is a background thread.
BUILD_LOCK_WAIT_SECONDS = 900.0

metadata = sa.MetaData()

articles_table = sa.Table(
    "openai_deals_articles",
    metadata,
    sa.Column("id", sa.String(200), primary_key=True),
    sa.Column("markdown", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("date", sa.String(10), nullable=False),
    sa.Column("source", sa.Text, nullable=False, default=""),
    sa.Column("url", sa.Text, nullable=False, default=""),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

version_table = sa.Table(
    "openai_deals_corpus_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
)


class ArticleNotFound(LookupError):
    """No article of the corpus has this id."""

    def __init__(self, article_id: str) -> None:
        super().__init__(f"no article with id {article_id!r}")
        self.article_id = article_id


@dataclass(frozen=True)
class Removed:
    """The article :meth:`Articles.remove` took out of the corpus."""

    article_id: str
    title: str


class Articles(Protocol):
    """Where the articles of record are kept, and their version."""

    where: str  # for logs

    def check(self) -> None:
        """Refuse at once (``AddRefused``) when nothing could be written, before fetching."""
        ...

    def version(self) -> int:
        """The corpus version: bumped by every addition and removal, in every process."""
        ...

    def add(self, draft: Draft, *, force: bool = False) -> Added:
        """Add ``draft`` (raises ``AddRefused``, DUPLICATE unless ``force``)."""
        ...

    def remove(self, article_id: str) -> Removed:
        """Remove the article ``article_id`` (raises :class:`ArticleNotFound`)."""
        ...

    def build_folder(self) -> tuple[Path, int]:
        """The folder to build the index from, holding the articles of the version returned
        (call it holding :func:`build_lock`)."""
        ...


# -- One machine: the folder is the record ----------------------------------------------------


class FolderArticles:
    """``CORPUS_DIR`` as the record, with a file lock and a version file."""

    def __init__(self, corpus_dir: Path) -> None:
        self.corpus_dir = Path(corpus_dir)
        self.where = str(self.corpus_dir)

    def check(self) -> None:
        check_corpus_dir(self.corpus_dir)

    def version(self) -> int:
        try:
            return int((self.corpus_dir / VERSION_FILE).read_text().strip() or 0)
        except (OSError, ValueError):
            return 0  # never bumped (the bundled articles, a folder written by hand)

    def _bump(self) -> None:
        # Under corpus_lock: the read and the write are one step for every process.
        write_atomically(self.corpus_dir / VERSION_FILE, f"{self.version() + 1}\n".encode())

    def add(self, draft: Draft, *, force: bool = False) -> Added:
        return add_to_corpus(draft, self.corpus_dir, force=force, on_written=self._bump)

    def remove(self, article_id: str) -> Removed:
        check_corpus_dir(self.corpus_dir)
        with corpus_lock(self.corpus_dir):
            files, _ = read_corpus(self.corpus_dir)
            found = next((f for f in files if f.article.article_id == article_id), None)
            if found is None:
                raise ArticleNotFound(article_id)
            try:
                found.path.unlink()
            except OSError as exc:
                raise AddRefused(
                    AddProblem.CORPUS_NOT_WRITABLE, path=str(self.corpus_dir), reason=exc.strerror
                ) from None
            self._bump()
        return Removed(article_id, found.article.title)

    def build_folder(self) -> tuple[Path, int]:
        # The version first: files changed after it are seen again at the next bump.
        return self.corpus_dir, self.version()


# -- Several machines: the database is the record --------------------------------------------


class DatabaseArticles:
    """The articles in ``openai_deals_articles``; each machine builds from its mirror.

    Args:
        engine: the SQLAlchemy engine of ``DATABASE_URL``.
        mirror: the folder the rows are written to for the index build.
        seed: a folder whose articles fill the table the first time (version 0), or None.
    """

    def __init__(self, engine: sa.Engine, mirror: Path, seed: Path | None = None) -> None:
        self.engine = engine
        self.mirror = Path(mirror)
        self.where = engine.url.render_as_string(hide_password=True)
        _create_tables(engine)
        self._seed(seed)

    def check(self) -> None:
        """Nothing to check before fetching: the database says at the write."""

    def _seed(self, folder: Path | None) -> None:
        with self.engine.begin() as connection:
            version = _lock_version(connection)
            if version or folder is None or not folder.is_dir():
                return
            files, _ = read_corpus(folder)
            now = datetime.now(timezone.utc)
            for file in files:
                connection.execute(
                    articles_table.insert().values(
                        id=file.article.article_id,
                        markdown=file.path.read_text(encoding="utf-8"),
                        **_meta(file),
                        added_at=now,
                    )
                )
            _bump(connection)
        logger.info("Articles of %s copied into the database (%d articles)", folder, len(files))

    def version(self) -> int:
        with self.engine.connect() as connection:
            found = connection.execute(
                sa.select(version_table.c.version).where(version_table.c.id == 1)
            ).scalar()
        return int(found or 0)

    def _files(self, connection: sa.Connection) -> list[ArticleFile]:
        rows = connection.execute(sa.select(articles_table.c.id, articles_table.c.markdown))
        files = []
        for article_id, markdown in rows:
            try:
                files.append(parse_article(markdown, self.mirror / f"{article_id}.md"))
            except CorpusFileError:
                logger.warning("Article %s of the database is unreadable", article_id)
        return files

    def add(self, draft: Draft, *, force: bool = False) -> Added:
        with self.engine.begin() as connection:
            _lock_version(connection)  # held until the commit: additions go one at a time
            files = self._files(connection)
            duplicates = duplicates_among(draft, files)
            refuse_duplicates(duplicates, force)
            replaced = {d.path.stem for d in duplicates}
            ids = {f.article.article_id for f in files}
            name = article_file_name(draft, lambda n: n[:-3] in ids and n[:-3] not in replaced)
            article_id = name[:-3]
            text = article_markdown(draft)
            parsed = parse_article(text, self.mirror / name)  # fails here rather than at build
            if replaced:
                connection.execute(articles_table.delete().where(articles_table.c.id.in_(replaced)))
            connection.execute(
                articles_table.insert().values(
                    id=article_id,
                    markdown=text,
                    **_meta(parsed),
                    added_at=datetime.now(timezone.utc),
                )
            )
            _bump(connection)
        return Added(self.mirror / name, article_id, tuple(d.path for d in duplicates))

    def remove(self, article_id: str) -> Removed:
        with self.engine.begin() as connection:
            _lock_version(connection)
            title = connection.execute(
                sa.select(articles_table.c.title).where(articles_table.c.id == article_id)
            ).scalar()
            if title is None:
                raise ArticleNotFound(article_id)
            connection.execute(articles_table.delete().where(articles_table.c.id == article_id))
            _bump(connection)
        return Removed(article_id, title)

    def build_folder(self) -> tuple[Path, int]:
        """Rewrite the mirror to hold exactly the rows (changed files only), and return it
        with the version it holds (read first: a later change is seen at the next check)."""
        version = self.version()
        with self.engine.connect() as connection:
            rows = dict(
                connection.execute(sa.select(articles_table.c.id, articles_table.c.markdown)).all()
            )
        self.mirror.mkdir(parents=True, exist_ok=True)  # build_lock made its parent the store's
        for article_id, markdown in rows.items():
            path = self.mirror / f"{article_id}.md"
            data = markdown.encode("utf-8")
            with contextlib.suppress(OSError):
                if path.read_bytes() == data:
                    continue
            write_atomically(path, data, mode=0o644)
        for path in self.mirror.glob("*.md"):
            if path.stem not in rows:
                path.unlink(missing_ok=True)
        return self.mirror, version


def _meta(file: ArticleFile) -> dict:
    a = file.article
    return {"title": a.title, "date": a.date, "source": a.source, "url": a.url}


def _create_tables(engine: sa.Engine) -> None:
    try:
        metadata.create_all(engine)
    except sa.exc.SQLAlchemyError:
        # Two processes starting at once both saw no table: the second CREATE fails. The
        # tables now exist; anything else fails again here, loudly.
        metadata.create_all(engine)
    with contextlib.suppress(sa.exc.IntegrityError), engine.begin() as connection:
        if connection.execute(sa.select(version_table.c.id)).first() is None:
            connection.execute(version_table.insert().values(id=1, version=0))


def _lock_version(connection: sa.Connection) -> int:
    """The version row, locked until the transaction ends (PostgreSQL's row lock: other
    writers wait; readers do not)."""
    query = sa.select(version_table.c.version).where(version_table.c.id == 1).with_for_update()
    return int(connection.execute(query).scalar() or 0)


def _bump(connection: sa.Connection) -> None:
    connection.execute(
        version_table.update()
        .where(version_table.c.id == 1)
        .values(version=version_table.c.version + 1)
    )


# -- Choosing, and the build lock -------------------------------------------------------------


def live_folder(index_dir: Path) -> Path:
    """``<index_dir>/openai-deals-index/corpus``: the build lock, and the database's mirror."""
    return store_dir(index_dir) / LIVE_FOLDER


def uses_database(database_url: str | None, corpus_dir_is_bundled: bool) -> bool:
    """True when the articles of record are in the database: ``DATABASE_URL`` names a
    server (not a SQLite file: one machine, where the folder does) and ``CORPUS_DIR`` is
    set (the bundled articles are never added to)."""
    if not database_url or corpus_dir_is_bundled:
        return False
    return make_url(database_url).get_backend_name() != "sqlite"


def open_articles(settings: Settings) -> Articles:
    """The articles of record for ``settings`` (see the module docstring)."""
    url = settings.database_url
    if url and uses_database(url, settings.corpus_dir_is_bundled):
        mirror = live_folder(settings.resolved_index_dir)
        return DatabaseArticles(database_engine(url), mirror, seed=settings.corpus_dir)
    return FolderArticles(settings.corpus_dir)


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: float = BUILD_LOCK_WAIT_SECONDS) -> Iterator[bool]:
    """Hold the exclusive lock of the index builds of ``index_dir`` (released at the end of
    the block, or when the process dies: a build killed midway frees it). Yields False when
    it could not be had within ``wait`` seconds, or the folder cannot be written (the build
    then goes ahead unlocked: the store's own writes stay atomic)."""
    folder = live_folder(index_dir)
    try:
        store.claim(store_dir(index_dir))  # the store's marker first: the folder stays its own
        folder.mkdir(exist_ok=True)
        fd = os.open(folder / BUILD_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only INDEX_DIR: nobody builds there anyway
        logger.info("No build lock in %s (%s); building without it", folder, exc)
        yield False
        return
    try:
        if fcntl is None:  # pragma: no cover - Windows
            yield False
            return
        if not flock_within(fd, wait):
            logger.warning("Build lock of %s held over %.0f s", folder, wait)
            yield False
            return
        yield True
    finally:
        os.close(fd)
