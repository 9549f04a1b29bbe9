"""`/openai-deals retirer <id>` over real HTTP, on one process with the corpus folder as the
record: an admin removes an article and the bot stops citing it; `sources` shows the ids;
anyone else is refused. And `openai-deals remove` in the terminal."""

# The fixtures of test_slack_add (``running``, ``corpus``) are imported to be shared, and
# pytest passes them back in by name: F401 and F811 are how that reads to ruff.
# ruff: noqa: F401, F811
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_slack_add import QUESTION, TITLE, acknowledged, command, corpus, running

from openai_deals import messages as m
from openai_deals.slack.remove_article import requested_id

ROOT = Path(__file__).resolve().parents[2]


def test_an_admin_removes_an_article_and_the_bot_stops_citing_it(
    slack,
    news_site,
    running,
    corpus,
):
    """`sources` shows each id; `retirer <id>` removes the file and the answer; the id of an
    article that is not there is said back with where to find the ids."""
    app = running()
    command(slack, app, f"ajouter {news_site.article()}", replies=2)
    (before,) = command(slack, app, QUESTION)
    assert "400 millions d’euros" in before
    sources = acknowledged(slack, app, "sources")
    article_id = "2025-10-14-mistral-ai-leve-1-2-milliard-d-euros-et-s-allie-a-schneider"
    assert f"*{TITLE}* — octobre 2025 — La Gazette de l’IA — 10 phrase(s) — `{article_id}`" in (
        sources
    )
    assert "— `001-microsoft-milliards-openai`" in sources

    (done,) = command(slack, app, f"retirer {article_id}")
    assert done.startswith(f"Article retiré : *{TITLE}* ({article_id}). Je n’en tiens plus compte.")
    assert not list(corpus.glob("2025-10-14-*.md"))
    (after,) = command(slack, app, QUESTION)
    assert "400 millions d’euros" not in after
    assert article_id not in acknowledged(slack, app, "sources")

    (missing,) = command(slack, app, f"retirer {article_id}")
    assert missing.startswith(
        f"Aucun article n’a l’identifiant « {article_id} ». `/openai-deals sources` affiche "
        "les identifiants."
    )


def test_someone_else_may_not_remove(slack, running, corpus):
    """Not in ADMIN_USER_IDS: refused at once, nothing removed; no id: the usage."""
    app = running(admin_user_ids="UADMIN001")
    reply = acknowledged(slack, app, "retirer 001-microsoft-milliards-openai")
    assert reply.startswith(
        "Désolé, seules les personnes qui administrent le bot peuvent retirer des articles. "
        "Si un article vous semble faux ou en trop, signalez-le-leur."
    )
    assert (corpus / "001-microsoft-milliards-openai.md").exists()
    assert acknowledged(slack, running(), "retirer").startswith(m.REMOVE_USAGE)


@pytest.mark.parametrize(
    "text, article_id",
    [
        ("retirer 2025-10-14-mistral", "2025-10-14-mistral"),
        ("Retirer `2025-10-14-mistral`", "2025-10-14-mistral"),
        ("remove  « 001-x »  merci", "001-x"),
        ("retirer", ""),
        ("retirerai-je ?", None),
        ("Combien Google a-t-il investi ?", None),
    ],
)
def test_the_id_is_read_from_the_command_text(text, article_id):
    """A plain id, or one copied with its backticks from `sources`; other text is not a
    removal."""
    assert requested_id(text) == article_id


def test_the_terminal_removes_an_article_and_updates_the_index(small_corpus, tmp_path):
    """`openai-deals remove ID`: says what it removed and the index it now answers from; an
    unknown id is said back, exit 2."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "PYTHONPATH": str(ROOT),
        "EMBEDDINGS": "none",
    }
    args = [sys.executable, "-m", "openai_deals.cli", "--corpus", str(small_corpus)]
    index = ["--index-dir", str(tmp_path / "index")]

    def run(*more: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*args, *more, *index], env=env, cwd=tmp_path, capture_output=True, text=True,
            timeout=300,
        )  # fmt: skip

    done = run("remove", "nvidia-puce")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Article retiré : « Nvidia présente une puce pour les centres de données » (nvidia-puce).",
        "Index à jour : 1 article(s), 2 phrase(s).",
    ]
    assert not (small_corpus / "nvidia-puce.md").exists()
    missing = run("remove", "nvidia-puce")
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        "Aucun article n’a l’identifiant « nvidia-puce ». Les identifiants sont les noms de "
        "fichier sans .md écrits par `openai-deals add` ; `/openai-deals sources` les affiche."
    )
