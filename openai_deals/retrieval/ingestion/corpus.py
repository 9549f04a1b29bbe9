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

``title`` and ``date`` (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, a real date) are required;
``source``, ``language`` (default ``fr``), ``url`` and ``id`` (default: the file name without
``.md``) are optional. A ``#`` after a space starts a comment, as in YAML (a value between
double quotes is kept whole). An unknown key is warned about and ignored. A malformed file is
reported by name and skipped; it never stops the others.

What is an article: every ``*.md`` file directly in the corpus directory, README.md excepted.
Anything else there (``notes.txt``, ``article.MD``, a sub-folder) is reported, not read: one
exact rule that the reader, the cache key and the documentation share, and nothing (drafts,
archives, a ``.txt`` without front matter) is indexed that its author did not mean to.
Hidden files (``.DS_Store``, ``.git``) are not reported.

Problems come back as :class:`CorpusProblem` records: logs word them in English (``str``),
the surfaces in French (``openai_deals.messages.corpus_problem``).
"""

from __future__ import annotations

import datetime
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
_COMMENT = re.compile(r"\s#.*$")  # "# …" after a space: a comment, as in YAML
_QUOTED = re.compile(r'^"([^"]*)"(.*)$')


class Issue(str, Enum):
    """What is wrong with a corpus file."""

    NO_FRONT_MATTER = "no_front_matter"
    UNCLOSED_FRONT_MATTER = "unclosed_front_matter"
    NOT_KEY_VALUE = "not_key_value"
    UNKNOWN_KEY = "unknown_key"  # a warning: the key is ignored, the file is read
    MISSING_KEY = "missing_key"
    BAD_DATE = "bad_date"
    BAD_ID = "bad_id"
    EMPTY_BODY = "empty_body"
    NOT_UTF8 = "not_utf8"
    UNREADABLE = "unreadable"
    DUPLICATE_ID = "duplicate_id"
    NO_SENTENCE = "no_sentence"
    NOT_MARKDOWN = "not_markdown"  # a file that is not *.md (notes.txt, article.MD)
    SUBFOLDER = "subfolder"


# English, for the logs (people read openai_deals.messages.CORPUS_ISSUES).
_LOG_TEXT = {
    Issue.NO_FRONT_MATTER: "the file must start with a '---' front-matter line",
    Issue.UNCLOSED_FRONT_MATTER: "the front matter is not closed by a '---' line",
    Issue.NOT_KEY_VALUE: "expected 'key: value'",
    Issue.UNKNOWN_KEY: f"unknown key {{value!r}} ignored (known keys: {', '.join(KNOWN_KEYS)})",
    Issue.MISSING_KEY: "the front matter has no '{value}:'",
    Issue.BAD_DATE: "date {value!r} must be a real date: YYYY, YYYY-MM or YYYY-MM-DD",
    Issue.BAD_ID: "id {value!r} may only hold letters, digits, '.', '_' and '-'",
    Issue.EMPTY_BODY: "the article has no text after the front matter",
    Issue.NOT_UTF8: "not UTF-8 text (byte {value})",
    Issue.UNREADABLE: "cannot be read ({value})",
    Issue.DUPLICATE_ID: "id {value!r} is already used",
    Issue.NO_SENTENCE: "no sentence left after clean-up",
    Issue.NOT_MARKDOWN: "not read: only *.md files are articles",
    Issue.SUBFOLDER: "not read: articles must be directly in the corpus directory",
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
    warnings: list[CorpusProblem] = []
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not key:
            raise fail(Issue.NOT_KEY_VALUE, number)
        if key not in KNOWN_KEYS:
            # A typo ("titel") or a key for another tool: the article is still worth reading.
            warnings.append(CorpusProblem(name, Issue.UNKNOWN_KEY, number, key, skipped=False))
            continue
        meta[key] = _value(value)
    for required in ("title", "date"):
        if not meta.get(required):
            raise fail(Issue.MISSING_KEY, value=required)
    if not _is_date(meta["date"]):
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
    return ArticleFile(article=article, body=body, path=path, warnings=tuple(warnings))


def _value(raw: str) -> str:
    """A front-matter value without its comment; between double quotes, kept whole."""
    raw = raw.strip()
    quoted = _QUOTED.match(raw)
    if quoted and (not quoted.group(2).strip() or quoted.group(2).lstrip().startswith("#")):
        return quoted.group(1)
    return _COMMENT.sub("", raw).strip()


def _is_date(value: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD, and a day that exists (no 2024-02-31)."""
    if not _DATE.match(value):
        return False
    try:
        if len(value) == 10:
            datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def corpus_listing(directory: Path) -> tuple[list[Path], list[CorpusProblem]]:
    """The article files of ``directory`` (every ``*.md`` but README.md, sorted by name), and
    one problem for each other entry, which is not read (hidden ones are left out).

    Raises:
        CorpusDirError: ``directory`` does not exist, is a file, or cannot be listed.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusDirError(directory, is_file=directory.exists())
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise CorpusDirError(directory, reason=exc.strerror or str(exc)) from None
    articles: list[Path] = []
    ignored: list[CorpusProblem] = []
    for path in entries:
        if path.name.startswith(".") or path.name.lower() == "readme.md":
            continue
        if path.is_dir():
            ignored.append(CorpusProblem(path.name, Issue.SUBFOLDER))
        elif path.suffix == ".md":
            articles.append(path)
        else:
            ignored.append(CorpusProblem(path.name, Issue.NOT_MARKDOWN))
    return articles, ignored


def corpus_files(directory: Path) -> list[Path]:
    """The article files of ``directory``: every ``*.md`` but README.md, sorted by name.

    Raises:
        CorpusDirError: ``directory`` does not exist, is a file, or cannot be listed.
    """
    return corpus_listing(directory)[0]


def read_corpus(directory: Path) -> tuple[list[ArticleFile], list[CorpusProblem]]:
    """Read every ``*.md`` article of ``directory`` (README.md excepted), sorted by name.

    Returns the articles and one problem per entry that was skipped (including entries that
    are not articles) or warned about; each is also logged. Duplicate ids keep the first file.

    Raises:
        CorpusDirError: ``directory`` does not exist, is a file, or cannot be listed.
    """
    articles: list[ArticleFile] = []
    paths, problems = corpus_listing(directory)
    seen: set[str] = set()
    for path in paths:
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
        # extra: the terminal reports the index's problems in French, and skips these.
        if problem.skipped:
            logger.warning("Skipped corpus file %s", problem, extra={"problem": problem})
        else:
            logger.warning(
                "Corpus file %s (the file is still indexed)", problem, extra={"problem": problem}
            )
    return articles, problems
