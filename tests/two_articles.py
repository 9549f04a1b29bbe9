"""Two invented articles, for tests that check rules rather than the bundled corpus."""

from __future__ import annotations

from pathlib import Path

# Two invented articles: small enough to index in a moment, and independent of the five real
# ones, so a test of a rule (parsing, caching, the CLI) does not change when they do.
SMALL_ARTICLES = {
    "mistral-levee.md": (
        "---\n"
        "title: Mistral AI lève 600 millions d’euros\n"
        "date: 2024-06\n"
        "source: d’après Les Échos\n"
        "---\n"
        "Mistral AI a levé 600 millions d’euros auprès de fonds américains et européens.\n\n"
        "La start-up parisienne est désormais valorisée six milliards d’euros.\n"
    ),
    "nvidia-puce.md": (
        "---\n"
        "title: Nvidia présente une puce pour les centres de données\n"
        "date: 2024-03-18\n"
        "---\n"
        "Nvidia a présenté une nouvelle puce destinée aux centres de données.\n\n"
        "Elle doit équiper les serveurs d’Amazon et de Microsoft avant la fin de l’année.\n"
    ),
}
SMALL_QUESTION = "Combien Mistral AI a-t-il levé ?"


def write_small_corpus(directory: Path) -> Path:
    """Write the two small articles into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in SMALL_ARTICLES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory
