"""The one settings class: values that would make the bot unsafe are refused at start-up."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from openai_deals import messages as m
from openai_deals.settings import SettingsError, load_settings


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_index_dir_means_the_user_cache_not_the_current_directory(value, tmp_path):
    """``INDEX_DIR=`` falls back to the per-corpus folder in the user cache directory."""
    settings = load_settings(_env_file=None, index_dir=value, corpus_dir=tmp_path)
    assert settings.index_dir is None
    cache = platformdirs.user_cache_path("openai-deals") / "index"
    assert settings.resolved_index_dir.parent == cache


@pytest.mark.parametrize("value", ["/", "~"], ids=["root", "home"])
def test_home_or_root_index_dir_is_refused_in_french(value):
    """A home or root INDEX_DIR stops start-up with one French line saying what to do."""
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, index_dir=value)
    path = Path(value).expanduser().resolve()
    assert str(error.value) == "INDEX_DIR: " + m.INDEX_DIR_HOME_OR_ROOT.format(path=path)


def test_foreign_store_folder_is_refused_in_french(tmp_path):
    """An ``openai-deals-index`` folder the store did not write is refused, and left alone."""
    foreign = tmp_path / "openai-deals-index"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("x")
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, index_dir=tmp_path)
    assert str(error.value) == "INDEX_DIR: " + m.INDEX_DIR_FOREIGN.format(path=foreign)
    assert (foreign / "notes.txt").read_text() == "x"


def test_index_dir_with_other_files_is_accepted(tmp_path):
    """Other files in INDEX_DIR are fine: the store only uses its own subfolder."""
    (tmp_path / "v-important").mkdir()
    assert load_settings(_env_file=None, index_dir=tmp_path).resolved_index_dir == tmp_path
