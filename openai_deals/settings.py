"""The one settings class, read once at start-up from the environment (and ``.env``)."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from openai_deals import messages
from openai_deals.retrieval.fetch import ALL_NETWORKS, FetchPolicy

# The five bundled articles ship inside the package, so an installed wheel answers from
# any directory.
BUNDLED_CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
DEFAULT_SLACK_API_BASE_URL = "https://slack.com/api/"
_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TRUE, _FALSE = {"true", "yes", "1", "all"}, {"false", "no", "0", ""}

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    """Configuration of openai-deals. Slack values are only required by ``serve``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

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
    top_k: int = Field(default=3, ge=1, le=10)
    log_level: str = "INFO"

    # Slack member ids allowed to add articles (`/openai-deals ajouter <url>`), comma-separated.
    admin_user_ids: Annotated[frozenset[str], NoDecode] = frozenset()
    # Fetching articles (`openai-deals add URL`, `/openai-deals ajouter`): private, loopback
    # and link-local addresses are refused unless listed here ("true": all of them).
    fetch_allow_private: Annotated[tuple[IPNetwork, ...], NoDecode] = ()
    fetch_max_bytes: int = Field(default=5_000_000, ge=1_000)
    fetch_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    fetch_max_redirects: int = Field(default=5, ge=0, le=20)

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

    @field_validator("corpus_dir", "index_dir")
    @classmethod
    def _expand_home(cls, v: Path | None) -> Path | None:
        return v.expanduser() if v is not None else None  # "~/articles" in .env

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _admin_user_ids(cls, v: object) -> frozenset[str]:
        items = re.split(r"[\s,;]+", v) if isinstance(v, str) else list(v or ())  # type: ignore[call-overload]
        ids = frozenset(str(item).strip() for item in items if str(item).strip())
        bad = sorted(i for i in ids if not _SLACK_USER_ID.match(i))
        if bad:
            raise ValueError(
                f"not Slack member ids: {', '.join(bad)}; give ids such as U012AB3CDE, "
                "comma-separated (Slack profile > ⋮ > Copy member ID)"
            )
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
            raise ValueError(
                "must be true, false, or comma-separated addresses or networks such as "
                "127.0.0.1,10.0.0.0/8"
            ) from None

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        level = v.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

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
    def corpus_dir_is_bundled(self) -> bool:
        """True when CORPUS_DIR (or ``--corpus``) was not given: the articles shipped with
        the package, which may be read-only and are replaced by every upgrade."""
        return "corpus_dir" not in self.model_fields_set

    def fetch_policy(self) -> FetchPolicy:
        """The limits of fetching an article (``retrieval.fetch``)."""
        return FetchPolicy(
            allowed_networks=self.fetch_allow_private,
            max_bytes=self.fetch_max_bytes,
            timeout=self.fetch_timeout_seconds,
            max_redirects=self.fetch_max_redirects,
        )


def _check_index_dir(index_dir: Path) -> None:
    """Refuse an index directory whose store folder the cache could not safely own.

    The store only ever writes in ``<INDEX_DIR>/openai-deals-index/`` (see
    ``openai_deals.retrieval.cache``); a home or root directory as INDEX_DIR is a mistake, and a
    non-empty ``openai-deals-index`` folder without the store's marker belongs to someone else.
    """
    from openai_deals.retrieval.cache import store_dir
    from openai_deals.retrieval.store import STORE_MARKER

    resolved = index_dir.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        raise ValueError(messages.INDEX_DIR_HOME_OR_ROOT.format(path=resolved))
    folder = store_dir(resolved)
    foreign = folder.exists() and not (folder / STORE_MARKER).is_file()
    if foreign and (not folder.is_dir() or any(folder.iterdir())):
        raise ValueError(messages.INDEX_DIR_FOREIGN.format(path=folder))


class SettingsError(Exception):
    """A configuration value is missing or malformed; the message names it and says what to do."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings once; turn pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {msg}")
        raise SettingsError("; ".join(lines)) from None
