"""The bot scopes are stated in one place in code (settings.SLACK_BOT_SCOPES); every place
that tells a person which scopes the bot asks for says the same list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from openai_deals.settings import SLACK_BOT_SCOPES, Settings

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_FILES = sorted(ROOT.glob("manifest*.json"))


def scope_list(text: str) -> list[str]:
    return [s for s in re.split(r"[\s,`]+", text) if s]


def test_there_are_manifests_to_check():
    """The glob below finds the three manifests (a rename would silently check nothing)."""
    assert [p.name for p in MANIFEST_FILES] == [
        "manifest.distribution.json",
        "manifest.http.json",
        "manifest.json",
    ]


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=lambda p: p.name)
def test_every_manifest_asks_for_the_bot_scopes(path):
    """Each manifest's bot scopes are the code's, in the same order."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == SLACK_BOT_SCOPES


def test_the_default_of_slack_scopes_is_the_bot_scopes(monkeypatch):
    """Unset, or set empty as a copied .env leaves it, SLACK_SCOPES asks for the bot scopes."""
    monkeypatch.delenv("SLACK_SCOPES", raising=False)
    assert Settings(_env_file=None).slack_scopes == SLACK_BOT_SCOPES
    assert Settings(_env_file=None, slack_scopes="").slack_scopes == SLACK_BOT_SCOPES


def test_env_example_gives_the_bot_scopes():
    """Uncommenting .env.example's SLACK_SCOPES line asks for exactly the bot scopes."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    (line,) = re.findall(r"^#?\s*SLACK_SCOPES=(.*)$", text, re.MULTILINE)
    assert tuple(scope_list(line)) == SLACK_BOT_SCOPES


def test_the_docs_state_the_bot_scopes():
    """The README's settings table gives them as SLACK_SCOPES's default, and docs/slack.md's
    permissions table justifies each of them and no other."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    (default,) = re.findall(r"^\| `SLACK_SCOPES` \| ([^|]*) \|", text, re.MULTILINE)
    assert tuple(scope_list(default)) == SLACK_BOT_SCOPES
    slack = (ROOT / "docs" / "slack.md").read_text(encoding="utf-8")
    table = slack.split("| bot scope |")[1].split("\n\n")[0]
    justified = re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE)
    assert sorted(justified) == sorted(SLACK_BOT_SCOPES)
