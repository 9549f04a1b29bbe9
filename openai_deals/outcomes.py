"""What became of each question, so that a team sees what people could not get answered.

Two tables on the one database of :mod:`openai_deals.database` (SQLAlchemy Core, portable
SQL: SQLite by default, PostgreSQL in production):

* ``openai_deals_outcomes``: one row per question answered by the bot: when, the workspace
  (``team_id``, ``enterprise_id``), the asker as a keyed hash (never the Slack user id), the
  surface (mention, dm, thread, command, assistant, shortcut), the question as read, answered
  or abstained (``status``), the cited sentence ids (``article#n``).
* ``openai_deals_feedback``: one row per 👍 / 👎: the outcome it is about, the vote, and for a
  👎 the reason picked in the form and an optional comment; with the question and cited
  sentences again, so that a vote on an answer older than the retention still reads alone.

Rows older than ``OUTCOMES_RETENTION_DAYS`` (90) are deleted at start-up and, at most once a
day, on a write. A workspace that uninstalls the app (or revokes its token) has its rows
deleted (:meth:`OutcomeStore.purge_workspace`, run by ``listeners/events/uninstall.py``).

Pseudonyms: ``HMAC-SHA256(key, user_id)``. The key is ``PSEUDONYM_KEY``, or else a random
key made once per install and kept in ``pseudonym.key`` next to the SQLite file (or in the
user's data directory for another database); it is never logged. Without the key, a
pseudonym cannot be turned back into a user id; with it, one can only check a guess.

Writing must never cost an answer: every write logs its failure and returns.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import platformdirs
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from openai_deals.database import database_engine
from openai_deals.retrieval.files import write_atomically

logger = logging.getLogger(__name__)

KEY_FILE_NAME = "pseudonym.key"
PURGE_EVERY = timedelta(days=1)
QUESTION_MAX_CHARS = 2000
COMMENT_MAX_CHARS = 2000

metadata = sa.MetaData()

outcomes_table = sa.Table(
    "openai_deals_outcomes",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("team_id", sa.String(32), index=True),
    sa.Column("user_hash", sa.String(64)),
    sa.Column("surface", sa.String(16), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sentence_ids", sa.Text, nullable=False, default=""),
)

feedback_table = sa.Table(
    "openai_deals_feedback",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("outcome_id", sa.String(32), index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("enterprise_id", sa.String(32)),
    sa.Column("team_id", sa.String(32), index=True),
    sa.Column("user_hash", sa.String(64)),
    sa.Column("vote", sa.String(8), nullable=False),
    sa.Column("reason", sa.String(32)),
    sa.Column("comment", sa.Text),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("sentence_ids", sa.Text, nullable=False, default=""),
)


def new_id() -> str:
    """A random row id (32 hex characters)."""
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Asker:
    """Who asked, where: what an outcome row records about the person (pseudonymised)."""

    team_id: str | None
    enterprise_id: str | None
    user_id: str | None
    surface: str


def key_file_for(database_url: str) -> Path:
    """Where the per-install pseudonym key lives: next to the SQLite file, else in the
    user's data directory."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser().parent / KEY_FILE_NAME
    return platformdirs.user_data_path("openai-deals") / KEY_FILE_NAME


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path``; made (32 random bytes, hex, readable by the owner only) if
    missing, and made again, with a warning, if the file is empty or not hex (a kill between
    its creation and its write, by an older version): else the outcome store would stay off.

    The file appears whole or not at all (a finished temporary file is linked to ``path``), so
    processes starting at once never read it half written, and all use the first one's key.
    """
    key = _read_key(path)
    if key:
        return key
    if key is None:
        return _create_key(path)
    logger.warning(
        "Pseudonym key %s is empty or unreadable: replacing it with a new key (pseudonyms "
        "recorded before no longer match new ones)",
        path,
    )
    write_atomically(path, secrets.token_hex(32).encode("ascii"), mode=0o600)
    return _read_key(path) or _create_key(path)


def _read_key(path: Path) -> bytes | None:
    """The key in ``path``; None when there is no file, b"" when it holds no key."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, ValueError):
        return b""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""


def _create_key(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".pseudonym-", suffix=".tmp")  # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if another process linked its key first
            logger.info("Made a new pseudonym key in %s", path)
        except FileExistsError:
            pass  # theirs is used
    finally:
        os.unlink(tmp)
    key = _read_key(path)
    if not key:
        raise OSError(f"no pseudonym key could be read from {path}")
    return key


class OutcomeStore:
    """Appends question outcomes and feedback; deletes by age and by workspace.

    Args:
        engine: the SQLAlchemy engine (``database.database_engine``).
        key: the pseudonym key (bytes).
        retention_days: rows older than this are deleted.
        clock: the current time (UTC), for tests.
    """

    def __init__(
        self,
        engine: sa.Engine,
        key: bytes,
        retention_days: int = 90,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        if not key:
            raise ValueError("the pseudonym key must not be empty")
        self.engine = engine
        self._key = key
        self.retention = timedelta(days=retention_days)
        self._clock = clock
        self._last_purge: datetime | None = None
        self._lock = threading.Lock()
        metadata.create_all(engine)

    @classmethod
    def from_settings(cls, settings) -> OutcomeStore:  # type: ignore[no-untyped-def]
        """The store on ``DATABASE_URL``, keyed by ``PSEUDONYM_KEY`` (or the install's key),
        with expired rows deleted now."""
        url = settings.resolved_database_url
        if settings.pseudonym_key:
            key = settings.pseudonym_key.encode("utf-8")
        else:
            key = load_or_create_key(key_file_for(url))
        store = cls(database_engine(url), key, settings.outcomes_retention_days)
        store.purge_expired()
        return store

    @classmethod
    def for_reading(cls, settings) -> OutcomeStore | None:  # type: ignore[no-untyped-def]
        """The store on ``DATABASE_URL`` for a reader (``openai-deals report``), or None when
        nothing was ever recorded there: a missing SQLite file or tables are not created,
        no pseudonym key is made, and no row is purged."""
        url = settings.resolved_database_url
        parsed = make_url(url)
        is_file = parsed.get_backend_name() == "sqlite"
        is_file = is_file and parsed.database not in (None, "", ":memory:")
        if is_file and not Path(parsed.database).expanduser().is_file():
            return None
        engine = database_engine(url)
        if not sa.inspect(engine).has_table(outcomes_table.name):
            return None
        # A reader never pseudonymises anyone: a key of its own, kept nowhere, will do.
        return cls(engine, secrets.token_bytes(32), settings.outcomes_retention_days)

    def pseudonym(self, user_id: str | None) -> str | None:
        """``HMAC-SHA256(key, user_id)`` in hex, or None without a user."""
        if not user_id:
            return None
        return hmac.new(self._key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    # -- writing (never raises) ----------------------------------------------------------

    def record_question(
        self,
        outcome_id: str,
        asker: Asker,
        question: str,
        status: str,
        sentence_ids: Sequence[str],
    ) -> bool:
        """Append one question's outcome; False (logged) if the database refused it."""
        row = {
            "id": outcome_id,
            "created_at": self._clock(),
            "enterprise_id": asker.enterprise_id,
            "team_id": asker.team_id,
            "user_hash": self.pseudonym(asker.user_id),
            "surface": asker.surface,
            "question": question[:QUESTION_MAX_CHARS],
            "status": status,
            "sentence_ids": ",".join(sentence_ids),
        }
        return self._write(outcomes_table.insert().values(**row), "outcome", asker.team_id)

    def record_vote(
        self,
        *,
        outcome_id: str,
        asker: Asker,
        vote: str,
        question: str,
        sentence_ids: Sequence[str],
    ) -> str | None:
        """Append a 👍 / 👎; return the feedback row's id (None, logged, on failure)."""
        feedback_id = new_id()
        row = {
            "id": feedback_id,
            "outcome_id": outcome_id or None,
            "created_at": self._clock(),
            "enterprise_id": asker.enterprise_id,
            "team_id": asker.team_id,
            "user_hash": self.pseudonym(asker.user_id),
            "vote": vote,
            "question": question[:QUESTION_MAX_CHARS],
            "sentence_ids": ",".join(sentence_ids),
        }
        ok = self._write(feedback_table.insert().values(**row), "feedback", asker.team_id)
        return feedback_id if ok else None

    def record_reason(
        self,
        feedback_id: str | None,
        *,
        reason: str,
        comment: str,
        outcome_id: str,
        asker: Asker,
        question: str,
        sentence_ids: Sequence[str],
    ) -> bool:
        """Add the reason (and comment) of a 👎 to its feedback row; if that row is missing
        (its write had failed), append a whole 👎 row instead."""
        comment = comment.strip()[:COMMENT_MAX_CHARS] or None
        if feedback_id:
            update = (
                feedback_table.update()
                .where(feedback_table.c.id == feedback_id)
                .where(feedback_table.c.team_id == asker.team_id)
                .values(reason=reason, comment=comment)
            )
            try:
                with self.engine.begin() as conn:
                    if conn.execute(update).rowcount:
                        return True
            except sa.exc.SQLAlchemyError:
                logger.exception("Could not store a feedback reason (team=%s)", asker.team_id)
                return False
        row = {
            "id": new_id(),
            "outcome_id": outcome_id or None,
            "created_at": self._clock(),
            "enterprise_id": asker.enterprise_id,
            "team_id": asker.team_id,
            "user_hash": self.pseudonym(asker.user_id),
            "vote": "down",
            "reason": reason,
            "comment": comment,
            "question": question[:QUESTION_MAX_CHARS],
            "sentence_ids": ",".join(sentence_ids),
        }
        return self._write(feedback_table.insert().values(**row), "feedback", asker.team_id)

    def _write(self, statement: sa.Executable, what: str, team_id: str | None) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(statement)
        except sa.exc.SQLAlchemyError:
            logger.exception("Could not store a question %s (team=%s)", what, team_id)
            return False
        self._purge_if_due()
        return True

    # -- deleting ------------------------------------------------------------------------

    def purge_expired(self) -> int:
        """Delete the rows older than the retention; return how many went."""
        cutoff = self._clock() - self.retention
        with self._lock:
            self._last_purge = self._clock()
        deleted = 0
        with self.engine.begin() as conn:
            for table in (outcomes_table, feedback_table):
                deleted += conn.execute(table.delete().where(table.c.created_at < cutoff)).rowcount
        if deleted:
            logger.info("Deleted %d question outcome row(s) past the retention", deleted)
        return deleted

    def _purge_if_due(self) -> None:
        with self._lock:
            due = self._last_purge is None or self._clock() - self._last_purge >= PURGE_EVERY
        if due:
            try:
                self.purge_expired()
            except sa.exc.SQLAlchemyError:
                logger.exception("Could not delete expired question outcomes")

    def purge_workspace(self, enterprise_id: str | None, team_id: str | None) -> int:
        """Delete every row of a workspace (``app_uninstalled``, ``tokens_revoked``); an
        org-wide install without a team deletes the enterprise's rows."""
        deleted = 0
        with self.engine.begin() as conn:
            for table in (outcomes_table, feedback_table):
                if team_id:
                    where = table.c.team_id == team_id
                elif enterprise_id:
                    where = table.c.enterprise_id == enterprise_id
                else:
                    return 0
                deleted += conn.execute(table.delete().where(where)).rowcount
        logger.info(
            "Deleted %d question outcome row(s) (enterprise=%s, team=%s)",
            deleted,
            enterprise_id,
            team_id,
        )
        return deleted

    # -- reading (the report) ------------------------------------------------------------

    def outcomes_since(self, since: datetime) -> list[dict]:
        """Outcome rows created at or after ``since``, oldest first."""
        return self._rows_since(outcomes_table, since)

    def feedback_since(self, since: datetime) -> list[dict]:
        """Feedback rows created at or after ``since``, oldest first."""
        return self._rows_since(feedback_table, since)

    def _rows_since(self, table: sa.Table, since: datetime) -> list[dict]:
        query = sa.select(table).where(table.c.created_at >= since).order_by(table.c.created_at)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
