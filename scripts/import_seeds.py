"""Build openai_deals/corpus/ from the raw articles in ../shared/seeds/ (run once; committed).

The metadata a reader needs to trust a citation (title, month, source) is written here by hand
from what each article says; the text goes through the same clean-up as every corpus file.

    python scripts/import_seeds.py ../shared/seeds openai_deals/corpus
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai_deals.retrieval.ingestion.clean import clean_body, normalize

# seed file prefix → (article id, title, date, source). 002 has no title in the seed: the
# title below summarises its content. Sources are named only where the text names them.
SEEDS = {
    "000": ("000-gpt3-licence-microsoft", None, "2020-09", ""),
    "001": ("001-microsoft-milliards-openai", None, "2023-01", ""),
    "002": (
        "002-microsoft-openai-google-anthropic",
        "Microsoft entame la troisième phase de son partenariat avec OpenAI, "
        "Google mise sur Anthropic",
        "2023-02",
        "d’après le Financial Times",
    ),
    "003": ("003-openai-coulisses-eviction-altman", None, "2023-11", ""),
    "004": ("004-openai-modeles-ouverts", None, "2025-08", ""),
}

_DATE_PREFIX = re.compile(r"^\s*date\s+\d{4}(?:-\d{2}){0,2}\s*")
# "Source : Report from the Financial Times" ends the article; what follows is reader prompts.
_SOURCE_TAIL = re.compile(r"Source\s*:\s*.*$", re.DOTALL)


def import_seed(path: Path, out_dir: Path) -> Path:
    article_id, title, date, source = SEEDS[path.name[:3]]
    text = path.read_text(encoding="utf-8")
    text = _DATE_PREFIX.sub("", text)
    text = _SOURCE_TAIL.sub("", text)
    if title is None:
        first, _, text = text.partition("\n")
        title = first
    title = normalize(title)
    # Seed 002 is a list whose items start in lower case: each paragraph starts a sentence.
    paragraphs = [p[:1].upper() + p[1:] for p in clean_body(text, title=title)]
    front = [
        "---",
        f"title: {title}",
        f"date: {date}",
        f"source: {source}",
        "language: fr",
        "---",
    ]
    out = out_dir / f"{article_id}.md"
    out.write_text("\n".join(front) + "\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    seeds, out_dir = Path(argv[0]), Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(seeds.glob("*.txt")):
        print(import_seed(path, out_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
