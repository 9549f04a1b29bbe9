"""bench/slack_load.py as a user runs it: it must leave the user's own folders untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_load_script_writes_nothing_in_the_users_folders(index_dir, engine, tmp_path):
    """A short run of the load script with a user's HOME (and no XDG variables) answers every
    question and leaves that home empty: no database, no pseudonym key, no cache."""
    home = tmp_path / "user-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "SLACK_"))}
    env.pop("DATABASE_URL", None)
    env["HOME"] = str(home)
    args = [
        sys.executable, str(ROOT / "bench" / "slack_load.py"), "--scenario", "normal",
        "--requests", "10", "--clients", "2", "--settle", "20", "--max-wait", "60",
        "--index-dir", str(index_dir),
    ]  # fmt: skip
    result = subprocess.run(
        args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    row = json.loads(result.stdout.splitlines()[0])
    assert (row["lost"], row["duplicated"], row["questions"]) == (0, 0, 9)
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
