"""The SQL database the Slack app keeps its records in (installations, question outcomes).

``DATABASE_URL`` names it: a SQLite file in the user's data directory by default (one
process or several on one machine), PostgreSQL in production
(``postgresql+psycopg://user:password@host/db``). Every store builds its tables on this one
SQLAlchemy engine, so one backup covers them all.
"""

from __future__ import annotations

import threading
from pathlib import Path

import platformdirs
import sqlalchemy
from sqlalchemy.engine import make_url

_engines: dict[str, sqlalchemy.Engine] = {}
_lock = threading.Lock()


def default_database_url() -> str:
    """A SQLite file in the user's data directory (``~/.local/share/openai-deals``)."""
    path = platformdirs.user_data_path("openai-deals") / "openai-deals.sqlite3"
    return f"sqlite:///{path}"


def database_engine(url: str) -> sqlalchemy.Engine:
    """The one SQLAlchemy engine (and connection pool) of ``url`` in this process.

    A SQLite file's folder is created if missing; connections are checked before use, so a
    PostgreSQL restart costs a reconnection, not a failed request.
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
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = sqlalchemy.create_engine(url, pool_pre_ping=True)
            _engines[url] = engine
        return engine
