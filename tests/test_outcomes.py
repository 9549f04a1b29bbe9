"""The outcome store's files: the pseudonym key (made atomically, an empty one replaced) and
the default SQLite database (readable by its owner only)."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from openai_deals.outcomes import OutcomeStore, load_or_create_key
from openai_deals.settings import load_settings


def settings_on(database: Path):
    return load_settings(_env_file=None, database_url=f"sqlite:///{database}")


def test_an_empty_key_file_is_replaced_with_a_warning(tmp_path, caplog):
    """A pseudonym.key left empty (a kill between its creation and its write) no longer turns
    the outcome store off: a new key replaces it, owner-only, and a warning says so."""
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("")
    with caplog.at_level(logging.WARNING, logger="openai_deals.outcomes"):
        store = OutcomeStore.from_settings(settings_on(tmp_path / "outcomes.sqlite3"))
    key = key_file.read_text(encoding="ascii")
    assert len(bytes.fromhex(key)) == 32
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert store.pseudonym("U1") == OutcomeStore(store.engine, bytes.fromhex(key)).pseudonym("U1")
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "empty or unreadable" in warning and str(key_file) in warning
    assert key not in caplog.text


def test_a_key_file_that_is_not_hex_is_replaced_too(tmp_path):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text("not a key\n")
    assert len(load_or_create_key(key_file)) == 32
    assert load_or_create_key(key_file) == bytes.fromhex(key_file.read_text())


@pytest.mark.parametrize("round_", range(20))
def test_processes_starting_at_once_share_one_whole_key(tmp_path, round_):
    """Twenty starts racing to make the key all get the same 32 bytes: nobody reads the file
    between its creation and its write (it appears whole, by a link of a finished file)."""
    key_file = tmp_path / "data" / "pseudonym.key"
    barrier = threading.Barrier(20)
    keys: list[bytes] = []

    def start() -> None:
        barrier.wait(5)
        keys.append(load_or_create_key(key_file))

    threads = [threading.Thread(target=start) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(keys) == 20 and len(set(keys)) == 1 and len(keys[0]) == 32
    assert keys[0] == bytes.fromhex(key_file.read_text())
    assert [p.name for p in key_file.parent.iterdir()] == ["pseudonym.key"]  # no temporaries


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def default_store() -> OutcomeStore:
    """The store on the default database (a SQLite file in this test's own data folder)."""
    return OutcomeStore.from_settings(load_settings(_env_file=None))


def test_the_default_database_is_made_owner_only(monkeypatch):
    """The default SQLite file (bot tokens in OAuth mode) is created 0600 in a 0700 folder,
    whatever the umask."""
    import platformdirs

    previous = os.umask(0o022)
    try:
        default_store()
    finally:
        os.umask(previous)
    folder = platformdirs.user_data_path("openai-deals")
    assert (mode(folder), mode(folder / "openai-deals.sqlite3")) == (0o700, 0o600)
    assert mode(folder / "pseudonym.key") == 0o600


def test_a_readable_database_is_made_owner_only_at_start_up(caplog):
    """A database file and folder others can read (made by an older version) are made owner
    only at start-up, with a warning naming them."""
    import platformdirs

    folder = platformdirs.user_data_path("openai-deals")
    folder.mkdir(parents=True)
    database = folder / "openai-deals.sqlite3"
    database.touch()
    os.chmod(folder, 0o755)
    os.chmod(database, 0o644)
    with caplog.at_level(logging.WARNING, logger="openai_deals.database"):
        default_store()
    assert (mode(folder), mode(database)) == (0o700, 0o600)
    warnings = [r.getMessage() for r in caplog.records]
    assert any(str(database) in w and "0644" in w for w in warnings), warnings
    assert any(str(folder) in w and "0755" in w for w in warnings), warnings


def test_a_database_in_a_folder_of_the_users_choice_leaves_that_folder_alone(tmp_path):
    """DATABASE_URL in a shared folder (here 0755): the file is owner-only, the folder is the
    user's business and keeps its mode."""
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)
    OutcomeStore.from_settings(settings_on(folder / "deals.sqlite3"))
    assert (mode(folder), mode(folder / "deals.sqlite3")) == (0o755, 0o600)
