"""The one settings class, read once at start-up from the environment (and ``.env``)."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

import platformdirs
from pydantic import Field, PrivateAttr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from openai_deals import messages
from openai_deals.retrieval.ingestion.fetch import ALL_NETWORKS, FetchPolicy
from openai_deals.retrieval.model import check_k

# The five bundled articles ship inside the package, so an installed wheel answers from
# any directory.
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TRUE, _FALSE = {"true", "yes", "1", "all"}, {"false", "no", "0", ""}

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
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


class SettingProblem(ValueError):
    """A value refused for a reason of its own; the message is a French sentence saying what
    is wrong and what to do (``load_settings`` shows it as is, naming the variable)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# The bot scopes: the one list that the installation asks for (unless SLACK_SCOPES says
# otherwise), that every manifest*.json, .env.example and the README state; a test
# (tests/slack/test_slack_scopes.py) keeps them all equal. Each is justified in the README.
SLACK_BOT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "assistant:write",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
)


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
    # Seconds a Web API call (or response_url post) may take. A post that times out is never
    # retried: Slack may have posted it, and a retry could post it twice.
    slack_api_timeout: float = Field(default=10.0, gt=0, le=120)
    # First wait (seconds) before retrying a transient Slack failure; doubled each time.
    slack_retry_backoff: float = Field(default=0.5, ge=0, le=30)
    # Answers run after the acknowledgement on this many threads (they mostly wait on Slack)...
    answer_workers: int = Field(default=16, ge=1, le=512)
    # ...with at most this many answers waiting or running; beyond it, new work is refused
    # quickly (HTTP 503, Slack redelivers later; a command says "busy") and memory stays bounded.
    answer_backlog: int = Field(default=5000, ge=1, le=1_000_000)
    # Largest request body HTTP mode reads; bigger ones get 413 before being read. The largest
    # genuine Slack payload for this app (a 40,000-character message, twice in an event) stays
    # well below 1 MiB.
    max_request_bytes: int = Field(default=1 << 20, ge=1024, le=64 << 20)
    # Socket Mode pings Slack this often (seconds): a closed connection is replaced within one
    # interval, one that silently stopped answering within four.
    socket_mode_ping_interval: float = Field(default=3.0, gt=0, le=60)

    corpus_dir: Path = BUNDLED_CORPUS_DIR
    # Where the analysed corpus and BM25 index are cached; None = the user's cache directory
    index_dir: Path | None = None
    # Sentence embeddings that rerank BM25's candidates: "use" (default), "e5" (the e5
    # extra) or "none" (BM25 alone: for corpora past a few hundred thousand sentences).
    embeddings: Literal["use", "e5", "none"] = "use"
    # The reader that reads the best candidates against the question: "default" (shipped in
    # the package), "none" (the first stages decide alone) or the folder of another reader.
    reader: str = "default"
    top_k: int = 3  # snippets per answer, checked by retrieval.model.check_k
    # Seconds between two looks at the corpus version by a running bot: an article added or
    # removed by any process is answered from by this one within that, plus the load.
    corpus_poll_seconds: float = Field(default=2.0, gt=0, le=300)
    log_level: str = "INFO"

    # Slack member ids allowed to add articles (`/openai-deals ajouter <url>`), comma-separated.
    admin_user_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    # Fetching articles (`openai-deals add URL`, `/openai-deals ajouter`): private, loopback
    # and link-local addresses are refused unless listed here ("true": all of them).
    fetch_allow_private: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    fetch_max_bytes: int = Field(default=5_000_000, ge=1_000)
    fetch_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)

    # Shared state between processes (handled events, threads answered in): redis://host:port/db.
    # None = in memory, for one process.
    redis_url: str | None = None
    # Installations and question outcomes: SQLAlchemy URL; None = a SQLite file in the user's
    # data directory (openai_deals.database.default_database_url).
    database_url: str | None = None
    # Question outcomes (openai_deals/outcomes.py) older than this many days are deleted.
    outcomes_retention_days: int = Field(default=90, ge=1, le=3650)
    # Key of the HMAC-SHA256 that pseudonymises Slack user ids in the outcomes; None = a
    # random key made once per install and kept next to the database (outcomes.py).
    pseudonym_key: str | None = None

    # Distribution to several workspaces (Bolt's OAuth flow, HTTP mode): on when both are set;
    # each workspace's bot token then comes from its installation (slack/install.py), stored
    # in DATABASE_URL, and SLACK_BOT_TOKEN is not needed.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Bot scopes asked at installation, comma-separated; unset or empty = SLACK_BOT_SCOPES.
    slack_scopes: Annotated[tuple[str, ...], NoDecode] = SLACK_BOT_SCOPES
    # The OAuth redirect URL (https://YOUR-HOST/slack/oauth_redirect); needed only when the app
    # lists several redirect URLs.
    slack_redirect_uri: str | None = None

    @field_validator("index_dir", mode="before")
    @classmethod
    def _index_dir_set(cls, v: object) -> object:
        # ``INDEX_DIR=`` (empty) means "not set", never the current directory.
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        return v

    @field_validator("index_dir")
    @classmethod
    def _index_dir_safe(cls, v: Path | None) -> Path | None:
        if v is None:
            return None
        v = v.expanduser()
        _check_index_dir(v)
        return v

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

    @field_validator("slack_client_id", "slack_client_secret", "slack_redirect_uri")
    @classmethod
    def _empty_is_unset(cls, v: str | None) -> str | None:
        return (v or "").strip() or None

    @field_validator("slack_scopes", mode="before")
    @classmethod
    def _scopes(cls, v: object) -> tuple[str, ...]:
        items = re.split(r"[\s,]+", v) if isinstance(v, str) else list(v or ())  # type: ignore[call-overload]
        scopes = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
        # ``SLACK_SCOPES=`` (as left in a copied .env) means the default, never no scope at all.
        return scopes or SLACK_BOT_SCOPES

    @property
    def oauth_enabled(self) -> bool:
        """True when the app is distributed to several workspaces (client id and secret set)."""
        return bool(self.slack_client_id and self.slack_client_secret)

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

    @field_validator("reader")
    @classmethod
    def _reader(cls, v: str) -> str:
        if v in ("default", "none") or (Path(v).expanduser() / "reader.json").is_file():
            return v if v in ("default", "none") else str(Path(v).expanduser())
        raise ValueError("must be default, none or a reader's folder")

    @field_validator("corpus_dir")
    @classmethod
    def _expand_home(cls, v: Path) -> Path:
        return v.expanduser()  # "~/articles" in .env (INDEX_DIR: see _index_dir_safe)

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _admin_user_ids(cls, v: object) -> frozenset[str]:
        items = re.split(r"[\s,;]+", v) if isinstance(v, str) else list(v or ())  # type: ignore[call-overload]
        ids = frozenset(str(item).strip() for item in items if str(item).strip())
        bad = sorted(i for i in ids if not _SLACK_USER_ID.match(i))
        if bad:
            raise SettingProblem(messages.ADMIN_USER_IDS_REFUSED.format(ids=", ".join(bad)))
        return ids

    @field_validator("fetch_allow_private", mode="before")
    @classmethod
    def _fetch_allow_private(cls, v: object) -> tuple[IPNetwork, ...]:
        if isinstance(v, bool):
            return ALL_NETWORKS if v else ()
        if isinstance(v, str):
            if v.strip().lower() in _TRUE:
                return ALL_NETWORKS
            if v.strip().lower() in _FALSE:
                return ()
            v = [part for part in re.split(r"[\s,;]+", v) if part]
        try:
            return tuple(ipaddress.ip_network(str(item), strict=False) for item in v)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise SettingProblem(messages.FETCH_ALLOW_PRIVATE_REFUSED) from None

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

    @property
    def shared_cache_dir(self) -> Path | None:
        """The user's cache folder that the per-corpus index caches share (one copy of the
        model files in ``models/``, see ``retrieval.indexing.prune``), or None with INDEX_DIR: that
        folder then holds everything, model files included, as a release ships it."""
        if self.index_dir is not None:
            return None
        return platformdirs.user_cache_path("openai-deals")

    @property
    def corpus_dir_is_bundled(self) -> bool:
        """True when CORPUS_DIR (or ``--corpus``) was not given: the articles shipped with
        the package, which may be read-only and are replaced by every upgrade."""
        return "corpus_dir" not in self.model_fields_set

    @property
    def resolved_database_url(self) -> str:
        """DATABASE_URL, else a SQLite file in the user's data directory."""
        from openai_deals.database import default_database_url

        return self.database_url or default_database_url()

    def fetch_policy(self) -> FetchPolicy:
        """The limits of fetching an article (``retrieval.ingestion.fetch``)."""
        return FetchPolicy(
            allowed_networks=self.fetch_allow_private,
            max_bytes=self.fetch_max_bytes,
            timeout=self.fetch_timeout_seconds,
            max_redirects=self.fetch_max_redirects,
        )


def _check_index_dir(index_dir: Path) -> None:
    """Refuse an index directory whose store folder the cache could not safely own.

    The store only ever writes in ``<INDEX_DIR>/openai-deals-index/`` (see
    ``openai_deals.retrieval.indexing.cache``); a home or root directory as INDEX_DIR is a mistake,
    and a non-empty ``openai-deals-index`` folder without the store's marker belongs to someone
    else.
    """
    from openai_deals.retrieval.indexing.cache import store_dir
    from openai_deals.retrieval.indexing.store import STORE_MARKER

    resolved = index_dir.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise SettingProblem(messages.INDEX_DIR_HOME_OR_ROOT.format(path=resolved))
    folder = store_dir(resolved)
    foreign = folder.exists() and not (folder / STORE_MARKER).is_file()
    if foreign and (not folder.is_dir() or any(folder.iterdir())):
        raise SettingProblem(messages.INDEX_DIR_FOREIGN.format(path=folder))


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names it and says what to do."""


# Values never repeated in an error message: they would end up on screens and in logs.
# DATABASE_URL and REDIS_URL may hold a password.
_SECRETS = frozenset(
    {
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_SECRET",
        "DATABASE_URL",
        "REDIS_URL",
        "PSEUDONYM_KEY",
    }
)


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
            problem = (err.get("ctx") or {}).get("error")
            if isinstance(problem, SettingProblem):
                lines.append(messages.setting_refused(name, str(problem), where))
                continue
            secret = name in _SECRETS
            lines.append(messages.setting_invalid(name, err.get("input"), where, secret))
        raise SettingsError("\n".join(lines)) from None
    settings._env_file_read = Path(env_file) if env_file else None
    return settings
