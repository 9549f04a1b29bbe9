"""Adding an article to a corpus directory: duplicates, the file, the bundled articles.

``add_to_corpus(draft, corpus_dir)`` writes ``<date>-<slug>.md`` in the documented format
(``corpus/README.md``), unless the corpus already holds the article:

- the same URL (compared without scheme case, ``www.``, default port, trailing slash,
  fragment or ``utm_*`` parameters), or
- a near-identical body: the Jaccard index of the two bodies' sets of word 5-grams
  ("shingles", Broder 1997) is at least ``DUPLICATE_JACCARD`` (0.8). Re-published copies,
  a corrected typo or a changed headline stay above it; two articles on the same deal
  share far fewer 5-grams (the five bundled ones: at most 0.04 between any two).

``force=True`` replaces the duplicates instead. Writing is atomic (a temporary file then
``os.replace``), so an index build never reads half an article. The duplicate check and the
write hold an exclusive lock on the corpus folder itself (``flock`` on the directory: no lock
file among the articles), so two additions at once, from two processes or threads, write
the article once. Rebuilding the index is the caller's job
(``retrieval.answering.engine.load_engine``).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from openai_deals.retrieval.files import write_atomically
from openai_deals.retrieval.ingestion.clean import clean_body
from openai_deals.retrieval.ingestion.corpus import (
    ArticleFile,
    corpus_files,
    parse_article,
    read_corpus,
)
from openai_deals.retrieval.ingestion.sources import AddProblem, AddRefused, Draft

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock, as before
    fcntl = None  # type: ignore[assignment]

DUPLICATE_JACCARD = 0.8
# How long an addition waits for another one to finish its check and write (a fraction of a
# second, a few seconds for a corpus of hundreds of articles) before giving up.
LOCK_WAIT_SECONDS = 30.0
_LOCK_POLL_SECONDS = 0.05
SHINGLE_WORDS = 5
MAX_SLUG_CHARS = 60

_WORD = re.compile(r"\w+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Duplicate:
    """An article of the corpus that the new one repeats."""

    path: Path
    title: str
    reason: str  # "url" or "text"
    similarity: float  # Jaccard of the shingles (1.0 for a same URL)


@dataclass(frozen=True)
class Added:
    """What ``add_to_corpus`` wrote: the file, the article id and the files it replaced."""

    path: Path
    article_id: str
    replaced: tuple[Path, ...] = ()


def slugify(title: str, limit: int = MAX_SLUG_CHARS) -> str:
    """ "Mistral AI lève 1,2 milliard" -> "mistral-ai-leve-1-2-milliard" (ASCII, at most
    ``limit`` characters, cut between words)."""
    folded = title.casefold().replace("œ", "oe").replace("æ", "ae")  # no decomposition
    decomposed = unicodedata.normalize("NFKD", folded)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = _NOT_SLUG.sub("-", ascii_only).strip("-")
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return slug or "article"


def same_url_key(url: str) -> str:
    """A URL reduced to what identifies the page, for comparing two addresses."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    query = [(k, v) for k, v in parse_qsl(parts.query) if not k.lower().startswith("utm_")]
    path = parts.path.rstrip("/") or "/"
    netloc = f"{host}:{port}" if port else host
    return f"{netloc}{path}?{urlencode(sorted(query))}" if query else f"{netloc}{path}"


def shingles(paragraphs: list[str] | tuple[str, ...], size: int = SHINGLE_WORDS) -> set[tuple]:
    """The set of ``size``-word sequences of a text (lower-cased words)."""
    words = [w.casefold() for p in paragraphs for w in _WORD.findall(p)]
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def jaccard(a: set, b: set) -> float:
    """|a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def find_duplicates(draft: Draft, corpus_dir: Path) -> list[Duplicate]:
    """The articles of ``corpus_dir`` with one of ``draft``'s URLs or a near-identical body."""
    if not corpus_dir.is_dir():
        return []
    return duplicates_among(draft, read_corpus(corpus_dir)[0])


def duplicates_among(draft: Draft, files: list[ArticleFile]) -> list[Duplicate]:
    """The articles of ``files`` with one of ``draft``'s URLs or a near-identical body (the
    same rule wherever the articles are kept: a folder or the database)."""
    urls = {same_url_key(u) for u in (draft.url, *draft.other_urls) if u}
    mine = shingles(draft.paragraphs)
    found: list[Duplicate] = []
    for file in files:
        article = file.article
        if article.url and same_url_key(article.url) in urls:
            found.append(Duplicate(file.path, article.title, "url", 1.0))
            continue
        similarity = jaccard(mine, shingles(clean_body(file.body, title=article.title)))
        if similarity >= DUPLICATE_JACCARD:
            found.append(Duplicate(file.path, article.title, "text", similarity))
    return found


def check_corpus_dir(corpus_dir: Path) -> None:
    """Refuse a corpus directory that does not exist or cannot be written, before any
    fetching.

    Raises:
        AddRefused: CORPUS_MISSING or CORPUS_NOT_WRITABLE.
    """
    if not corpus_dir.is_dir():
        raise AddRefused(AddProblem.CORPUS_MISSING, path=str(corpus_dir))
    if not os.access(corpus_dir, os.W_OK | os.X_OK):
        raise AddRefused(AddProblem.CORPUS_NOT_WRITABLE, path=str(corpus_dir))


def article_markdown(draft: Draft) -> str:
    """The corpus file for ``draft``: front matter, then one paragraph per line, blank
    lines between them."""

    def one_line(value: str) -> str:
        return " ".join(value.split())

    meta = [("title", draft.title), ("date", draft.date), ("source", draft.source),
            ("language", "fr"), ("url", draft.url)]  # fmt: skip
    head = [f"{key}: {one_line(value)}" for key, value in meta if one_line(value)]
    return "---\n" + "\n".join(head) + "\n---\n" + "\n\n".join(draft.paragraphs) + "\n"


def flock_within(fd: int, wait: float) -> bool:
    """Take an exclusive ``flock`` on ``fd``, polling for at most ``wait`` seconds; False
    when another holder kept it that long."""
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_LOCK_POLL_SECONDS)


@contextlib.contextmanager
def corpus_lock(corpus_dir: Path, wait: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold an exclusive lock on the corpus folder (released when the block ends, or when
    the process dies).

    Raises:
        AddRefused: CORPUS_BUSY when another holder kept it more than ``wait`` seconds.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    fd = os.open(corpus_dir, os.O_RDONLY)
    try:
        if not flock_within(fd, wait):
            raise AddRefused(AddProblem.CORPUS_BUSY, path=str(corpus_dir), seconds=round(wait))
        yield
    finally:
        os.close(fd)  # releases the lock


def add_to_corpus(
    draft: Draft,
    corpus_dir: Path,
    *,
    force: bool = False,
    lock_wait: float = LOCK_WAIT_SECONDS,
    on_written: Callable[[], None] | None = None,
) -> Added:
    """Write ``draft`` into ``corpus_dir`` as ``<date>-<slug>.md``.

    Args:
        draft: the article (``sources.read_source``).
        corpus_dir: the corpus directory (it must exist: see ``init_corpus``).
        force: replace the duplicates instead of refusing.
        lock_wait: seconds to wait for another addition to the same corpus to finish.
        on_written: called once the article is written, still holding the lock (the corpus
            version is bumped there: ``openai_deals.articles``).

    Raises:
        AddRefused: DUPLICATE (with the first duplicate's ``title``, ``path`` and ``reason``)
            unless ``force``; CORPUS_MISSING, CORPUS_NOT_WRITABLE or CORPUS_BUSY.
    """
    check_corpus_dir(corpus_dir)
    with corpus_lock(corpus_dir, lock_wait):
        added = _add_locked(draft, corpus_dir, force)
        if on_written is not None:
            on_written()
        return added


def article_file_name(draft: Draft, taken: Callable[[str], bool]) -> str:
    """``<date>-<slug>.md`` for ``draft``, or ``<date>-<slug>-2.md``… while ``taken``."""
    stem = f"{draft.date}-{slugify(draft.title)}"
    name, n = f"{stem}.md", 2
    while taken(name):
        name, n = f"{stem}-{n}.md", n + 1
    return name


def refuse_duplicates(duplicates: list, force: bool) -> None:
    """Raise the refusal for the first of ``duplicates`` unless ``force`` (one wording for
    every place articles are stored)."""
    if duplicates and not force:
        first = duplicates[0]
        raise AddRefused(
            AddProblem.DUPLICATE,
            title=first.title,
            path=first.path.name,
            reason=first.reason,
            similarity=first.similarity,
        )


def _add_locked(draft: Draft, corpus_dir: Path, force: bool) -> Added:
    duplicates = find_duplicates(draft, corpus_dir)
    refuse_duplicates(duplicates, force)
    replaced = {d.path.name for d in duplicates}
    name = article_file_name(draft, lambda n: (corpus_dir / n).exists() and n not in replaced)
    path = corpus_dir / name
    text = article_markdown(draft)
    parse_article(text, path)  # what the index will read: fails here rather than there
    try:
        write_atomically(path, text.encode("utf-8"), mode=0o644)
        for duplicate in duplicates:
            if duplicate.path != path:
                duplicate.path.unlink(missing_ok=True)
    except OSError as exc:
        raise AddRefused(
            AddProblem.CORPUS_NOT_WRITABLE, path=str(corpus_dir), reason=exc.strerror
        ) from None
    return Added(path, path.stem, tuple(d.path for d in duplicates))


def init_corpus(corpus_dir: Path, bundled_dir: Path) -> list[Path]:
    """Copy the bundled articles into ``corpus_dir`` (created if missing), leaving any file
    already there untouched. Returns the files copied.

    Raises:
        AddRefused: CORPUS_NOT_WRITABLE.
    """
    copied = []
    try:
        corpus_dir.mkdir(parents=True, exist_ok=True)
        for source in corpus_files(bundled_dir):
            target = corpus_dir / source.name
            if not target.exists():
                shutil.copyfile(source, target)
                copied.append(target)
    except OSError as exc:
        raise AddRefused(
            AddProblem.CORPUS_NOT_WRITABLE, path=str(corpus_dir), reason=exc.strerror
        ) from None
    return copied
