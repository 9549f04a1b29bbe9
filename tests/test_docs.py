"""The README and docs/: every relative link leads somewhere, and they describe the software,
not how it was made."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^[ \t]*(```|~~~).*?^[ \t]*\1", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target) and [text](target "title"); images too. Autolinks <https://…> are absolute.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)

# Words of a development log, in English and French: a document about the software names
# none of them (quoted code and program output, between backticks, are not prose).
LOG_WORDS = re.compile(
    r"\b(sessions?|issues?|design cards?|(?:fiches?|cartes?) de conception"
    r"|development log|journal de développement|latest release|this release)\b",
    re.IGNORECASE,
)


def _prose(text: str) -> str:
    """The text without its code blocks and inline code."""
    return INLINE_CODE.sub("", FENCE.sub("", text))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup dropped, lower case, punctuation removed, each
    space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings (a repeated one gets -1, -2…)."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        slug = _slug(heading)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links(path: Path) -> list[str]:
    return LINK.findall(INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8"))))


def test_the_documents_are_there():
    """The README links to the four pages that hold what it leaves out."""
    names = {p.name for p in DOCUMENTS}
    assert {"slack.md", "operations.md", "retrieval.md", "experiments.md"} <= names
    readme_links = set(_links(ROOT / "README.md"))
    for name in ("slack.md", "operations.md", "retrieval.md", "experiments.md"):
        assert f"docs/{name}" in readme_links


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(document):
    """Every relative link names a file (or folder) that exists, and an anchor into a
    Markdown file names one of its headings."""
    broken = []
    for target in _links(document):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # https:, mailto:…
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.relative_to(ROOT)}")
    assert not broken, f"{document.relative_to(ROOT)}: " + "; ".join(broken)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_development_log(document):
    """No sentence talks about how the software was developed (sessions, issues, design
    cards…), in English or in French."""
    prose = _prose(document.read_text(encoding="utf-8"))
    found = [
        repr(" ".join(prose[max(0, m.start() - 40) : m.end() + 40].split()))
        for m in LOG_WORDS.finditer(prose)
    ]
    assert not found, f"{document.relative_to(ROOT)}: " + ", ".join(found)


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Adding an article: `openai-deals add`", "adding-an-article-openai-deals-add"),
        ("Slack in five minutes (Socket Mode)", "slack-in-five-minutes-socket-mode"),
        (
            "What is stored, for how long, how to erase it",
            "what-is-stored-for-how-long-how-to-erase-it",
        ),
        ("Feedback, and « Demander à openai-deals »", "feedback-and--demander-à-openai-deals-"),
    ],
)
def test_anchors_are_githubs(heading, anchor):
    """Headings become anchors the way GitHub makes them."""
    assert _slug(heading) == anchor
