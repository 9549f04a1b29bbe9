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

Problems come back as :class:`CorpusProblem` records: logs word them in English (``str``),
the surfaces in French (``openai_deals.messages.corpus_problem``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path

from openai_deals.retrieval.model import Article

logger = logging.getLogger(__name__)

_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
KNOWN_KEYS = ("date", "id", "language", "source", "title", "url")


class Issue(str, Enum):
    """What is wrong with a corpus file."""

    NO_FRONT_MATTER = "no_front_matter"
    UNCLOSED_FRONT_MATTER = "unclosed_front_matter"
    NOT_KEY_VALUE = "not_key_value"
    MISSING_KEY = "missing_key"
    BAD_DATE = "bad_date"
    BAD_ID = "bad_id"
    EMPTY_BODY = "empty_body"
    NOT_UTF8 = "not_utf8"
    UNREADABLE = "unreadable"
    DUPLICATE_ID = "duplicate_id"
    NO_SENTENCE = "no_sentence"


# English, for the logs (people read openai_deals.messages.CORPUS_ISSUES).
_LOG_TEXT = {
    Issue.NO_FRONT_MATTER: "the file must start with a '---' front-matter line",
    Issue.UNCLOSED_FRONT_MATTER: "the front matter is not closed by a '---' line",
    Issue.NOT_KEY_VALUE: "expected 'key: value'",
    Issue.MISSING_KEY: "the front matter has no '{value}:'",
    Issue.BAD_DATE: "date {value!r} must be YYYY, YYYY-MM or YYYY-MM-DD",
    Issue.BAD_ID: "id {value!r} may only hold letters, digits, '.', '_' and '-'",
    Issue.EMPTY_BODY: "the article has no text after the front matter",
    Issue.NOT_UTF8: "not UTF-8 text (byte {value})",
    Issue.UNREADABLE: "cannot be read ({value})",
    Issue.DUPLICATE_ID: "id {value!r} is already used",
    Issue.NO_SENTENCE: "no sentence left after clean-up",
}


@dataclass(frozen=True)
class CorpusProblem:
    """A problem with one corpus file: which file, what, where, and whether it was skipped."""

    file: str
    issue: Issue
    line: int | None = None  # 1-based line of the file, when the problem is on one line
    value: str = ""  # the key, date, id, byte or reason the problem is about
    skipped: bool = True  # False: a warning only, the file is still indexed

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        return f"{where}: {_LOG_TEXT[self.issue].format(value=self.value)}"

    def as_dict(self) -> dict:
        """JSON-ready, for the index metadata."""
        return {**asdict(self), "issue": self.issue.value}

    @classmethod
    def from_dict(cls, data: dict) -> CorpusProblem:
        return cls(**{**data, "issue": Issue(data["issue"])})


class CorpusFileError(ValueError):
    """An article file that cannot be used; ``problem`` says which and why."""

    def __init__(self, problem: CorpusProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class CorpusDirError(OSError):
    """``CORPUS_DIR`` is not a readable directory: it is missing, a file, or unreadable."""

    def __init__(self, path: Path, is_file: bool = False, reason: str = "") -> None:
        self.path, self.is_file, self.reason = Path(path), is_file, reason
        if is_file:
            what = "is a file, not a directory"
        else:
            what = f"cannot be read ({reason})" if reason else "does not exist"
        super().__init__(f"corpus directory {path} {what}")


class EmptyCorpusError(ValueError):
    """No file of the corpus gave a usable article; ``problems`` says why for each."""

    def __init__(self, path: Path, problems: list[CorpusProblem]) -> None:
        self.path, self.problems = Path(path), problems
        detail = "; ".join(map(str, problems)) or "no article file"
        super().__init__(f"no usable article in {path}: {detail}")


@dataclass(frozen=True)
class ArticleFile:
    """An article as read from disk: its metadata, its raw body text, and any warnings."""

    article: Article
    body: str
    path: Path
    warnings: tuple[CorpusProblem, ...] = field(default=())


def parse_article(text: str, path: Path) -> ArticleFile:
    """Parse one article file's text.

    Raises:
        CorpusFileError: no front matter, a missing title or date, a bad date, an empty body.
    """
    name = path.name

    def fail(issue: Issue, line: int | None = None, value: str = "") -> CorpusFileError:
        return CorpusFileError(CorpusProblem(name, issue, line, value))

    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        raise fail(Issue.NO_FRONT_MATTER)
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        raise fail(Issue.UNCLOSED_FRONT_MATTER) from None
    meta: dict[str, str] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in KNOWN_KEYS:
            raise fail(Issue.NOT_KEY_VALUE, number)
        meta[key] = value.strip()
    for required in ("title", "date"):
        if not meta.get(required):
            raise fail(Issue.MISSING_KEY, value=required)
    if not _DATE.match(meta["date"]):
        raise fail(Issue.BAD_DATE, value=meta["date"])
    article_id = meta.get("id") or path.stem
    if not _ID.match(article_id):
        raise fail(Issue.BAD_ID, value=article_id)
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise fail(Issue.EMPTY_BODY)
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
    """The article files of ``directory``: every ``*.md`` but README.md, sorted by name.

    Raises:
        CorpusDirError: ``directory`` does not exist, is a file, or cannot be listed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusDirError(directory, is_file=directory.exists())
    try:
        return sorted(p for p in directory.glob("*.md") if p.name.lower() != "readme.md")
    except OSError as exc:
        raise CorpusDirError(directory, reason=exc.strerror or str(exc)) from None


def read_corpus(directory: Path) -> tuple[list[ArticleFile], list[CorpusProblem]]:
    """Read every ``*.md`` article of ``directory`` (README.md excepted), sorted by name.

    Returns the articles and one problem per file that was skipped or warned about (also
    logged). Duplicate ids keep the first file.

    Raises:
        CorpusDirError: ``directory`` does not exist, is a file, or cannot be listed.
    """
    articles: list[ArticleFile] = []
    problems: list[CorpusProblem] = []
    seen: set[str] = set()
    for path in corpus_files(directory):
        try:
            parsed = parse_article(path.read_text(encoding="utf-8"), path)
        except UnicodeDecodeError as exc:
            problems.append(CorpusProblem(path.name, Issue.NOT_UTF8, value=str(exc.start)))
            continue
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            problems.append(CorpusProblem(path.name, Issue.UNREADABLE, value=reason))
            continue
        except CorpusFileError as exc:
            problems.append(exc.problem)
            continue
        problems.extend(parsed.warnings)
        if parsed.article.article_id in seen:
            problems.append(
                CorpusProblem(path.name, Issue.DUPLICATE_ID, value=parsed.article.article_id)
            )
            continue
        seen.add(parsed.article.article_id)
        articles.append(parsed)
    for problem in problems:
        if problem.skipped:
            logger.warning("Skipped corpus file %s", problem)
        else:
            logger.warning("Corpus file %s (the file is still indexed)", problem)
    return articles, problems
