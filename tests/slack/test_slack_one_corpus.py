"""One corpus for every process: real processes sharing a real redis-server and a
real PostgreSQL, the stand-in Slack and news site on 127.0.0.1, signed requests over HTTP.

An article added through any process is answered from by every process within 10 s, and no
longer after it is removed; one build serves the processes of one INDEX_DIR; an addition
killed midway loses nothing; a terminal addition racing a Slack one gives one article."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from slack_payloads import USER_ID, send_command, slash_command
from test_slack_server import child_env, free_port, running, wait_healthy
from test_slack_server import procfile_web_command as procfile_web

from openai_deals import messages as m
from openai_deals.articles import articles_table

CORPUS_DIR = Path(__file__).resolve().parents[2] / "openai_deals" / "corpus"
QUESTION = "Combien Schneider Electric a-t-il investi dans Mistral AI ?"
FROM_THE_ARTICLE = "400 millions d’euros"
PROPAGATION_SECONDS = 10.0  # the promised bound, from the admin's "done" to every process
_names = itertools.count(1)


def corpus_copy(tmp_path: Path, name: str = "corpus") -> Path:
    return Path(shutil.copytree(CORPUS_DIR, tmp_path / name))


def shared_env(slack, home: Path, corpus: Path, postgres_url: str, redis_url: str, **values):
    """What each process gets: the shared servers, its own corpus copy and index folder."""
    index_dir = home / "index"
    index_dir.mkdir(parents=True, exist_ok=True)
    return child_env(
        slack,
        index_dir,
        CORPUS_DIR=str(corpus),
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,
        EMBEDDINGS="none",  # the corpus's propagation is tested here, not the vectors
        ADMIN_USER_IDS=USER_ID,
        FETCH_ALLOW_PRIVATE="true",
        **values,
    )


def command(slack, events_url: str, text: str, replies: int = 1, timeout: float = 120) -> list[str]:
    """``/openai-deals text`` on one process; the texts of its ``replies`` response_url posts
    (or of its acknowledgement, when that is the reply)."""
    name = f"c{next(_names)}"
    status, body = send_command(events_url, slash_command(text, slack.response_url(name)))
    assert status == 200
    if body:
        reply = json.loads(body)
        return [reply["text"] + str(reply.get("blocks", ""))]
    deadline = time.monotonic() + timeout
    while True:
        calls = [c for c in slack.calls_to("response_url") if c.path.endswith(f"/{name}")]
        if len(calls) >= replies:
            return [c.params["text"] + str(c.params.get("blocks", "")) for c in calls]
        assert time.monotonic() < deadline, f"no reply to {text!r} within {timeout}s"
        time.sleep(0.02)


def answers_from_article(slack, events_url: str) -> bool:
    return FROM_THE_ARTICLE in command(slack, events_url, QUESTION)[0]


def wait_until(slack, events_url: str, from_article: bool) -> float:
    """Ask until the process answers from the article (or no longer does); the seconds it
    took, at most PROPAGATION_SECONDS."""
    started = time.monotonic()
    while answers_from_article(slack, events_url) != from_article:
        elapsed = time.monotonic() - started
        assert elapsed < PROPAGATION_SECONDS, f"{events_url} still the old corpus after {elapsed}"
        time.sleep(0.1)
    return time.monotonic() - started


def article_id(sources: str) -> str:
    (found,) = set(re.findall(r"`(2025-10-14-[^`]+)`", sources))  # in the text and blocks
    return found


def test_two_serve_processes_sharing_redis_and_postgres_answer_from_one_corpus(
    slack, news_site, redis_server, postgres_url, tmp_path
):
    """Two `serve --http` as two machines (own INDEX_DIR, own CORPUS_DIR copy): `ajouter`
    through one is answered by both within 10 s; `retirer` through the other, by neither;
    `sources` shows the id; then a terminal `add` racing a Slack `ajouter` writes one row."""
    redis_server.flush()
    url = news_site.article()
    ports = free_port(), free_port()
    homes = tmp_path / "a", tmp_path / "b"
    envs = [
        shared_env(slack, home, corpus_copy(home), postgres_url, redis_server.url) for home in homes
    ]
    serve = [[sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(p)]
             for p in ports]  # fmt: skip
    with (
        running(serve[0], envs[0], homes[0]) as first,
        running(serve[1], envs[1], homes[1]) as second,
    ):
        wait_healthy(f"http://127.0.0.1:{ports[0]}", first, homes[0])
        wait_healthy(f"http://127.0.0.1:{ports[1]}", second, homes[1])
        a, b = (f"http://127.0.0.1:{p}/slack/events" for p in ports)
        assert not answers_from_article(slack, a) and not answers_from_article(slack, b)

        _, done = command(slack, a, f"ajouter {url}", replies=2)
        assert done.startswith("Article ajouté"), done
        assert answers_from_article(slack, a)  # the adder swapped before replying
        seconds = wait_until(slack, b, from_article=True)
        print(f"\nadded through A, answered by B after {seconds:.2f} s")
        for _ in range(5):  # every question, on both, from now on
            assert answers_from_article(slack, a) and answers_from_article(slack, b)
        (sources,) = command(slack, b, "sources")
        removed = article_id(sources)

        (refused,) = command(slack, b, "retirer 2025-01-01-nulle-part", replies=1)
        assert refused.startswith(m.REMOVE_NOT_FOUND.format(article_id="2025-01-01-nulle-part"))
        (reply,) = command(slack, b, f"retirer `{removed}`")
        assert reply.startswith(
            "Article retiré : *Mistral AI lève 1,2 milliard d’euros et s’allie à Schneider "
            f"Electric* ({removed}). Je n’en tiens plus compte."
        ), reply
        assert not answers_from_article(slack, b)
        seconds = wait_until(slack, a, from_article=False)
        print(f"removed through B, dropped by A after {seconds:.2f} s")
        assert removed not in command(slack, a, "sources")[0]

        # A terminal `add` and a Slack `ajouter` of one article at the same moment.
        terminal = subprocess.Popen(
            [sys.executable, "-m", "openai_deals.cli", "add", url],
            env=envs[1], cwd=homes[1], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        slack_replies = command(slack, a, f"ajouter {url}", replies=2)
        out, err = terminal.communicate(timeout=120)
        outcomes = sorted(
            [
                "added" if slack_replies[1].startswith("Article ajouté") else "duplicate",
                "added" if terminal.returncode == 0 else "duplicate",
            ]
        )
        assert outcomes == ["added", "duplicate"], (slack_replies, out, err)
        with sa.create_engine(postgres_url).connect() as connection:
            ids = connection.execute(sa.select(articles_table.c.id)).scalars().all()
        assert [i for i in ids if i.startswith("2025-10-14-")] == [removed]
        wait_until(slack, b, from_article=True)
        wait_until(slack, a, from_article=True)


def test_two_gunicorn_workers_build_once_and_both_follow(
    slack, news_site, redis_server, postgres_url, tmp_path
):
    """The Procfile's web process with two workers, one INDEX_DIR: after `ajouter`, one of
    them builds the new index and the other loads it; 20 questions are then all answered
    from the article, whichever worker takes them; after `retirer`, none is."""
    redis_server.flush()
    port = free_port()
    env = shared_env(slack, tmp_path, corpus_copy(tmp_path), postgres_url, redis_server.url)
    with running(procfile_web(port, "--workers", "2"), env, tmp_path) as process:
        wait_healthy(f"http://127.0.0.1:{port}", process, tmp_path)
        events = f"http://127.0.0.1:{port}/slack/events"
        log = tmp_path / "stderr.log"
        wait_for_lines(log, "Watching the corpus version", 2)
        _, done = command(slack, events, f"ajouter {news_site.article()}", replies=2)
        assert done.startswith("Article ajouté"), done
        started = time.monotonic()
        wait_for_lines(log, "Now answering from corpus version 2", 2)
        print(f"\nboth workers on the new version {time.monotonic() - started:.2f} s after")
        assert sum(answers_from_article(slack, events) for _ in range(20)) == 20
        version_2 = [line for line in log.read_text().splitlines() if "Corpus version 2" in line]
        assert len(version_2) == 2, version_2
        assert sum("index built" in line for line in version_2) == 1, version_2
        assert sum("index loaded" in line for line in version_2) == 1, version_2

        (sources,) = command(slack, events, "sources")
        command(slack, events, f"retirer {article_id(sources)}")
        wait_for_lines(log, "Now answering from corpus version 3", 2)
        assert sum(answers_from_article(slack, events) for _ in range(20)) == 0


def wait_for_lines(log: Path, text: str, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text().count(text) < count:
        assert time.monotonic() < deadline, f"fewer than {count} {text!r} in {log}"
        time.sleep(0.05)


def test_an_addition_killed_mid_build_loses_nothing(
    slack, news_site, redis_server, postgres_url, tmp_path
):
    """`openai-deals add` killed (SIGKILL) once the article is recorded, while it builds:
    the row is there, the running bot keeps answering from a whole index and then from the
    article, built by its own watcher (the dead builder's lock went with it)."""
    port = free_port()
    bot_home, cli_home = tmp_path / "bot", tmp_path / "cli"
    corpus = corpus_copy(tmp_path)
    env = shared_env(slack, bot_home, corpus, postgres_url, redis_server.url)
    serve = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]
    with running(serve, env, bot_home) as bot:
        wait_healthy(f"http://127.0.0.1:{port}", bot, bot_home)
        events = f"http://127.0.0.1:{port}/slack/events"
        # The terminal on the bot's own INDEX_DIR: the one it would share on a machine.
        cli_home.mkdir()
        adder = subprocess.Popen(
            [sys.executable, "-m", "openai_deals.cli", "add", news_site.article()],
            env=env, cwd=cli_home, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        for line in adder.stdout:  # type: ignore[union-attr]
            if line.startswith("Enregistré dans la base"):
                adder.send_signal(signal.SIGKILL)
                break
        assert adder.wait(30) == -signal.SIGKILL
        assert command(slack, events, QUESTION)  # answering throughout, old corpus or new
        wait_until(slack, events, from_article=True)
        with sa.create_engine(postgres_url).connect() as connection:
            count = connection.execute(sa.select(sa.func.count()).select_from(articles_table))
            assert count.scalar() == 6


def test_the_terminal_beside_a_running_bot_on_one_machine(slack, tmp_path):
    """No PostgreSQL: the folder is the record. `openai-deals add` of a saved page and
    `openai-deals remove`, run beside `serve --http` on the same CORPUS_DIR and INDEX_DIR,
    reach the bot within 10 s each."""
    port = free_port()
    corpus = corpus_copy(tmp_path)
    bot_home, cli_home = tmp_path / "bot", tmp_path / "cli"
    bot_home.mkdir()
    cli_home.mkdir()
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    env = child_env(
        slack,
        index_dir,
        CORPUS_DIR=str(corpus),
        EMBEDDINGS="none",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    serve = [sys.executable, "-m", "openai_deals.cli", "serve", "--http", "--port", str(port)]
    page = Path(__file__).resolve().parents[1] / "data" / "gazette-mistral-ai.html"
    cli = [sys.executable, "-m", "openai_deals.cli"]
    with running(serve, env, bot_home) as bot:
        wait_healthy(f"http://127.0.0.1:{port}", bot, bot_home)
        events = f"http://127.0.0.1:{port}/slack/events"
        assert not answers_from_article(slack, events)
        added = subprocess.run([*cli, "add", str(page)], env=env, cwd=cli_home,
                               capture_output=True, text=True, timeout=300)  # fmt: skip
        assert added.returncode == 0, added.stderr
        print(f"\nterminal add, bot answering after {wait_until(slack, events, True):.2f} s")
        (written,) = corpus.glob("2025-10-14-*.md")
        removed = subprocess.run([*cli, "remove", written.stem], env=env, cwd=cli_home,
                                 capture_output=True, text=True, timeout=300)  # fmt: skip
        assert removed.returncode == 0, removed.stderr
        print(f"terminal remove, bot dropping it after {wait_until(slack, events, False):.2f} s")
    assert "Now answering from corpus version 2" in bot.output
