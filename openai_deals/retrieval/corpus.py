"""Reading the corpus: one Markdown file per article with a small front-matter block.

Format (documented for users in openai_deals/corpus/README.md)::

    ---
    title: GPT3 : OpenAI cède sa licence à Microsoft
    date: 2020-09
    source: Le Monde
    language: fr
    url: https://…
    ---
    First paragraph of the article.

    Second paragraph…

``title`` and ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) are required; ``source``,
``language`` (default ``fr``), ``url`` and ``id`` (default: the file name without ``.md``) are
optional. A malformed file is reported by name and skipped; it never stops the others.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from openai_deals.retrieval.model import Article

logger = logging.getLogger(__name__)

_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_KNOWN_KEYS = frozenset({"id", "title", "date", "source", "language", "url"})


class CorpusFileError(ValueError):
    """An article file that cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class ArticleFile:
    """An article as read from disk: its metadata and its raw body text."""

    article: Article
    body: str
    path: Path


def parse_article(text: str, path: Path) -> ArticleFile:
    """Parse one article file's text.

    Raises:
        CorpusFileError: no front matter, a missing title or date, a bad date, an empty body.
    """
    name = path.name
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise CorpusFileError(f"{name}: the file must start with a '---' front-matter line")
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise CorpusFileError(f"{name}: the front matter is not closed by a '---' line") from None
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in _KNOWN_KEYS:
            raise CorpusFileError(
                f"{name}, line {number}: expected 'key: value' with a key among "
                f"{', '.join(sorted(_KNOWN_KEYS))}"
            )
        meta[key] = value.strip()
    for required in ("title", "date"):
        if not meta.get(required):
            raise CorpusFileError(f"{name}: the front matter has no '{required}:'")
    if not _DATE.match(meta["date"]):
        raise CorpusFileError(f"{name}: date {meta['date']!r} must be YYYY, YYYY-MM or YYYY-MM-DD")
    article_id = meta.get("id") or path.stem
    if not _ID.match(article_id):
        raise CorpusFileError(
            f"{name}: id {article_id!r} may only hold letters, digits, '.', '_' and '-'"
        )
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise CorpusFileError(f"{name}: the article has no text after the front matter")
    article = Article(
        article_id=article_id,
        title=meta["title"],
        date=meta["date"],
        source=meta.get("source", ""),
        language=meta.get("language", "fr") or "fr",
        url=meta.get("url", ""),
    )
    return ArticleFile(article=article, body=body, path=path)


def corpus_files(directory: Path) -> list[Path]:
    """The article files of ``directory``: every ``*.md`` but README.md, sorted by name."""
    return sorted(p for p in Path(directory).glob("*.md") if p.name.lower() != "readme.md")


def read_corpus(directory: Path) -> tuple[list[ArticleFile], list[str]]:
    """Read every ``*.md`` article of ``directory`` (README.md excepted), sorted by name.

    Returns the articles and one problem line per file that was skipped (also logged).
    Duplicate ids keep the first file.
    """
    articles: list[ArticleFile] = []
    problems: list[str] = []
    seen: set[str] = set()
    if not directory.is_dir():
        raise FileNotFoundError(f"corpus directory {directory} does not exist")
    for path in corpus_files(directory):
        try:
            parsed = parse_article(path.read_text(encoding="utf-8"), path)
        except UnicodeDecodeError as exc:
            problems.append(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})")
            continue
        except OSError as exc:
            problems.append(f"{path.name}: cannot be read ({exc.strerror})")
            continue
        except CorpusFileError as exc:
            problems.append(str(exc))
            continue
        if parsed.article.article_id in seen:
            problems.append(f"{path.name}: id {parsed.article.article_id!r} is already used")
            continue
        seen.add(parsed.article.article_id)
        articles.append(parsed)
    for problem in problems:
        logger.warning("skipped corpus file: %s", problem)
    return articles, problems
