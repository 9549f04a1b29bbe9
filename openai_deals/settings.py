"""The one settings class, read once at start-up from the environment (and ``.env``)."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path
from urllib.parse import urlparse

import platformdirs
from pydantic import Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from openai_deals import messages
from openai_deals.retrieval.model import check_k

# The five bundled articles ship inside the package, so an installed wheel answers from
# any directory.
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
ENV_FILE_NAME = ".env"


def env_file_candidates(cwd: Path | None = None) -> tuple[Path, ...]:
    """Where a ``.env`` file is looked for, first found wins: the current directory (a
    checkout, a deployment folder), then the user's config directory, so that an installed
    ``openai-deals`` finds its tokens from any directory (``~/.config/openai-deals/.env``)."""
    return (
        (cwd or Path.cwd()) / ENV_FILE_NAME,
        platformdirs.user_config_path("openai-deals") / ENV_FILE_NAME,
    )


def find_env_file(cwd: Path | None = None) -> Path | None:
    """The ``.env`` file settings are read from, or None when there is none."""
    return next((p for p in env_file_candidates(cwd) if p.is_file()), None)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Configuration of openai-deals. Slack values are only required by ``serve``."""

    # No env_file here: load_settings decides which .env (if any) is read, and says which.
    model_config = SettingsConfigDict(env_file=None, env_file_encoding="utf-8", extra="ignore")
    _env_file_read: Path | None = PrivateAttr(default=None)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_base_url: str = DEFAULT_SLACK_API_BASE_URL
    port: int = Field(default=3000, ge=1, le=65535)

    corpus_dir: Path = BUNDLED_CORPUS_DIR
    # Where the analysed corpus and BM25 index are cached; None = the user's cache directory
    index_dir: Path | None = None
    top_k: int = 3  # snippets per answer, checked by retrieval.model.check_k
    log_level: str = "INFO"

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with 'xoxb-' (OAuth & Permissions page)")
        return v or None

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, v: str | None) -> str | None:
        if v and not v.startswith("xapp-"):
            raise ValueError(
                "must be an app-level token starting with 'xapp-' (Basic Information page, "
                "scope connections:write)"
            )
        return v or None

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret(cls, v: str | None) -> str | None:
        return v or None

    @field_validator("slack_api_base_url")
    @classmethod
    def _api_base_url(cls, v: str) -> str:
        # The bot token is sent to this address: only https, or http to this machine (tests).
        url = urlparse(v)
        secure = url.scheme == "https" and bool(url.hostname)
        local = url.scheme == "http" and bool(url.hostname) and _is_loopback(url.hostname or "")
        if not (secure or local):
            raise ValueError(
                "must be an https:// URL (or http:// to a loopback address such as 127.0.0.1)"
            )
        return v if v.endswith("/") else v + "/"

    @field_validator("top_k")
    @classmethod
    def _top_k(cls, v: int) -> int:
        return check_k(v)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        level = v.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @property
    def env_file(self) -> Path | None:
        """The ``.env`` file these settings were read from, if any."""
        return self._env_file_read

    def describe_source(self) -> str:
        """Where the settings came from, for the start-up log (English, like every log)."""
        if self._env_file_read is not None:
            return f"Settings read from {self._env_file_read} and the environment"
        looked = " and ".join(str(p) for p in env_file_candidates())
        return f"Settings read from the environment (no .env file in {looked})"

    @property
    def resolved_index_dir(self) -> Path:
        """INDEX_DIR, else one folder per corpus in the user's cache directory.

        The package directory may be read-only (a system-wide install), and two corpora
        sharing one cache folder would rebuild each other's index on every switch.
        """
        if self.index_dir is not None:
            return self.index_dir
        corpus = str(self.corpus_dir.resolve())
        tag = hashlib.sha256(corpus.encode("utf-8")).hexdigest()[:12]
        return platformdirs.user_cache_path("openai-deals") / "index" / tag


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names it and says what to do."""


# Values never repeated in an error message: they would end up on screens and in logs.
_SECRETS = frozenset({"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"})


def load_settings(**overrides: object) -> Settings:
    """Read the settings once, from the environment and the first ``.env`` of
    :func:`env_file_candidates` (``_env_file=`` chooses another file, or None for none).

    Raises:
        SettingsError: a value is malformed; one French line per bad variable, naming it,
            saying what it must be and where to fix it (the environment or the ``.env`` file).
    """
    if "_env_file" not in overrides:
        overrides["_env_file"] = find_env_file()
    env_file = overrides["_env_file"]
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            # The environment wins over the .env file, so that is where the value came from.
            in_environment = any(key.upper() == name for key in os.environ)
            where = None if in_environment or not env_file else str(env_file)
            secret = name in _SECRETS
            lines.append(messages.setting_invalid(name, err.get("input"), where, secret))
        raise SettingsError("\n".join(lines)) from None
    settings._env_file_read = Path(env_file) if env_file else None
    return settings
