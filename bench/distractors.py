"""Build a corpus of the bundled articles plus ~700 unrelated French documents (distractors).

    apt-get install manpages-fr groff-base      # Debian's French manual pages
    python bench/distractors.py OUT_DIR [--limit N]

Each French manual page under /usr/share/man/fr is rendered with ``groff -man -Tutf8`` and
written as a corpus article (front matter, one paragraph per line) beside copies of the
bundled articles. ``openai-deals eval FILE --distractors OUT_DIR`` then reports every metric
with and without them: a retrieval method that only works on five articles shows it there.
"""

from __future__ import annotations

import argparse
import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

from openai_deals.settings import BUNDLED_CORPUS_DIR

MAN_ROOT = Path("/usr/share/man/fr")
_BACKSPACE = re.compile(r".\x08")  # groff's overstrike bold and underline
_SECTION = re.compile(r"^[A-ZÉÈÀ][A-ZÉÈÀ ]+$")


def render(page: Path) -> str:
    """The page as plain UTF-8 text (empty when groff fails)."""
    raw = gzip.decompress(page.read_bytes()) if page.suffix == ".gz" else page.read_bytes()
    result = subprocess.run(
        ["groff", "-K", "utf8", "-man", "-Tutf8", "-P", "-c"],
        input=raw,
        capture_output=True,
        timeout=30,
        check=False,
        env={"LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"},
    )
    return _BACKSPACE.sub("", result.stdout.decode("utf-8", "replace"))


def to_article(text: str, name: str) -> str | None:
    """A corpus article from a rendered page: its NOM line as title, its prose as body."""
    lines = text.splitlines()[1:-1]  # the running header and footer
    paragraphs: list[str] = []
    current: list[str] = []
    title = name
    for line in lines:
        stripped = line.strip()
        if not stripped or _SECTION.match(stripped):
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(stripped)
    if current:
        paragraphs.append(" ".join(current))
    if paragraphs and " - " in paragraphs[0]:
        title = paragraphs.pop(0)
    # Prose only: option lists and synopses are not sentences a reader would search.
    prose = [p for p in paragraphs if len(p) > 60 and p.count(" ") > 8]
    if not prose:
        return None
    title = title.replace("\n", " ").replace(":", " ")[:150]
    front = f"---\ntitle: {title}\ndate: 2022-01\nsource: Debian manpages-fr\nlanguage: fr\n---\n"
    return front + "\n\n".join(prose) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--limit", type=int, default=700, help="distractor articles at most")
    args = parser.parse_args(argv)
    pages = sorted(MAN_ROOT.glob("man*/*"))
    if not pages:
        print(f"no manual page under {MAN_ROOT}: apt-get install manpages-fr", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for article in BUNDLED_CORPUS_DIR.glob("*.md"):
        if article.name != "README.md":
            shutil.copy(article, args.out / article.name)
    written = 0
    for page in pages:
        if written >= args.limit:
            break
        name = page.name.removesuffix(".gz")
        article = to_article(render(page), name)
        if article:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{page.parent.name}-{name}".lower()).strip("-")
            (args.out / f"man-{slug}.md").write_text(article, encoding="utf-8")
            written += 1
    print(f"{written} distractor articles + the bundled ones in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
