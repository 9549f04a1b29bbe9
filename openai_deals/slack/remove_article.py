"""``/openai-deals retirer <id>``: an admin removes an article from Slack.

The same rules as ``ajouter`` (``slack/add_article.py``): only ``ADMIN_USER_IDS``; a refusal
known at once (not an admin, no id, ``CORPUS_DIR`` not set) is the acknowledgement itself;
otherwise the removal runs on the adder's own thread (additions and removals one at a time),
from the articles of record (:mod:`openai_deals.articles`, which bumps the corpus version),
then the engine is reloaded and the reply goes to the command's ``response_url``. The other
processes stop answering from the article within a few seconds (:mod:`openai_deals.live_corpus`).
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from openai_deals import messages as m
from openai_deals.articles import ArticleNotFound
from openai_deals.retrieval.ingestion.sources import AddRefused
from openai_deals.slack.answerer import Answerer
from openai_deals.slack.render import escape, render_notice, strip_invisible

if TYPE_CHECKING:
    from openai_deals.settings import Settings
    from openai_deals.slack.add_article import ArticleAdder

logger = logging.getLogger(__name__)

_REMOVE_COMMAND = re.compile(r"^\s*(?P<word>\S+)(?:\s+(?P<rest>.*))?$", re.DOTALL)
# Slack renders an id with backticks when it is copied from `sources`: they are dropped.
_QUOTES = "`«»\"' "


def requested_id(text: str) -> str | None:
    """The article id of a "retirer <id>" command text: None when the text is not a
    removal, "" when the id is missing."""
    match = _REMOVE_COMMAND.match(strip_invisible(text or ""))
    if not match or match.group("word").lower() not in m.REMOVE_WORDS:
        return None
    rest = (match.group("rest") or "").strip(_QUOTES)
    return rest.split()[0].strip(_QUOTES) if rest else ""


class ArticleRemover:
    """Removes articles for the admins, on the adder's thread.

    Args:
        settings: ``ADMIN_USER_IDS``, ``CORPUS_DIR``.
        answerer: the bot's services, with its corpus follower.
        adder: the ``ajouter`` handler, whose single thread the removals share.
    """

    def __init__(self, settings: Settings, answerer: Answerer, adder: ArticleAdder) -> None:
        self.settings = settings
        self.answerer = answerer
        self.adder = adder

    @staticmethod
    def wants(body: dict) -> bool:
        """True when the command is ``retirer …`` (or ``remove …``), whoever sends it."""
        return requested_id(body.get("text", "")) is not None

    def refusal(self, body: dict) -> str | None:
        """The reply known at once (not an admin, no id, ``CORPUS_DIR`` not set), or None."""
        article_id = requested_id(body.get("text", ""))
        if article_id is None:
            return None
        if body.get("user_id") not in self.settings.admin_user_ids:
            logger.info("Refused an article removal by a non-admin (%s)", _fmt(body))
            return m.REMOVE_NOT_ADMIN
        if not article_id:
            return m.REMOVE_USAGE
        if self.settings.corpus_dir_is_bundled:
            return m.REMOVE_BUNDLED_CORPUS_SLACK
        return None

    def reply_at_once(self, body: dict) -> dict | None:
        """The acknowledgement's reply to a refused ``retirer``; None otherwise."""
        text = self.refusal(body)
        if text is None:
            return None
        return {"response_type": "ephemeral", **render_notice(text).as_kwargs()}

    def start(self, body: dict) -> bool:
        """The work of ``/openai-deals retirer <id>``; False when the command is another."""
        article_id = requested_id(body.get("text", ""))
        if article_id is None:
            return False
        refused = self.refusal(body)
        if refused is not None:
            self._reply(body, refused)
            return True
        self.adder.executor.submit(self._remove, article_id, body)
        return True

    def _remove(self, article_id: str, body: dict) -> None:
        corpus = self.adder.corpus
        try:
            removed = corpus.articles.remove(article_id)
        except ArticleNotFound:
            self._reply(body, m.REMOVE_NOT_FOUND.format(article_id=escape(article_id)))
            return
        except AddRefused as exc:
            logger.info("Article not removed: %s (%s)", exc.problem.value, _fmt(body))
            self._reply(body, m.refusal(exc, slack=True))
            return
        except Exception:
            logger.exception("Could not remove the article %s (%s)", article_id, _fmt(body))
            self._reply(body, m.REMOVE_FAILED)
            return
        logger.info("Article %s removed (%s); rebuilding the index", article_id, _fmt(body))
        try:
            corpus.refresh()
        except Exception:
            # The article is out of the record; the watchers will try this version again
            # only when it changes, so say so rather than claim success.
            logger.exception("Could not rebuild the index after removing %s", article_id)
            self._reply(body, m.REMOVE_FAILED)
            return
        text = m.REMOVE_DONE.format(title=escape(removed.title), article_id=escape(article_id))
        self._reply(body, text)

    def _reply(self, body: dict, text: str) -> None:
        self.answerer.respond(
            body.get("response_url"),
            {"channel": body.get("channel_id"), "user": body.get("user_id")},
            response_type="ephemeral",
            replace_original=False,
            **render_notice(text).as_kwargs(),
        )


def _fmt(body: dict) -> str:
    return f"channel={body.get('channel_id')}, user={body.get('user_id')}"
