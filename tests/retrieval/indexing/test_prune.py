"""The cache stays bounded: one copy of the model files for every index, and `openai-deals
index --prune` removes what is no longer used and says what, in French. Run for real in
subprocesses, each with its own temporary cache, data and config folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from two_articles import SMALL_QUESTION, write_small_corpus

from openai_deals import messages
from openai_deals.retrieval.indexing import store
from openai_deals.retrieval.indexing.use_files import model_version

CLI = [sys.executable, "-m", "openai_deals.cli"]
STORE = "openai-deals-index"
OLD = time.time() - 31 * 86_400


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    """An environment whose cache, data and config folders are temporary and empty."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CORPUS", "INDEX"))}
    for name in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "HOME"):
        env[name] = str(tmp_path / name.lower())
    return env


def openai_deals(env, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, env=env, cwd=env["HOME"]
    )
    assert result.returncode == 0, result.stderr
    return result


def corpus_caches(env) -> Path:
    return Path(env["XDG_CACHE_HOME"]) / "openai-deals" / "index"


def two_corpora(tmp_path, env) -> tuple[Path, Path]:
    Path(env["HOME"]).mkdir(parents=True)
    a, b = write_small_corpus(tmp_path / "a"), write_small_corpus(tmp_path / "b")
    for corpus in (a, b):
        openai_deals(env, "--corpus", str(corpus), "ask", SMALL_QUESTION)
    return a, b


def test_every_corpus_cache_shares_one_copy_of_the_model_files(tmp_path, home):
    """Two corpus folders, two index caches, one copy of the 76 MB weights."""
    two_corpora(tmp_path, home)
    cache = Path(home["XDG_CACHE_HOME"]) / "openai-deals"
    weights = sorted(p.relative_to(cache) for p in cache.rglob("use-weights-*.npz"))
    tokenizers = sorted(p.relative_to(cache) for p in cache.rglob("use-tokenizer-*"))
    version = model_version()
    assert weights == [Path("models") / f"use-weights-{version}.npz"]
    assert tokenizers == [Path("models") / f"use-tokenizer-{version}.npz"]
    assert len(list(corpus_caches(home).iterdir())) == 2


def _age(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        os.utime(p, (OLD, OLD), follow_symlinks=False)


def test_index_prune_removes_what_is_no_longer_used_and_says_so(tmp_path, home):
    """Old index versions, a killed writer's temporary, earlier releases' files, other model
    versions and other corpora's caches unused for 30 days go; what is in use, what is
    recent, and whatever openai-deals did not write stay."""
    a, _ = two_corpora(tmp_path, home)
    cache = Path(home["XDG_CACHE_HOME"]) / "openai-deals"
    mine = next(p for p in corpus_caches(home).iterdir() if (p / STORE / "CURRENT").is_file()
                and _corpus_of(home, p) == a)  # fmt: skip
    other = next(p for p in corpus_caches(home).iterdir() if p != mine)
    folder = mine / STORE
    live = folder / (folder / "CURRENT").read_text().strip()
    old_version = folder / "v-1-1-0000abcd"
    shutil.copytree(live, old_version)
    vectors = next(folder.glob("vectors-*.npy"))
    temporary = folder / f".{vectors.stem}-k1ll3d_x.tmp"
    temporary.write_bytes(vectors.read_bytes())
    pickled = folder / "use-tokenizer-0.2.0.pickle"
    pickled.write_bytes(b"\x80\x04N.")
    old_copy = folder / "use-weights-0.2.0.npz"
    old_copy.write_bytes(b"x" * 1000)
    models = cache / "models"
    old_model = models / "use-weights-0.1.0.npz"
    old_model.write_bytes(b"x" * 2000)
    os.utime(old_model, (OLD, OLD))
    recent_model = models / "use-weights-0.1.1.npz"
    recent_model.write_bytes(b"x" * 10)
    _age(other)
    foreign = corpus_caches(home) / "cafebabe0000"  # a corpus cache name, with a user's file
    (foreign / STORE).mkdir(parents=True)
    (foreign / STORE / store.STORE_MARKER).write_text("")
    (foreign / "mes-notes.txt").write_text("à garder")
    _age(foreign)
    user_version = folder / "v-important"
    user_version.mkdir()

    result = openai_deals(home, "--corpus", str(a), "index", "--prune")

    removed = {old_version, pickled, old_copy, old_model, other}
    for path in (*removed, temporary):  # the temporary goes at start-up, before the pruning
        assert not path.exists(), path
    for path in (live, recent_model, foreign / "mes-notes.txt", user_version, vectors):
        assert path.exists(), path
    lines = result.stdout.splitlines()
    assert lines[0].startswith("4 phrases, 2 articles → ")
    why = {line.split(" (")[0].removeprefix("Supprimé : "): line for line in lines[1:-1]}
    assert set(why) == {str(p) for p in removed}
    assert "(index d’un autre corpus, inutilisé depuis 30 jours, " in why[str(other)]
    assert "(ancienne version de l’index, " in why[str(old_version)]
    assert why[str(pickled)].endswith(
        "(fichier d’une version précédente d’openai-deals, moins d’1 ko)"
    )
    assert why[str(old_copy)].endswith("(fichier d’une version précédente d’openai-deals, 1 ko)")
    assert why[str(old_model)].endswith(
        "(fichiers d’une autre version du modèle, inutilisés depuis 30 jours, 2 ko)"
    )
    assert lines[-1].startswith("5 éléments supprimés, ") and lines[-1].endswith(" libérés.")
    again = openai_deals(home, "--corpus", str(a), "index", "--prune")
    assert again.stdout.splitlines()[-1] == messages.PRUNED_NOTHING
    answer = openai_deals(home, "--corpus", str(a), "ask", SMALL_QUESTION)
    assert "600 millions" in answer.stdout


def _corpus_of(env, cache: Path) -> Path:
    """Which corpus a cache folder belongs to, as Settings.resolved_index_dir names it."""
    import hashlib

    for corpus in (Path(env["HOME"]).parent / "a", Path(env["HOME"]).parent / "b"):
        if hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:12] == cache.name:
            return corpus
    raise AssertionError(cache)
