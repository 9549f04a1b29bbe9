"""The wheel: one top-level package, the bundled articles inside it as package data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_has_one_top_level_package_and_the_corpus(tmp_path):
    """Built from a clean copy of the sources: only ``openai_deals`` (no generic ``bot`` or
    ``retrieval`` to collide in site-packages), with every bundled article as package data."""
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "openai_deals",
        source / "openai_deals",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("openai_deals-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top == {"openai_deals"}
    articles = {p.name for p in (ROOT / "openai_deals" / "corpus").glob("*.md")}
    packaged = {n.rsplit("/", 1)[1] for n in names if n.startswith("openai_deals/corpus/")}
    assert articles <= packaged and len(articles) >= 6  # five articles and the README
