"""The openai-deals command line, run for real in a subprocess."""

from __future__ import annotations

import json
import os
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from two_articles import SMALL_QUESTION

from openai_deals import messages
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.indexing.cache import cache_key, store_dir
from openai_deals.retrieval.indexing.index import Params
from openai_deals.retrieval.ingestion.corpus import corpus_files

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "openai_deals" / "corpus"
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
CLI = [sys.executable, "-m", "openai_deals.cli"]
# An empty config directory, outside the checkout: no .env in it, and what other programs
# write there (matplotlib's cache, for `deals --plot`) never lands in the source tree.
NO_CONFIG_DIR = Path(tempfile.mkdtemp(prefix="openai-deals-no-config-"))


def clean_env(**values: str) -> dict[str, str]:
    """The environment without the settings a developer may have exported, nor their config
    directory's .env (``values`` are added)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CORPUS", "INDEX"))}
    env["XDG_CONFIG_HOME"] = str(NO_CONFIG_DIR)
    return {**env, **values}


def command(*args: str, index_dir: Path, corpus: Path = CORPUS) -> list[str]:
    """The openai-deals command line on ``corpus`` with its cache in ``index_dir``."""
    return [*CLI, "--corpus", str(corpus), "--index-dir", str(index_dir), *args]


def cli(args: list[str], stdin: str | None = None, cwd: Path = ROOT, env=None):
    """Run the real command line with ``args`` and wait for it."""
    return subprocess.run(
        args,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env or clean_env(),
        cwd=cwd,
    )


def run(*args: str, index_dir: Path, corpus: Path = CORPUS, stdin: str | None = None):
    return cli(command(*args, index_dir=index_dir, corpus=corpus), stdin=stdin)


def test_ask_prints_a_cited_answer(index_dir):
    """`ask` prints the snippet with its citation and the reference line."""
    result = run("ask", "Combien Google a-t-il investi dans Anthropic ?", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert "300 millions de dollars" in result.stdout
    assert "[1]" in result.stdout and "février 2023" in result.stdout


def test_ask_cleans_slack_markup_like_the_bot(index_dir):
    """A question pasted from Slack, mention included, is answered as in Slack."""
    question = "<@U123> Combien   Google a-t-il investi dans <#C1|général> Anthropic ?"
    result = run("ask", "--json", question, index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == "Combien Google a-t-il investi dans Anthropic ?"
    assert not data["abstained"] and "300 millions" in data["snippets"][0]["text"]


@pytest.mark.parametrize("word", ["aide", "<@U123> aide", "Aide !", ""])
def test_ask_aide_prints_the_help(word, tmp_path):
    """« aide » (or nothing) asks for help, as in Slack; the help needs no index."""
    result = run("ask", word, index_dir=tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert result.stdout == messages.terminal_help() + "\n"
    assert not (tmp_path / "index").exists()


def test_ask_json_aide_is_the_help_in_the_json_shape(tmp_path):
    """With --json, the help keeps the contract's fields, with status "help"."""
    result = run("ask", "--json", "aide", index_dir=tmp_path)
    data = json.loads(result.stdout)
    assert data["status"] == "help" and data["message"] == messages.terminal_help()
    assert data["snippets"] == []


def test_location_options_work_after_the_subcommand(small_corpus, tmp_path):
    """`ask --corpus DIR --index-dir DIR "…"` reads that corpus, not the path as a question."""
    index = tmp_path / "index"
    args = ["ask", "--corpus", str(small_corpus), "--index-dir", str(index), "--json"]
    result = cli([*CLI, *args, SMALL_QUESTION])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["question"] == SMALL_QUESTION
    assert data["snippets"][0]["article_id"] == "mistral-levee"
    assert (tmp_path / "index" / "openai-deals-index" / "CURRENT").exists()


def test_ask_json_reads_one_question_per_line(index_dir):
    """Without a question, `ask --json` answers each stdin line as one JSON object."""
    questions = "Combien Google a-t-il investi dans Anthropic ?\n\nQui a écrit Les Misérables ?\n"
    result = run("ask", "--json", "--k", "2", index_dir=index_dir, stdin=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == [
        "Combien Google a-t-il investi dans Anthropic ?",
        "Qui a écrit Les Misérables ?",
    ]
    assert not lines[0]["abstained"] and len(lines[0]["snippets"]) <= 2
    assert lines[0]["snippets"][0]["citation"] == 1
    assert lines[1]["abstained"] and lines[1]["snippets"] == []


def test_ask_reads_questions_from_stdin_as_text(index_dir):
    """`echo "…" | openai-deals ask`: each stdin line is answered, after its question."""
    questions = "Combien Google a-t-il investi dans Anthropic ?\n\nQui a écrit Les Misérables ?\n"
    result = run("ask", index_dir=index_dir, stdin=questions)
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.split("\n\nQuestion : ")
    assert first.startswith("Question : « Combien Google a-t-il investi dans Anthropic ? »\n")
    assert "300 millions de dollars" in first and "[1] " in first
    assert second.startswith("« Qui a écrit Les Misérables ? »\nJe ne sais pas")


def test_ask_on_a_terminal_says_how_to_type_questions(index_dir):
    """With no question and a terminal on stdin, ask says to type one per line."""
    import pty

    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        command("ask", index_dir=index_dir),
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(),
        cwd=ROOT,
    )
    os.close(terminal)
    os.write(controller, b"aide\n\x04")  # a question, then Ctrl-D
    out, err = proc.communicate(timeout=120)
    os.close(controller)
    assert proc.returncode == 0, err
    assert messages.ASK_STDIN_PROMPT in err.decode()
    assert messages.terminal_help() in out.decode()


@pytest.mark.parametrize("k", ["0", "11", "-3"])
def test_k_out_of_range_is_one_french_line(k, tmp_path):
    """--k 0 is refused like --k 11 (no silent default), in one line that says the range."""
    result = run("ask", "--k", k, "Qui ?", index_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"--k doit être un nombre entier de 1 à 10 (reçu : {k}).\n"
    assert result.stdout == ""


@pytest.mark.parametrize("k", ["1", "10"])
def test_k_bounds_are_accepted(k, index_dir):
    """The range's ends are valid page sizes."""
    result = run("ask", "--json", "--k", k, "Microsoft OpenAI", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert 1 <= len(json.loads(result.stdout)["snippets"]) <= int(k)


def test_malformed_setting_stops_the_cli_with_one_french_line(tmp_path):
    """TOP_K=0: one line naming it, its range and where to fix it; no English, no traceback."""
    result = cli([*CLI, "ask", "Qui ?"], env=clean_env(TOP_K="0"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "Configuration invalide : TOP_K doit être un nombre entier de 1 à 10 (reçu : 0). "
        "Corrigez-le dans l’environnement.\n"
    )


def write_env(directory: Path, **values: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ".env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    return path


def test_env_file_in_the_user_config_dir_is_read_from_any_directory(small_corpus, tmp_path):
    """With no .env where it runs, openai-deals reads ~/.config/openai-deals/.env."""
    config = tmp_path / "config"
    write_env(config / "openai-deals", CORPUS_DIR=small_corpus, INDEX_DIR=tmp_path / "index")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(XDG_CONFIG_HOME=str(config))
    result = cli([*CLI, "ask", "--json", SMALL_QUESTION], cwd=elsewhere, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["snippets"][0]["article_id"] == "mistral-levee"


def test_env_file_in_the_current_directory_comes_first(small_corpus, tmp_path):
    """A .env where it runs wins over the one in the user config dir."""
    config = tmp_path / "config"
    write_env(config / "openai-deals", CORPUS_DIR=tmp_path / "missing", TOP_K=0)
    here = tmp_path / "here"
    write_env(here, CORPUS_DIR=small_corpus, INDEX_DIR=tmp_path / "index")
    env = clean_env(XDG_CONFIG_HOME=str(config))
    result = cli([*CLI, "ask", "--json", SMALL_QUESTION], cwd=here, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["snippets"][0]["article_id"] == "mistral-levee"


def test_serve_says_which_env_file_it_read(tmp_path):
    """`serve` logs the .env it read, before anything else can fail."""
    here = tmp_path / "here"
    env_file = write_env(here, LOG_LEVEL="INFO")
    result = cli([*CLI, "serve"], cwd=here, env=clean_env())
    assert result.returncode == 2  # no Slack tokens in that .env
    assert f"INFO openai_deals: Settings read from {env_file} and the environment" in (
        result.stderr
    )


def test_eval_prints_the_metrics(index_dir):
    """`eval` prints every metric it reports."""
    result = run("eval", str(DEV), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    for label in (
        "hit@1",
        "hit@3",
        "MRR@5",
        "abstention rate",
        "false abstention rate",
        "mean snippet length",
    ):
        assert label in result.stdout


def test_eval_reports_a_malformed_question_file(index_dir, tmp_path):
    """A broken question file is named with its line, no traceback."""
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question": "ok", "answers": []}\nnot json\n', encoding="utf-8")
    result = run("eval", str(bad), index_dir=index_dir)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Cannot read {bad}: q.jsonl, line 2: ")
    assert "Traceback" not in result.stderr


def test_index_is_reused_and_rebuilt_when_the_corpus_changes(small_corpus, tmp_path):
    """The cache is reused across runs, and rebuilt, with no warning, when the corpus changes."""
    index_dir = tmp_path / "index"
    assert run("index", index_dir=index_dir, corpus=small_corpus).returncode == 0
    current = index_dir / "openai-deals-index" / "CURRENT"
    first = current.read_text()
    assert run("ask", "Mistral", index_dir=index_dir, corpus=small_corpus).returncode == 0
    assert current.read_text() == first  # reused, not rebuilt
    (small_corpus / "zz-new.md").write_text(
        "---\ntitle: Nouvel article\ndate: 2024-05\n---\n"
        "Kyutai a reçu un don d’une fondation française.\n",
        encoding="utf-8",
    )
    result = run("ask", "--json", "Kyutai fondation", index_dir=index_dir, corpus=small_corpus)
    assert current.read_text() != first
    assert json.loads(result.stdout)["snippets"][0]["article_id"] == "zz-new"
    assert "WARNING" not in result.stderr, "a corpus edit is the normal path, not a problem"


def test_deeply_nested_article_cache_is_analysed_again(small_corpus, tmp_path):
    """An article-cache file of 100,000 `[` (JSON nested past Python's recursion limit) is
    a damaged entry like any other: `ask` analyses the article again and answers."""
    index_dir = tmp_path / "index"
    assert run("index", index_dir=index_dir, corpus=small_corpus).returncode == 0
    entries = sorted((store_dir(index_dir) / "articles").glob("*.json"))
    assert len(entries) == 2
    for entry in entries:
        entry.write_text("[" * 100_000, encoding="utf-8")
    nvidia = small_corpus / "nvidia-puce.md"
    nvidia.write_text(nvidia.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", "utf-8")
    result = run("ask", "-v", "--json", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["snippets"][0]["article_id"] == "mistral-levee"
    assert "Article cache" in result.stderr and "analysing again" in result.stderr
    rewritten = sorted((store_dir(index_dir) / "articles").glob("*.json"))
    assert len(rewritten) == 2
    assert all(json.loads(e.read_text(encoding="utf-8"))["sentences"] for e in rewritten)


def test_broken_corpus_file_is_reported_by_name_and_skipped(small_corpus, tmp_path):
    """`index` names a malformed file on stderr, in French, and indexes the rest."""
    (small_corpus / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    result = run("index", index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert (
        "ignoré : broken.md : le fichier doit commencer par une ligne « --- » (l’en-tête).\n"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert "2 articles" in result.stdout


def test_index_reports_what_it_did_not_read(small_corpus, tmp_path):
    """`index` names, in French, files that are not articles and unknown front-matter keys."""
    (small_corpus / "notes.txt").write_text("à faire\n", encoding="utf-8")
    (small_corpus / "archives").mkdir()
    article = small_corpus / "nvidia-puce.md"
    article.write_text(
        article.read_text(encoding="utf-8").replace("date:", "auteur: moi\ndate:"),
        encoding="utf-8",
    )
    result = run("index", index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if " WARNING " not in line]
    assert lines == [
        "ignoré : archives : les articles doivent être directement dans le dossier du corpus, "
        "pas dans un sous-dossier.",
        "ignoré : notes.txt : seuls les fichiers .md sont des articles (renommez-le en .md "
        "pour l’indexer).",
        "attention : nvidia-puce.md, ligne 3 : clé « auteur » inconnue, ignorée (clés connues : "
        "date, id, language, source, title, url).",
    ]
    assert "2 articles" in result.stdout


def test_corpus_with_no_usable_article_says_so_in_french(tmp_path):
    """Only broken files: exit 2, one line saying so, then one line per file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "broken.md").write_text("---\ntitle: x\n---\ntexte\n", encoding="utf-8")
    result = run("ask", "Qui ?", index_dir=tmp_path / "index", corpus=corpus)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if " WARNING " not in line]
    assert lines == [
        "Première utilisation : je prépare l’index de l’article…",
        f"Aucun article utilisable dans {corpus} : ajoutez-y des fichiers .md "
        "(voir le format dans openai_deals/corpus/README.md).",
        "ignoré : broken.md : l’en-tête n’a pas de « date: ».",
    ]


def test_corpus_dir_that_is_a_file_says_it_is_a_file(small_corpus, tmp_path):
    """CORPUS_DIR naming a file says so, instead of "does not exist"."""
    file = small_corpus / "mistral-levee.md"
    result = run("ask", "Qui ?", index_dir=tmp_path / "index", corpus=file)
    assert result.returncode == 2
    assert result.stderr == (
        f"{file} est un fichier, pas un dossier : CORPUS_DIR (ou --corpus) doit désigner le "
        "dossier qui contient les articles (*.md).\n"
    )


def test_missing_corpus_dir_is_one_french_line(tmp_path):
    """A corpus directory that does not exist: one French line, no English, no traceback."""
    missing = tmp_path / "nowhere"
    result = run("index", index_dir=tmp_path / "index", corpus=missing)
    assert result.returncode == 2
    assert result.stderr == (
        f"Le dossier du corpus {missing} n’existe pas : vérifiez CORPUS_DIR ou --corpus.\n"
    )


def test_index_that_cannot_be_saved_fails_in_french(small_corpus, tmp_path):
    """`index` whose cache cannot be written exits 1 and says so, instead of claiming success."""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    index_dir = blocker / "index"  # under a file: cannot be created
    result = run("index", index_dir=index_dir, corpus=small_corpus)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.endswith(
        f"L’index n’a pas pu être enregistré dans {index_dir} : vérifiez que ce dossier peut "
        "être créé et écrit, ou choisissez-en un autre avec --index-dir ou INDEX_DIR.\n"
    )
    assert "Traceback" not in result.stderr


def read_only(folder: Path, args: list[str]) -> list[str]:
    """``args`` run with ``folder`` on a read-only mount (EROFS, as in a read-only image; a
    mode of 0555 would not stop root), in a mount namespace of its own: nothing changes
    outside that one process."""
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    return ["unshare", "--map-root-user", "--mount", "sh", "-c", script, str(folder), *args]


def test_read_only_index_dir_with_a_stale_index_answers_with_a_warning(small_corpus, tmp_path):
    """A read-only INDEX_DIR whose index is stale (the corpus changed): `ask` builds the
    index in memory, answers, and warns that it could not save it, as the README says."""
    index_dir = tmp_path / "index"
    assert run("index", index_dir=index_dir, corpus=small_corpus).returncode == 0
    mistral = small_corpus / "mistral-levee.md"
    mistral.write_text(mistral.read_text(encoding="utf-8") + "\nUne phrase de plus.\n", "utf-8")
    before = sorted(p.relative_to(index_dir) for p in index_dir.rglob("*"))
    ask = command("ask", "--json", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    result = cli(read_only(index_dir, ask))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["snippets"][0]["article_id"] == "mistral-levee"
    assert result.stderr == (
        "Les articles ont changé : je mets à jour l’index des 2 articles…\n"
        f"Attention : l’index n’a pas pu être enregistré dans {index_dir} (Read-only file "
        "system) : je réponds quand même, mais il sera reconstruit à chaque appel. Choisissez "
        "un dossier où écrire avec --index-dir ou INDEX_DIR.\n"
    )
    assert sorted(p.relative_to(index_dir) for p in index_dir.rglob("*")) == before


def test_closed_stdout_ends_quietly(index_dir):
    """`ask … | head -1` with the reader already gone: exit 141 (SIGPIPE), no traceback."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: EPIPE, every time
    try:
        proc = subprocess.run(
            command("ask", "Combien Google a-t-il investi dans Anthropic ?", index_dir=index_dir),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env=clean_env(),
            cwd=ROOT,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr
    assert "Exception ignored" not in proc.stderr  # Python's own flush at exit stays quiet


def test_piped_into_head_prints_no_traceback(index_dir):
    """The real pipeline: head takes the first line, ask ends without a traceback."""
    questions = "Combien Google a-t-il investi dans Anthropic ?\n" * 30
    ask = " ".join(shlex.quote(a) for a in command("ask", index_dir=index_dir))
    result = subprocess.run(
        ["bash", "-c", f"{ask} | head -1"],
        input=questions,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
        cwd=ROOT,
    )
    assert result.stdout == "Question : « Combien Google a-t-il investi dans Anthropic ? »\n"
    assert "Traceback" not in result.stderr and "Error" not in result.stderr


def test_ctrl_c_exits_130_with_one_french_line(index_dir):
    """Ctrl-C while ask waits for the next question: exit 130, « Interrompu. », no traceback."""
    proc = subprocess.Popen(
        command("ask", "--json", index_dir=index_dir),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
        cwd=ROOT,
    )
    proc.stdin.write("Combien Google a-t-il investi dans Anthropic ?\n")
    proc.stdin.flush()
    # Its answer shows that ask is in its loop, waiting for the next line: interrupt it now.
    assert json.loads(proc.stdout.readline())["status"] == "answered"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert err == "Interrompu.\n"


def test_killing_index_mid_build_leaves_the_old_index_usable(tmp_path):
    """SIGKILL during a rebuild: the previous index still answers.

    The kill is sequenced on the build's own progress output (shown on a terminal), not on a
    guessed delay: at the first article analysed, over a hundred more, the BM25 fields and the
    save are still ahead. Had the build finished first, the old index would be gone and the
    last assertion would fail, never pass by luck.
    """
    import pty

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index_dir = tmp_path / "index"
    assert run("index", index_dir=index_dir, corpus=corpus).returncode == 0
    old_key = cache_key(corpus, Params())
    # More than 20 articles: `index` draws its progress bar (on a terminal).
    copies = [corpus / f"copy-{n:03}.md" for n in range(150)]
    for copy in copies:
        shutil.copy(next(corpus.glob("001-*.md")), copy)
    total = len(corpus_files(corpus))
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        command("index", "--force", index_dir=index_dir, corpus=corpus),
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    try:
        seen = b""
        while f" 1/{total}".encode() not in seen:
            ready, _, _ = select.select([controller], [], [], 120)
            assert ready, "no progress from `index` within 2 minutes"
            seen += os.read(controller, 4096)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        os.close(controller)
    assert proc.returncode == -signal.SIGKILL
    for copy in copies:
        copy.unlink()
    assert store.load_index(store_dir(index_dir), old_key) is not None


def test_truncated_cache_file_is_detected_and_rebuilt(small_corpus, tmp_path):
    """A truncated array in the cache is never served: the next run rebuilds and answers."""
    index_dir = tmp_path / "index"
    assert run("index", index_dir=index_dir, corpus=small_corpus).returncode == 0
    folder = index_dir / "openai-deals-index"
    live = folder / (folder / "CURRENT").read_text().strip()
    victim = max(live.glob("*.npy"), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    result = run("ask", "--json", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert "600 millions" in json.loads(result.stdout)["snippets"][0]["text"]


def test_deals_prints_the_timeline_with_its_references(index_dir):
    """`deals` prints one block per partnership, oldest first, with markers and references."""
    result = run("deals", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Microsoft – OpenAI") < out.index("Google – Anthropic")
    assert (
        "  juillet 2019     investissement : un milliard de dollars (environ la moitié sous "
        "forme de crédits Azure) — ✅ fait [1][2]"
    ) in out
    google = "investissement : 300 millions de dollars · participation : 10 % — ❔ non confirmé"
    assert google in out
    assert "[1] GPT3 : OpenAI cède sa licence à Microsoft — septembre 2020" in out


def test_deals_json_gives_the_partnerships_and_their_cited_deals(index_dir):
    """`deals --json`: partnerships, each deal with amounts as numbers and cited sentences."""
    result = run("deals", "--json", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    lanes = json.loads(result.stdout)["partnerships"]
    assert lanes[0]["parties"] == ["Microsoft", "OpenAI"]
    first = lanes[0]["deals"][0]
    assert first["terms"][0]["amount"]["value"] == 1e9
    assert first["terms"][0]["amount"]["unit"] == "USD"
    assert first["date"] == {"start": "2019-07", "end": "", "stated": "juillet 2019"}
    assert first["reported"] is False
    assert "001-microsoft-milliards-openai#12" in [c["sentence_id"] for c in first["citations"]]


def test_deals_plot_draws_a_png_of_one_lane_per_partnership(index_dir, tmp_path, engine):
    """`deals --plot` writes a real PNG, its height made of one lane per partnership."""
    from openai_deals.plot import figure_pixels
    from openai_deals.retrieval.deals.extract import timeline

    path = tmp_path / "deals.png"
    result = run("deals", "--plot", str(path), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000, "a chart with marks and labels, not an empty canvas"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == figure_pixels(timeline(engine.index.deals))


def test_deals_plot_without_matplotlib_says_how_to_install_it(
    index_dir, tmp_path, monkeypatch, capsys
):
    """Without matplotlib, `deals --plot` says how to install it into the very Python that
    runs openai-deals (its package is on no index), and writes nothing."""
    from openai_deals import cli

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    monkeypatch.delitem(sys.modules, "openai_deals.plot", raising=False)
    path = tmp_path / "deals.png"
    code = cli.main(["--corpus", str(CORPUS), "--index-dir", str(index_dir), "deals", "--plot",
                     str(path)])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        "Le graphique demande matplotlib, qui n’est pas installé. Installez-le dans "
        f"l’environnement d’openai-deals : {sys.executable} -m pip install matplotlib\n"
    )
    assert not path.exists()


COMMANDS = ["ask", "index", "add", "eval", "deals", "sources", "report", "serve"]
# Words of argparse's English that must never show: its own, and those of English help texts.
ENGLISH = ("usage:", "show this", "positional arguments", "error:", " the ", " of ", "default")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help_in_french(command, tmp_path):
    """The program and each subcommand document themselves, in French, argparse's own
    words included."""
    result = run(*([command] if command else []), "--help", index_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("utilisation : openai-deals")
    assert "afficher cette aide et quitter" in result.stdout
    assert not [w for w in ENGLISH if w in result.stdout], result.stdout
    if command is None:
        assert all(f"    {name} " in result.stdout for name in COMMANDS)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["ask", "--k", "abc", "Qui ?"],
         "ask : erreur : argument --k : « abc » n’est pas un nombre entier"),
        (["serve", "--port", "x"],
         "serve : erreur : argument --port : « x » n’est pas un numéro de port (de 1 à 65535)"),
        (["ask", "--nope"], " : erreur : arguments non reconnus : --nope"),
        (["sourcez"],
         " : erreur : argument COMMANDE : choix invalide : 'sourcez' (possibles : 'ask', "),
        ([], " : erreur : arguments obligatoires manquants : COMMANDE"),
    ],
)  # fmt: skip
def test_argparse_errors_are_french(args, error, tmp_path):
    """A mistake on the command line is told in French, with where to find the help."""
    result = run(*args, index_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("utilisation : openai-deals")
    assert error in result.stderr
    assert result.stderr.endswith("Aide : openai-deals --help, ou openai-deals COMMANDE --help\n")
    assert not [w for w in ENGLISH if w in result.stderr], result.stderr


def test_first_question_says_the_index_is_being_built(small_corpus, tmp_path):
    """The first `ask` says at once, on stderr, what the wait is for (no bar off a
    terminal); the next one, on the saved index, prints nothing there."""
    index_dir = tmp_path / "index"
    first = run("ask", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    assert first.returncode == 0, first.stderr
    assert first.stderr == "Première utilisation : je prépare l’index des 2 articles…\n"
    assert "600 millions" in first.stdout
    (small_corpus / "zz-new.md").write_text(
        "---\ntitle: Nouvel article\ndate: 2024-05\n---\nKyutai a reçu un don d’une fondation.\n",
        encoding="utf-8",
    )
    changed = run("ask", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    assert changed.stderr == "Les articles ont changé : je mets à jour l’index des 3 articles…\n"
    again = run("ask", SMALL_QUESTION, index_dir=index_dir, corpus=small_corpus)
    assert again.returncode == 0 and again.stderr == ""


def test_first_question_on_a_terminal_shows_progress(small_corpus, tmp_path):
    """On a terminal, the first build draws its progress: articles read, sentences encoded."""
    import pty

    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        command("ask", SMALL_QUESTION, index_dir=tmp_path / "index", corpus=small_corpus),
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=clean_env(),
        cwd=ROOT,
    )
    os.close(terminal)
    seen = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        assert ready, "no output on the terminal within 2 minutes"
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    proc.communicate(timeout=120)
    os.close(controller)
    text = seen.decode()
    assert text.startswith("Première utilisation : je prépare l’index des 2 articles…")
    assert "] 2/2 articles lus" in text
    assert "phrases encodées" in text


def test_corrupt_article_met_by_ask_is_one_french_line(small_corpus, tmp_path):
    """A broken article found while `ask` builds the index is named in French, as `index`
    does, and no English log line shows."""
    (small_corpus / "broken.md").write_text("pas d’en-tête\n", encoding="utf-8")
    result = run("ask", SMALL_QUESTION, index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "Première utilisation : je prépare l’index des 3 articles…\n"
        "ignoré : broken.md : le fichier doit commencer par une ligne « --- » (l’en-tête).\n"
    )


def test_verbose_shows_the_log(small_corpus, tmp_path):
    """-v shows the (English) log on stderr, as whoever debugs wants it."""
    result = run("ask", "-v", SMALL_QUESTION, index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert " INFO openai_deals.retrieval.answering.engine: Index " in result.stderr


def test_sources_lists_the_articles(small_corpus, tmp_path):
    """`sources` lists every article, oldest first: its id, title, date and source."""
    result = run("sources", index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Mes sources : 2 article(s)\n\n"
        "  nvidia-puce    Nvidia présente une puce pour les centres de données — 18 mars 2024\n"
        "  mistral-levee  Mistral AI lève 600 millions d’euros — juin 2024 — d’après Les Échos\n"
    )


def test_terminal_help_names_deals_and_sources():
    """`ask aide` tells the other commands a newcomer wants: the timeline and the sources."""
    result = cli([*CLI, "ask", "aide"])
    assert "openai-deals deals " in result.stdout and "openai-deals sources " in result.stdout


def test_long_question_is_said_to_be_cut(small_corpus, tmp_path):
    """A question past 1,000 characters is answered on its start, and the answer says so."""
    question = SMALL_QUESTION + " " + "et encore des précisions " * 60
    result = run("ask", question, index_dir=tmp_path / "index", corpus=small_corpus)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Votre question dépasse 1\u202f000 caractères : je n’en ai lu ")
    data = json.loads(
        run("ask", "--json", question, index_dir=tmp_path / "index", corpus=small_corpus).stdout
    )
    assert data["question_cut"] is True and data["message"].startswith("Votre question dépasse")
    short = run("ask", SMALL_QUESTION, index_dir=tmp_path / "index", corpus=small_corpus)
    assert "dépasse" not in short.stdout


def test_deals_plot_into_a_missing_folder_is_one_french_line(index_dir, tmp_path):
    """A chart path in a folder that does not exist: one French line, no traceback."""
    path = tmp_path / "nowhere" / "deals.png"
    result = run("deals", "--plot", str(path), index_dir=index_dir)
    assert result.returncode == 2
    assert result.stderr == (
        f"Le dossier {path.parent} n’existe pas : créez-le, ou choisissez un autre chemin pour "
        "le graphique.\n"
    )


@pytest.mark.parametrize(
    ("name", "magic"),
    [("chart.jpg", b"\xff\xd8\xff"), ("chart.JPEG", b"\xff\xd8\xff"), ("chart.svg", b"<?xml")],
)
def test_deals_plot_writes_the_format_its_extension_names(name, magic, index_dir, tmp_path):
    """chart.jpg gets JPEG bytes, chart.svg SVG: the format the extension names."""
    path = tmp_path / name
    result = run("deals", "--plot", str(path), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes().startswith(magic)


def test_deals_plot_refuses_an_unknown_format(index_dir, tmp_path):
    """chart.gif is refused in French, naming the formats it can write; nothing is written."""
    path = tmp_path / "chart.gif"
    result = run("deals", "--plot", str(path), index_dir=index_dir)
    assert result.returncode == 2
    assert result.stderr == (
        "Je ne sais pas dessiner dans un fichier « .gif » : choisissez un nom qui finit par "
        ".png, .jpg, .jpeg, .svg ou .pdf.\n"
    )
    assert not path.exists()


def test_report_before_any_question_creates_nothing(tmp_path):
    """`report` on a fresh install says there is nothing yet, and creates neither the
    database nor the pseudonym key (it only reads)."""
    data = tmp_path / "data"
    data.mkdir()
    result = cli([*CLI, "report"], env=clean_env(XDG_DATA_HOME=str(data)), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Rien à montrer pour l’instant : aucune question n’a encore")
    assert list(data.rglob("*")) == [], "nothing written in the data folder"


def test_a_reader_setting_that_is_no_reader_is_one_french_line(tmp_path):
    """READER=/nowhere: refused at start, naming READER and what it may be."""
    result = cli([*CLI, "ask", "Qui ?"], env=clean_env(READER=str(tmp_path / "nowhere")),
                 cwd=tmp_path)
    assert result.returncode == 2
    assert "READER" in result.stderr
    assert messages.SETTING_EXPECTED["READER"] in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_reader_folder_says_what_to_do(tmp_path, index_dir):
    """A reader folder whose model is damaged: one French line with READER=none as the way
    out, no traceback."""
    from openai_deals.retrieval.answering.reader import default_reader_dir

    folder = tmp_path / "reader"
    shutil.copytree(default_reader_dir(), folder)
    (folder / "reader.onnx").write_bytes(b"not a model")
    args = command("ask", "Qui a investi dans Anthropic ?", index_dir=index_dir)
    result = cli(args, env=clean_env(READER=str(folder)))
    assert result.returncode == 2
    assert "READER=none" in result.stderr
    assert "Traceback" not in result.stderr


def test_reader_none_answers_with_the_first_stages_alone(index_dir):
    """READER=none: today's pipeline, answered or not found, never related."""
    question = "Combien Google a-t-il investi dans Anthropic ?"
    result = cli(command("ask", "--json", question, index_dir=index_dir),
                 env=clean_env(READER="none"))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "answered"
    assert "300 millions" in data["snippets"][0]["text"]


def test_related_passages_read_as_such_in_the_terminal():
    """The related lead, then the quoted passages and their sources; no bold answer."""
    from openai_deals.cli import render_text
    from openai_deals.retrieval.model import Answer, Snippet, Source, Status

    source = Source("a1", "Oracle et OpenAI", "2024-06", "Le Monde", 1)
    snippet = Snippet("Oracle fournit du calcul à OpenAI.", ("a1#3",), (source,), 0.3)
    text = render_text(Answer("Combien Oracle a-t-il investi ?", (snippet,), Status.RELATED))
    assert text.startswith(messages.RELATED_LEAD)
    assert "Oracle fournit du calcul à OpenAI." in text
    assert "Oracle et OpenAI" in text
