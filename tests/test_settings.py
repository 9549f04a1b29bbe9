"""Settings: read once; a malformed value stops start-up with one French line per variable
naming it, saying what it must be and where to fix it."""

from __future__ import annotations

import os

import pytest

from openai_deals.settings import SettingsError, find_env_file, load_settings


@pytest.fixture(autouse=True)
def _no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's variables."""
    for name in list(os.environ):
        if name.upper().startswith(("SLACK_", "TOP_K", "LOG_LEVEL", "PORT", "CORPUS", "INDEX")):
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
