"""The tests never touch the user's real home, data, cache or config folders."""

from __future__ import annotations

import os
import pwd
import tempfile
from pathlib import Path

import platformdirs
import pytest

from openai_deals.database import default_database_url
from openai_deals.settings import env_file_candidates


def real_home() -> Path:
    """The user's home as the system knows it, whatever HOME says."""
    return Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()


def test_every_user_folder_is_a_temporary_one():
    """Home, data (SQLite file, pseudonym key), cache (index, lemma tables) and config (.env)
    folders are temporary ones, none under the real home."""
    folders = [
        Path.home(),
        platformdirs.user_data_path("openai-deals"),
        platformdirs.user_cache_path("openai-deals"),
        platformdirs.user_config_path("openai-deals"),
        Path(default_database_url().removeprefix("sqlite:///")),
        env_file_candidates()[1],
    ]
    temporary = Path(tempfile.gettempdir()).resolve()
    for folder in folders:
        assert folder.resolve().is_relative_to(temporary), folder
        assert not folder.resolve().is_relative_to(real_home()), folder


_DATA_FOLDERS: list[Path] = []


@pytest.mark.parametrize("run", [1, 2])
def test_two_tests_do_not_share_a_data_folder(run):
    """Each test's data folder is its own (a pseudonym key or a SQLite file one test makes is
    never seen by the next): the two runs of this test get different ones."""
    _DATA_FOLDERS.append(platformdirs.user_data_path("openai-deals"))
    assert len(set(_DATA_FOLDERS)) == len(_DATA_FOLDERS) == run
