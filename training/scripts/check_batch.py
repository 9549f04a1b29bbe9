"""Check one writer's batch: every article has a valid front matter, every question line is
well formed, and every gold substring occurs in its article (case-, apostrophe- and
space-insensitive, as the evaluation compares them).

    python training/scripts/check_batch.py w1
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTERS = {
    "standard", "casual", "keywords", "no_accents", "typos", "english", "yes_no",
    "qui", "quand", "combien", "pourquoi", "dated", "paraphrase",
}


def fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")
    return " ".join(text.split())


def read_article(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if not m:
        raise ValueError("no front matter (--- … ---)")
    meta = dict(
        (k.strip(), v.strip())
        for k, v in (ln.split(":", 1) for ln in m[1].splitlines() if ":" in ln)
    )
    for key in ("title", "date"):
        if not meta.get(key):
            raise ValueError(f"front matter lacks {key}")
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", meta["date"]):
        raise ValueError(f"bad date {meta['date']!r}")
    return meta, m[2]


def main(batch: str) -> int:
    errors: list[str] = []
    bodies: dict[str, str] = {}
    for path in sorted((ROOT / "corpus").glob(f"{batch}-*.md")):
        try:
            meta, body = read_article(path)
        except ValueError as e:
            errors.append(f"{path.name}: {e}")
            continue
        words = len(body.split())
        if words < 250:
            errors.append(f"{path.name}: only {words} words")
        bodies[path.stem] = fold(meta["title"] + "\n" + body)
    qfile = ROOT / "questions" / f"{batch}.jsonl"
    n = answerable = 0
    seen: set[str] = set()
    per_article: dict[str, int] = {}
    for lineno, line in enumerate(qfile.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            errors.append(f"questions line {lineno}: not JSON ({e})")
            continue
        n += 1
        where = f"questions line {lineno} ({q.get('id')})"
        for key in ("id", "question", "answers", "article", "register"):
            if key not in q:
                errors.append(f"{where}: missing {key}")
        if q.get("id") in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(q.get("id"))
        if q.get("register") not in REGISTERS:
            errors.append(f"{where}: unknown register {q.get('register')!r}")
        art = q.get("article")
        if art not in bodies:
            errors.append(f"{where}: article {art!r} not found in corpus/")
            continue
        per_article[art] = per_article.get(art, 0) + 1
        answers = q.get("answers") or []
        if answers:
            answerable += 1
        for a in answers:
            if len(a.split()) < 3:
                errors.append(f"{where}: gold {a!r} shorter than 3 words")
            if fold(a) not in bodies[art]:
                errors.append(f"{where}: gold {a!r} not found verbatim in {art}")
    for art in bodies:
        if per_article.get(art, 0) < 8:
            errors.append(f"{art}: only {per_article.get(art, 0)} questions")
    print(f"{len(bodies)} articles, {n} questions ({answerable} answerable, "
          f"{n - answerable} unanswerable), {len(errors)} problems")
    for e in errors[:200]:
        print("  " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
