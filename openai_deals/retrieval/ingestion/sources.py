"""Reading an article to add: from a URL, a saved ``.html`` page or a ``.txt`` file.

``read_source(source, policy) -> Draft``: the title, date, source (site name), URL and the
body's paragraphs, cleaned by the same rules as the corpus (``clean.clean_body``).

- URL: fetched within the safety limits of :mod:`.fetch`, then as a saved page; recorded
  under the page's canonical address (``<link rel="canonical">``, else ``og:url``) when it
  gives an http(s) one.
- ``.html``: ``trafilatura`` extracts the article body without the site's furniture
  (navigation, share buttons, comments, footer), and its title, publication date and site
  name; ``clean_body`` then drops what furniture is left inside the article ("Lire aussi",
  "Partager"…).
- ``.txt``: the text as it is. Its first lines may give the title (a first line without a
  final full stop), the date ("14 octobre 2025", "Publié le 14/10/2025", "2025-10-14") and
  labelled lines ("Titre :", "Date :", "Source :", "URL :"); those lines leave the body.

What the caller gives (``--title``, ``--date``, ``--source``) wins over what was read. A draft
without a title or a date, or a ``.txt`` without a source, is refused with the missing fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from openai_deals.retrieval.ingestion.clean import clean_body, normalize
from openai_deals.retrieval.ingestion.fetch import FetchPolicy, fetch_html
from openai_deals.retrieval.model import MONTHS_FR

# An article shorter than this (after clean-up) is a page trafilatura could not read.
MIN_WORDS = 30
# Lines at the top of a .txt that may hold its title, date and labels.
_HEADER_LINES = 6
_MAX_TITLE_WORDS = 25

_WORD = re.compile(r"\w+")
_MONTH = "|".join((*MONTHS_FR, "fevrier", "aout", "decembre"))
_DATE_FR = re.compile(
    rf"^(?:(?P<day>1er|\d{{1,2}})\s+)?(?P<month>{_MONTH})\s+(?P<year>\d{{4}})$", re.IGNORECASE
)
_DATE_NUMERIC = re.compile(r"^(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4})$")
_DATE_ISO = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?$")
# "Publié le 14 octobre 2025 à 8 h 30", "Mis à jour le 14/10/2025", "Le 14 octobre 2025".
_DATE_LINE = re.compile(
    r"^(?:(?:publi[ée]|mis à jour|modifi[ée])\s+)?(?:le\s+)?(?:lundi|mardi|mercredi|jeudi|"
    r"vendredi|samedi|dimanche)?\s*(?P<date>.+?)(?:,?\s+à\s+\d{1,2}\s*h\s*\d{0,2})?\s*\.?$",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^(?P<label>titre|title|date|source|url|lien)\s*:\s*(?P<value>.+)$", re.I)
_BARE_URL = re.compile(r"^https?://\S+$")
_LABEL_FIELDS = {
    "titre": "title",
    "title": "title",
    "date": "date",
    "source": "source",
    "url": "url",
    "lien": "url",
}


class AddProblem(Enum):
    """Why an article was not added (``openai_deals.messages.add_refusal`` words each one)."""

    UNSUPPORTED_SOURCE = "unsupported_source"
    FILE_NOT_FOUND = "file_not_found"
    FILE_UNREADABLE = "file_unreadable"
    MISSING_FIELDS = "missing_fields"
    BAD_DATE = "bad_date"
    NO_TEXT = "no_text"
    DUPLICATE = "duplicate"
    BUNDLED_CORPUS = "bundled_corpus"
    CORPUS_MISSING = "corpus_missing"
    CORPUS_NOT_WRITABLE = "corpus_not_writable"
    CORPUS_BUSY = "corpus_busy"


class AddRefused(Exception):
    """An article that was not added, and why.

    Attributes:
        problem: what went wrong.
        details: what the message needs (``fields``, ``value``, ``path``, ``title``,
            ``reason``…).
    """

    def __init__(self, problem: AddProblem, **details: object) -> None:
        super().__init__(f"{problem.value}: {details}")
        self.problem = problem
        self.details = details


@dataclass(frozen=True)
class Draft:
    """An article read from its source, ready to be written to the corpus.

    ``url`` is the page's own address (``canonical_url``) when it gives one, else where it
    was read (after redirects); ``other_urls`` are further addresses of the same article
    (the one typed, the redirects, the one fetched), used to recognise it when it is added
    again.
    """

    title: str
    date: str  # YYYY, YYYY-MM or YYYY-MM-DD
    source: str
    url: str
    paragraphs: tuple[str, ...]
    other_urls: tuple[str, ...] = ()

    @property
    def words(self) -> int:
        return sum(len(_WORD.findall(p)) for p in self.paragraphs)


def is_url(source: str) -> bool:
    """True when ``source`` is meant as a web address rather than a file name."""
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", source.strip()))


def parse_date(text: str) -> str | None:
    """An ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) from "2025-10-14",
    "14/10/2025", "14 octobre 2025", "octobre 2025" or "Publié le 14 octobre 2025 à 8 h 30";
    None when ``text`` is not one date."""
    line = _DATE_LINE.match(" ".join(text.split()))
    candidate = line.group("date") if line else text.strip()
    for pattern in (_DATE_ISO, _DATE_NUMERIC, _DATE_FR):
        match = pattern.match(candidate)
        if match:
            break
    else:
        return None
    parts = match.groupdict()
    year = int(parts["year"])
    month = parts.get("month")
    if month and not month.isdigit():
        folded = _fold(month)
        month = str(1 + [_fold(m) for m in MONTHS_FR].index(folded))
    day = parts.get("day")
    day = "1" if day == "1er" else day
    if not 1000 <= year <= 2999:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= int(month) <= 12:
        return None
    if day is None:
        return f"{year:04d}-{int(month):02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year:04d}-{int(month):02d}-{int(day):02d}"


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- HTML -------------------------------------------------------------------------------------


def read_html(content: bytes | str, url: str = "") -> dict[str, str]:
    """The article of an HTML page: ``{"title", "date", "source", "url", "text"}`` (each
    possibly ""), with trafilatura. ``url``, when given, is where the page was read."""
    import trafilatura  # deferred: ~0.3 s to import, and only adding articles needs it

    document = trafilatura.bare_extraction(
        content,
        url=url or None,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_links=False,
        # Not deduplicate=True: its memory of text segments is process-wide, so a long-running
        # bot would find nothing in a page it had already read once (a --force re-add).
    )
    if document is None:
        return {"title": "", "date": "", "source": "", "url": "", "text": ""}
    fields = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    host = (urlsplit(url).hostname or "") if url else ""
    host = host.removeprefix("www.")
    return {
        "title": " ".join((fields.get("title") or "").split()),
        "date": fields.get("date") or "",
        "source": (fields.get("sitename") or fields.get("hostname") or host or "").strip(),
        "url": fields.get("url") or "",
        "text": fields.get("text") or "",
    }


class _CanonicalLinks(HTMLParser):
    """Collects ``<link rel="canonical" href>`` and ``<meta property="og:url" content>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: list[str] = []
        self.og_url: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        if tag == "link" and "canonical" in values.get("rel", "").lower().split():
            self.canonical.append(values.get("href", ""))
        elif tag == "meta" and values.get("property", "").lower() == "og:url":
            self.og_url.append(values.get("content", ""))


def canonical_url(content: bytes | str, base: str = "") -> str:
    """The address a page gives for itself: ``<link rel="canonical">``, else ``og:url``,
    resolved against ``base`` (where it was read); "" when it gives none that is http(s).

    trafilatura's own ``url`` prefers og:url and drops a relative canonical link, and the
    canonical link is the one a site means as the article's address.
    """
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    end = text.lower().find("</head>")
    parser = _CanonicalLinks()
    parser.feed(text if end == -1 else text[:end])  # the links live in <head>
    for candidate in (*parser.canonical, *parser.og_url):
        url = urljoin(base, candidate) if base else candidate
        parts = urlsplit(url)
        if parts.scheme.lower() in {"http", "https"} and parts.hostname:
            return url
    return ""


def _decode(content: bytes, charset: str | None) -> bytes | str:
    if not charset:
        return content  # trafilatura reads the <meta charset> itself
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content


# -- Plain text -------------------------------------------------------------------------------


def read_text(text: str) -> dict[str, str]:
    """Title, date, source and URL read from the first lines of a plain text, and the text
    without those lines: ``{"title", "date", "source", "url", "text"}``."""
    lines = text.lstrip("\ufeff").splitlines()
    found = {"title": "", "date": "", "source": "", "url": ""}
    used: set[int] = set()
    header = [i for i, line in enumerate(lines) if line.strip()][:_HEADER_LINES]
    for i in header:
        line = normalize(lines[i])
        label = _LABEL.match(line)
        if label:
            field = _LABEL_FIELDS[label.group("label").lower()]
            value = label.group("value").strip()
            if field == "date":
                value = parse_date(value) or value
            found[field] = found[field] or value
            used.add(i)
        elif not found["date"] and parse_date(line):
            found["date"] = parse_date(line) or ""
            used.add(i)
        elif _BARE_URL.match(line) and not found["url"]:
            found["url"] = line
            used.add(i)
    first = next((i for i in header if i not in used), None)
    if not found["title"] and first is not None and _looks_like_title(lines[first]):
        found["title"] = normalize(lines[first])
        used.add(first)
    body = "\n".join(line for i, line in enumerate(lines) if i not in used)
    return {**found, "text": body}


def _looks_like_title(line: str) -> bool:
    line = line.strip()
    return 0 < len(_WORD.findall(line)) <= _MAX_TITLE_WORDS and not line.endswith((".", "…"))


# -- Any source -------------------------------------------------------------------------------


def read_source(
    source: str,
    policy: FetchPolicy = FetchPolicy(),
    *,
    title: str | None = None,
    date: str | None = None,
    source_name: str | None = None,
) -> Draft:
    """Read the article at ``source`` (a URL, an ``.html`` or a ``.txt`` file).

    Args:
        source: an ``http(s)://`` address or a file path.
        policy: the limits of the fetch, for a URL.
        title, date, source_name: what the person gave; each wins over what was read.

    Raises:
        FetchRefused: the URL was refused or could not be fetched (see :mod:`.fetch`).
        AddRefused: an unsupported or unreadable file, a missing title, date or source,
            a bad date, or no article text.
    """
    if is_url(source):
        return read_url(source, policy, title=title, date=date, source_name=source_name)
    path = Path(source).expanduser()
    suffix = path.suffix.lower()
    if suffix not in {".html", ".htm", ".txt"}:
        raise AddRefused(AddProblem.UNSUPPORTED_SOURCE, source=source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise AddRefused(AddProblem.FILE_NOT_FOUND, path=str(path)) from None
    except OSError as exc:
        raise AddRefused(AddProblem.FILE_UNREADABLE, path=str(path), reason=exc.strerror) from None
    if suffix == ".txt":
        try:
            read = read_text(data.decode("utf-8"))
        except UnicodeDecodeError:
            raise AddRefused(AddProblem.FILE_UNREADABLE, path=str(path), reason="UTF-8") from None
    else:
        read = read_html(data)
        read["url"] = canonical_url(data)  # a saved page: only the address it gives itself
    return _draft(read, suffix == ".txt", title, date, source_name, [])


def read_url(
    url: str,
    policy: FetchPolicy = FetchPolicy(),
    *,
    title: str | None = None,
    date: str | None = None,
    source_name: str | None = None,
) -> Draft:
    """Read the article at ``url``, which is always fetched, never taken for a file name
    (what the bot uses: a typed "/etc/…" must not read the server's files).

    Raises:
        FetchRefused: see :mod:`.fetch` (BAD_URL for anything that is not an address).
        AddRefused: as ``read_source``.
    """
    page = fetch_html(url, policy)
    content = _decode(page.content, page.charset)
    read = read_html(content, page.url)
    # Recorded under the page's own address when it gives one; every other address it was
    # known by (typed, redirected, fetched) still recognises it as a duplicate.
    other_urls = [page.requested_url, *page.redirects, page.url, read["url"]]
    read["url"] = canonical_url(content, page.url) or page.url
    return _draft(read, False, title, date, source_name, other_urls)


def _draft(
    read: dict[str, str],
    plain: bool,
    title: str | None,
    date: str | None,
    source_name: str | None,
    other_urls: list[str],
) -> Draft:
    final_title = " ".join(normalize(title or read["title"]).split())
    if date:
        final_date = parse_date(date)
        if final_date is None:
            raise AddRefused(AddProblem.BAD_DATE, value=date)
    else:
        final_date = parse_date(read["date"]) if read["date"] else None
    final_source = " ".join(normalize(source_name or read["source"]).split())
    paragraphs = tuple(clean_body(read["text"], title=final_title))
    words = sum(len(_WORD.findall(p)) for p in paragraphs)
    if words < MIN_WORDS:  # no article here: nothing else is worth asking for
        raise AddRefused(AddProblem.NO_TEXT, words=words, minimum=MIN_WORDS, plain=plain)
    missing = [
        name
        for name, value in (
            ("title", final_title),
            ("date", final_date),
            ("source", final_source if plain else "-"),
        )
        if not value
    ]
    if missing:
        raise AddRefused(AddProblem.MISSING_FIELDS, fields=tuple(missing), plain=plain)
    return Draft(
        title=final_title,
        date=final_date or "",
        source=final_source,
        url=read["url"].strip(),
        paragraphs=paragraphs,
        other_urls=tuple(u for u in dict.fromkeys(other_urls) if u and u != read["url"]),
    )
