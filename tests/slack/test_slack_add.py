"""`/openai-deals ajouter <url>` over real HTTP: the stand-in Slack (Web API, response_url),
the local web server serving the invented article, the real app on a copy of the corpus.
An admin adds and the running app answers from the new article; anyone else is refused."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from slack_payloads import SIGNING_SECRET, USER_ID, send_command, slash_command

from openai_deals import messages as m
from openai_deals.retrieval.answering.engine import load_engine
from openai_deals.settings import SettingsError, load_settings
from openai_deals.slack.add_article import requested_url
from openai_deals.slack.app import create_app

CORPUS_DIR = Path(__file__).resolve().parents[2] / "openai_deals" / "corpus"
TITLE = "Mistral AI lève 1,2 milliard d’euros et s’allie à Schneider Electric"
QUESTION = "Combien Schneider Electric a-t-il investi dans Mistral AI ?"


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus"
    shutil.copytree(CORPUS_DIR, path)
    return path


@pytest.fixture
def running(make_settings, serve_app, corpus, tmp_path):
    """Serve an app answering from ``corpus`` (BM25 alone: embeddings are not what is tested
    here); ``start(**settings)`` overrides settings, CORPUS_DIR included."""
    stack = []

    def start(**values):
        values = {"corpus_dir": corpus, "index_dir": tmp_path / "index", "embeddings": "none",
                  "fetch_allow_private": "true", "admin_user_ids": USER_ID, **values}  # fmt: skip
        settings = make_settings(**values)
        engine = load_engine(corpus, settings.resolved_index_dir, embeddings="none")
        context = serve_app(create_app(settings, engine), settings)
        stack.append(context)
        return context.__enter__()

    yield start
    for context in stack:
        context.__exit__(None, None, None)


def command(slack, app, text: str, replies: int = 1) -> list[str]:
    """Run ``/openai-deals text``; wait for ``replies`` new posts on its response_url and
    return all their texts (fallback text and blocks' text)."""
    before = len(slack.calls_to("response_url"))
    status, body = send_command(app.url, slash_command(text, slack.response_url("cmd")))
    assert (status, body) == (200, "")
    calls = slack.wait_for("response_url", before + replies, timeout=120)[before:]
    assert all(c.params["response_type"] == "ephemeral" for c in calls)
    return [c.params["text"] + str(c.params.get("blocks", "")) for c in calls]


def acknowledged(slack, app, text: str) -> str:
    """Run ``/openai-deals text`` whose reply is known at once (a sub-command, a refused
    addition): it is the acknowledgement itself, shown to the asker only, and nothing goes
    to the response_url. Return its text (fallback text and blocks' text)."""
    before = len(slack.calls_to("response_url"))
    status, body = send_command(app.url, slash_command(text, slack.response_url("cmd")))
    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert len(slack.calls_to("response_url")) == before
    return reply["text"] + str(reply.get("blocks", ""))


def test_an_admin_adds_an_article_and_the_running_bot_answers_from_it(
    slack, news_site, running, corpus
):
    """The admin gets "je récupère…" at once, then the title, date and sentence count; the
    same app, never restarted, answers from the new article and lists it in its sources."""
    app = running()
    url = news_site.article()
    (before,) = command(slack, app, QUESTION)
    assert m.ABSTAIN in before and "400 millions" not in before

    started, done = command(slack, app, f"ajouter {url}", replies=2)
    assert started.startswith(m.ADD_STARTED.format(url=url))
    assert done.startswith(
        f"Article ajouté : *{TITLE}* — 14 octobre 2025 — La Gazette de l’IA. 10 phrase(s) "
        "indexée(s) : vous pouvez déjà me poser vos questions dessus."
    )
    assert len(list(corpus.glob("2025-10-14-*.md"))) == 1

    (after,) = command(slack, app, QUESTION)
    assert "400 millions d’euros" in after and TITLE in after
    sources = acknowledged(slack, app, "sources")
    assert f"*{TITLE}* — octobre 2025 — La Gazette de l’IA — 10 phrase(s)" in sources


def test_the_command_is_acknowledged_before_the_page_is_fetched(slack, news_site, running):
    """A slow site does not hold Slack's 3-second acknowledgement: the command returns at
    once, "je récupère…" follows, and the result comes when the page does."""
    app = running()
    url = news_site.article("/lent")
    news_site.routes["/lent"].delay = 2
    started = time.monotonic()
    status, _ = send_command(app.url, slash_command(f"ajouter {url}", slack.response_url("c")))
    assert status == 200 and time.monotonic() - started < 1.5
    replies = slack.wait_for("response_url", 2, timeout=120)
    assert replies[0].params["text"] == m.ADD_STARTED.format(url=url)
    assert replies[1].params["text"].startswith("Article ajouté")


def test_someone_else_is_refused_politely(slack, news_site, running, corpus):
    """A user not in ADMIN_USER_IDS gets the refusal; nothing is fetched or written."""
    app = running(admin_user_ids="UADMIN001")
    url = news_site.article()
    reply = acknowledged(slack, app, f"ajouter {url}")
    assert reply.startswith(
        "Désolé, seules les personnes qui administrent le bot peuvent ajouter des articles. "
        "Si un article vous semble manquer, signalez-le-leur ; en attendant, posez-moi vos "
        "questions avec `/openai-deals votre question`."
    )
    assert news_site.requests == []
    assert not list(corpus.glob("2025-*.md"))


def test_a_refused_url_is_explained_in_slack(slack, news_site, running):
    """The fetch limits apply in Slack too: a private address, with the setting off."""
    app = running(fetch_allow_private="false")
    url = news_site.article()
    _, refused = command(slack, app, f"ajouter <{url}>", replies=2)
    assert refused.startswith(
        "Je ne récupère pas de page sur une adresse privée ou locale (127.0.0.1 → 127.0.0.1). "
        "Donnez l’adresse publique de l’article."
    )
    assert news_site.requests == []


def test_adding_twice_is_refused_without_change(slack, news_site, running, corpus):
    """The second time, Slack says the article is already there and changes nothing."""
    app = running()
    url = news_site.article()
    command(slack, app, f"ajouter {url}", replies=2)
    _, again = command(slack, app, f"ajouter {url}", replies=2)
    assert again.startswith(
        f"Cet article est déjà dans mes sources : « {TITLE} » (même adresse). Je n’ai rien changé."
    )
    assert len(list(corpus.glob("2025-*.md"))) == 1


def test_ajouter_without_an_address_shows_how(slack, running):
    """`/openai-deals ajouter` alone shows the usage."""
    app = running()
    reply = acknowledged(slack, app, "ajouter")
    assert reply.startswith(m.ADD_USAGE)


def test_the_bundled_articles_are_never_written_from_slack(
    slack, news_site, serve_app, engine, tmp_path
):
    """Without CORPUS_DIR the admin is told what the operator must set; nothing is fetched."""
    settings = load_settings(_env_file=None, slack_bot_token="xoxb-test",
                             slack_signing_secret=SIGNING_SECRET, slack_api_base_url=slack.api_url,
                             admin_user_ids=USER_ID, fetch_allow_private="true",
                             database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}")  # fmt: skip
    with serve_app(create_app(settings, engine), settings) as app:
        reply = acknowledged(slack, app, f"ajouter {news_site.article()}")
    assert reply.startswith(m.ADD_BUNDLED_CORPUS_SLACK)
    assert news_site.requests == []


@pytest.mark.parametrize(
    "text, url",
    [
        ("ajouter https://exemple.fr/a?x=1&y=2", "https://exemple.fr/a?x=1&y=2"),
        ("Ajouter <https://exemple.fr/a?x=1&amp;y=2>", "https://exemple.fr/a?x=1&y=2"),
        ("ajouter <https://exemple.fr/a|exemple.fr/a> merci", "https://exemple.fr/a"),
        # A label with spaces (what Slack sends for a link pasted with its title)
        ("ajouter <http://exemple.fr/a|un lien avec espaces>", "http://exemple.fr/a"),
        (
            "ajouter  <https://exemple.fr/b?x=1&amp;y=2|le titre, long> merci",
            "https://exemple.fr/b?x=1&y=2",
        ),
        ("add   https://exemple.fr/a", "https://exemple.fr/a"),
        ("ajouter", ""),
        ("Combien Google a-t-il investi ?", None),
        ("ajouterai-je ?", None),
    ],
)
def test_the_address_is_read_from_the_command_text(text, url):
    """Plain or Slack-linked (<url>, <url|label>, a label with spaces, &amp;) addresses; other
    text is a question."""
    assert requested_url(text) == url


def test_admin_user_ids_are_slack_member_ids(monkeypatch):
    """ADMIN_USER_IDS is a comma-separated list of member ids; anything else fails fast."""
    monkeypatch.setenv("ADMIN_USER_IDS", "U012AB3CDE, W0ABC12")
    assert load_settings(_env_file=None).admin_user_ids == {"U012AB3CDE", "W0ABC12"}
    monkeypatch.setenv("ADMIN_USER_IDS", "U012AB3CDE,alice")
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None)
    assert str(caught.value) == (
        "Configuration invalide : ADMIN_USER_IDS, lu dans l’environnement : ce ne sont pas des "
        "identifiants de membres Slack : alice. Donnez des identifiants tels que U012AB3CDE, "
        "séparés par des virgules (profil Slack > ⋮ > Copier l’ID de membre)."
    )
    monkeypatch.delenv("ADMIN_USER_IDS")
    assert load_settings(_env_file=None).admin_user_ids == frozenset()


@pytest.mark.parametrize("typed", ["/etc/hosts.txt", "tests/data/mistral-ai.txt"])
def test_a_file_name_typed_in_slack_is_never_read(slack, running, corpus, typed):
    """Slack adds from web addresses only: a path on the server is an invalid address."""
    app = running()
    _, reply = command(slack, app, f"ajouter {typed}", replies=2)
    assert reply.startswith(
        f"« {typed} » n’est pas une adresse web complète : donnez l’adresse de l’article avec "
        "http:// ou https://, telle que l’affiche votre navigateur."
    )
    assert not list(corpus.glob("2025-*.md"))


def test_a_missing_corpus_folder_is_reported_for_the_operator(slack, running, tmp_path):
    """CORPUS_DIR pointing nowhere: the admin is told to warn whoever runs the bot."""
    app = running(corpus_dir=tmp_path / "ailleurs")
    _, reply = command(slack, app, "ajouter https://exemple.fr/a", replies=2)
    assert reply.startswith(
        f"Je ne peux pas écrire dans mon dossier d’articles ({tmp_path / 'ailleurs'}) : il "
        "n’existe pas ou n’est pas modifiable. Prévenez la personne qui gère le bot (réglage "
        "CORPUS_DIR)."
    )


def test_additions_run_one_at_a_time_and_never_hold_the_answer_pool(
    slack, news_site, running, corpus
):
    """With one answer worker, two additions of a slow page are both accepted: the pool only
    says "je récupère…", the fetch and rebuild run on the adder's own thread, one addition
    after the other (the second finds the first one's article and changes nothing), and a
    question asked meanwhile is answered before the first addition is done."""
    app = running(answer_workers=1)
    first = news_site.article("/lent")
    second = news_site.article("/lent-aussi")  # the same article, at another address
    news_site.routes["/lent"].delay = news_site.routes["/lent-aussi"].delay = 2
    for name, url in (("un", first), ("deux", second)):
        command_body = slash_command(f"ajouter {url}", slack.response_url(name))
        assert send_command(app.url, command_body) == (200, "")
    slack.wait_for("response_url", 2, timeout=30)
    status, _ = send_command(app.url, slash_command(QUESTION, slack.response_url("question")))
    assert status == 200
    calls = slack.wait_for("response_url", 5, timeout=120)
    replies = [(c.path.rsplit("/", 1)[-1], c.params["text"]) for c in calls]
    assert sorted(replies[:2]) == [
        ("deux", m.ADD_STARTED.format(url=second)),
        ("un", m.ADD_STARTED.format(url=first)),
    ]
    assert replies[2][0] == "question"
    assert replies[3][0] == "un" and replies[3][1].startswith("Article ajouté")
    assert replies[4][0] == "deux" and replies[4][1].startswith("Cet article est déjà")
    assert len(list(corpus.glob("2025-*.md"))) == 1
