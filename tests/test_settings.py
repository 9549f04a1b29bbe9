"""Settings: read once; a malformed value stops start-up with one French line per variable
naming it, saying what it must be and where to fix it; values that would make the bot unsafe
are refused."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from openai_deals import messages as m
from openai_deals.settings import Settings, SettingsError, find_env_file, load_settings


@pytest.fixture(autouse=True)
def _no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's variables."""
    for name in list(os.environ):
        if name.upper().startswith(tuple(n.upper() for n in Settings.model_fields)):
            monkeypatch.delenv(name)


def error_of(**kwargs) -> str:
    with pytest.raises(SettingsError) as error:
        load_settings(**kwargs)
    return str(error.value)


def test_top_k_out_of_range_in_the_environment(monkeypatch):
    """TOP_K=0 is named, with the range, the value, and the environment as where to fix it."""
    monkeypatch.setenv("TOP_K", "0")
    assert error_of(_env_file=None) == (
        "Configuration invalide : TOP_K doit être un nombre entier de 1 à 10 (reçu : 0). "
        "Corrigez-le dans l’environnement."
    )


def test_bad_value_in_a_env_file_names_the_file(tmp_path):
    """A value read from .env is to be fixed in that file, which the message names."""
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=bavard\n", encoding="utf-8")
    assert error_of(_env_file=env_file) == (
        "Configuration invalide : LOG_LEVEL doit valoir DEBUG, INFO, WARNING, ERROR ou "
        f"CRITICAL (reçu : bavard). Corrigez-le dans {env_file}."
    )


def test_a_wrong_token_is_explained_but_never_repeated(monkeypatch):
    """A token of the wrong kind says which one is expected; its value is not printed."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxp-1234-secret")
    message = error_of(_env_file=None)
    assert message == (
        "Configuration invalide : SLACK_BOT_TOKEN doit être le jeton du bot, qui commence par "
        "« xoxb- » (Bot User OAuth Token, page OAuth & Permissions de l’app Slack). "
        "Corrigez-le dans l’environnement."
    )
    assert "secret" not in message


def test_each_bad_variable_gets_its_own_line(monkeypatch):
    """Two bad variables: two lines, each naming its variable; nothing in English."""
    monkeypatch.setenv("PORT", "abc")
    monkeypatch.setenv("SLACK_API_BASE_URL", "http://example.com/api/")
    lines = error_of(_env_file=None).splitlines()
    assert lines == [
        "Configuration invalide : SLACK_API_BASE_URL doit être une adresse https:// (http:// "
        "seulement vers cette machine, par exemple http://127.0.0.1:8080/api/) "
        "(reçu : http://example.com/api/). Corrigez-le dans l’environnement.",
        "Configuration invalide : PORT doit être un numéro de port, de 1 à 65535 (reçu : abc). "
        "Corrigez-le dans l’environnement.",
    ]


def test_settings_remember_the_env_file_they_read(tmp_path):
    """The .env file read is kept, so that start-up can say which it was."""
    (tmp_path / ".env").write_text("TOP_K=4\n", encoding="utf-8")
    found = find_env_file(tmp_path)
    assert found == tmp_path / ".env"
    settings = load_settings(_env_file=found)
    assert settings.top_k == 4 and settings.env_file == found
    assert settings.describe_source() == f"Settings read from {found} and the environment"


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
    assert str(error.value) == (
        "Configuration invalide : INDEX_DIR, lu dans l’environnement : "
        + m.INDEX_DIR_HOME_OR_ROOT.format(path=path)
    )


def test_foreign_store_folder_is_refused_in_french(tmp_path):
    """An ``openai-deals-index`` folder the store did not write is refused, and left alone."""
    foreign = tmp_path / "openai-deals-index"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("x")
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, index_dir=tmp_path)
    assert str(error.value) == (
        "Configuration invalide : INDEX_DIR, lu dans l’environnement : "
        + m.INDEX_DIR_FOREIGN.format(path=foreign)
    )
    assert (foreign / "notes.txt").read_text() == "x"


def test_index_dir_with_other_files_is_accepted(tmp_path):
    """Other files in INDEX_DIR are fine: the store only uses its own subfolder."""
    (tmp_path / "v-important").mkdir()
    assert load_settings(_env_file=None, index_dir=tmp_path).resolved_index_dir == tmp_path


def test_a_refused_index_dir_in_a_env_file_names_the_file(tmp_path):
    """INDEX_DIR=/ read from .env: the reason, and the file to fix."""
    env_file = tmp_path / ".env"
    env_file.write_text("INDEX_DIR=/\n", encoding="utf-8")
    assert error_of(_env_file=env_file) == (
        f"Configuration invalide : INDEX_DIR, lu dans {env_file} : "
        + m.INDEX_DIR_HOME_OR_ROOT.format(path=Path("/").resolve())
    )


@pytest.mark.parametrize(
    "name,value",
    [
        ("SLACK_API_TIMEOUT", "0"),
        ("SLACK_RETRY_BACKOFF", "-1"),
        ("ANSWER_WORKERS", "0"),
        ("ANSWER_BACKLOG", "beaucoup"),
        ("MAX_REQUEST_BYTES", "10"),
        ("SOCKET_MODE_PING_INTERVAL", "61"),
        ("EMBEDDINGS", "bert"),
    ],
)
def test_serving_values_are_explained_in_french(monkeypatch, name, value):
    """Every setting with a range or a list of values says which, in French."""
    monkeypatch.setenv(name, value)
    assert error_of(_env_file=None) == (
        f"Configuration invalide : {name} {m.SETTING_EXPECTED[name]} (reçu : {value}). "
        "Corrigez-le dans l’environnement."
    )


def test_every_constrained_setting_has_a_french_explanation():
    """A new setting with a range or a list of values needs its line in SETTING_EXPECTED."""
    constrained = {
        name.upper()
        for name, field in Settings.model_fields.items()
        if field.metadata or "Literal" in str(field.annotation)
    }
    assert constrained <= set(m.SETTING_EXPECTED)
