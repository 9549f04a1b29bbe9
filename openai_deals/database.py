"""The SQL database the Slack app keeps its records in (installations, question outcomes).

``DATABASE_URL`` names it: a SQLite file in the user's data directory by default (one
process or several on one machine), PostgreSQL in production
(``postgresql+psycopg://user:password@host/db``). Every store builds its tables on this one
SQLAlchemy engine, so one backup covers them all.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

import platformdirs
import sqlalchemy
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

_engines: dict[str, sqlalchemy.Engine] = {}
_lock = threading.Lock()
FILE_MODE, FOLDER_MODE = 0o600, 0o700  # it holds bot tokens (OAuth): its owner's eyes only


def default_database_url() -> str:
    """A SQLite file in the user's data directory (``~/.local/share/openai-deals``)."""
    return f"sqlite:///{_default_path()}"


def _default_path() -> Path:
    return platformdirs.user_data_path("openai-deals") / "openai-deals.sqlite3"


def database_engine(url: str) -> sqlalchemy.Engine:
    """The one SQLAlchemy engine (and connection pool) of ``url`` in this process.

    A SQLite file is made owner-only (``protect_sqlite_file``) before the first connection;
    connections are checked before use, so a PostgreSQL restart costs a reconnection, not a
    failed request; errors never show the statement's values (bot tokens).
    """
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            parsed = make_url(url)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (
                None,
                "",
                ":memory:",
            ):
                protect_sqlite_file(Path(parsed.database).expanduser())
            # hide_parameters: an error's message (and so its logged traceback) would list the
            # statement's values, a workspace's bot token among them.
            engine = sqlalchemy.create_engine(url, pool_pre_ping=True, hide_parameters=True)
            _engines[url] = engine
        return engine


def protect_sqlite_file(path: Path) -> None:
    """Make ``path`` (created empty if missing: SQLite then fills it) readable by its owner
    only (0600), and its folder 0700 when this app owns it (created here, or the default data
    folder); a file or folder others could read is tightened, with a warning.

    SQLite gives its journal files the database file's mode, so they are covered too. A folder
    named in ``DATABASE_URL`` that already exists is the user's choice and keeps its mode.
    """
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, FOLDER_MODE)
    elif folder.resolve() == _default_path().parent.resolve():
        _tighten(folder, FOLDER_MODE)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        os.chmod(path, current & mode)
        logger.warning(
            "%s was readable by others (mode %04o): now %04o, its owner's only",
            path,
            current,
            current & mode,
        )
