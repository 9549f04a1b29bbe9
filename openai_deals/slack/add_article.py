"""``/openai-deals ajouter <url>``: an admin adds an article from Slack.

Only the Slack member ids of ``ADMIN_USER_IDS`` may add; anyone else gets a polite refusal.
Like every sub-command, the command is acknowledged first: a reply known at once (not an
admin, no address, ``CORPUS_DIR`` not set) is the acknowledgement itself
(:meth:`ArticleAdder.reply_at_once`). Otherwise the acknowledgement is empty and the
command's work, on the answer pool, calls :meth:`ArticleAdder.start`: it says "je récupère…"
and hands the addition to the adder's own single background thread, so articles are added
one at a time: fetch (within the limits of ``retrieval.ingestion.fetch``), extract, write to the
articles of record (``CORPUS_DIR``, or the database: :mod:`openai_deals.articles`, which bumps
the corpus version every process watches), rebuild the index (only the new article's
sentences are embedded), then hand the new engine to the answerer
(:meth:`~openai_deals.live_corpus.CorpusFollower.refresh`); the other processes load it
within a few seconds (:mod:`openai_deals.live_corpus`). The
result (title, date, sentence count) or the reason for a refusal goes privately to the
command's ``response_url``, through :meth:`Answerer.respond` like every other reply.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING

from openai_deals import messages as m
from openai_deals.retrieval.answering.live import LiveEngine
from openai_deals.retrieval.ingestion.fetch import FetchRefused
from openai_deals.retrieval.ingestion.sources import AddRefused, read_url
from openai_deals.slack.answerer import Answerer
from openai_deals.slack.render import escape, render_notice, strip_invisible

if TYPE_CHECKING:
    from openai_deals.live_corpus import CorpusFollower
    from openai_deals.settings import Settings

logger = logging.getLogger(__name__)

_ADD_COMMAND = re.compile(r"^\s*(?P<word>\S+)(?:\s+(?P<rest>.*))?$", re.DOTALL)
# Slack's link markup <url> or <url|label>: the label may hold spaces, so the link ends at ">".
_SLACK_LINK = re.compile(r"^<(?P<url>[^<>|\s]+)(?:\|[^<>]*)?>")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def requested_url(text: str) -> str | None:
    """The URL of an "ajouter <url>" command text: None when the text is not an add command,
    "" when the URL is missing. Slack's ``<https://…>`` and ``<https://…|label>`` link
    markup is removed."""
    match = _ADD_COMMAND.match(strip_invisible(text or ""))
    if not match or match.group("word").lower() not in m.ADD_WORDS:
        return None
    rest = (match.group("rest") or "").strip()
    if not rest:
        return ""
    link = _SLACK_LINK.match(rest)
    url = link.group("url") if link else rest.split()[0]
    for entity, char in _SLACK_ENTITIES:
        url = url.replace(entity, char)
    return url


class ArticleAdder:
    """Adds articles for the admins, on one background thread.

    Args:
        settings: ``ADMIN_USER_IDS``, ``CORPUS_DIR``, the index and fetch settings.
        answerer: the bot's services; its ``engine`` must be a ``LiveEngine`` and its
            ``corpus`` the follower that writes articles and reloads the engine.
        executor: where the work runs; default one thread, so additions never overlap
            (``ArticleRemover`` shares it: removals wait their turn too).
    """

    def __init__(
        self,
        settings: Settings,
        answerer: Answerer,
        *,
        executor: Executor | None = None,
    ) -> None:
        if not isinstance(answerer.engine, LiveEngine):
            raise TypeError("the answerer's engine must be a LiveEngine to be swapped")
        if answerer.corpus is None:
            raise TypeError("the answerer needs its corpus follower to add articles")
        self.settings = settings
        self.answerer = answerer
        self.live: LiveEngine = answerer.engine
        self.corpus: CorpusFollower = answerer.corpus
        # Created lazily by the executor on first use: nothing runs before gunicorn forks.
        self.executor = executor or ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="add-article"
        )

    @staticmethod
    def wants(body: dict) -> bool:
        """True when the command is ``ajouter …`` (or ``add …``), whoever sends it."""
        return requested_url(body.get("text", "")) is not None

    def refusal(self, body: dict) -> str | None:
        """The reply known at once to an ``ajouter`` command (not an admin, no address,
        ``CORPUS_DIR`` not set), or None when the addition may go ahead (or the command is
        something else). Reads only the settings: never waits on anything."""
        url = requested_url(body.get("text", ""))
        if url is None:
            return None
        where = _where(body, url)
        if body.get("user_id") not in self.settings.admin_user_ids:
            logger.info("Refused an article addition by a non-admin (%s)", _fmt(where))
            return m.ADD_NOT_ADMIN
        if not url:
            return m.ADD_USAGE
        if self.settings.corpus_dir_is_bundled:
            logger.warning("Article addition refused: CORPUS_DIR is not set (%s)", _fmt(where))
            return m.ADD_BUNDLED_CORPUS_SLACK
        return None

    def reply_at_once(self, body: dict) -> dict | None:
        """The acknowledgement's reply to an ``ajouter`` command that is refused at once;
        None when the command is something else or the addition goes ahead (``start``)."""
        text = self.refusal(body)
        if text is None:
            return None
        return {"response_type": "ephemeral", **render_notice(text).as_kwargs()}

    def start(self, body: dict) -> bool:
        """The work of ``/openai-deals ajouter <url>`` after the acknowledgement; False when
        the command is something else.

        A refusal known at once is sent (when the acknowledgement did not carry it already);
        otherwise "je récupère…" is sent and the addition queued on the adder's own thread,
        which replies when done.
        """
        url = requested_url(body.get("text", ""))
        if url is None:
            return False
        response_url = body.get("response_url")
        where = _where(body, url)
        refused = self.refusal(body)
        if refused is not None:
            self._reply(response_url, where, refused)
            return True
        self._reply(response_url, where, m.ADD_STARTED.format(url=escape(url)))
        self.executor.submit(self._add, url, response_url, where)
        return True

    def _add(self, url: str, response_url: str | None, where: dict) -> None:
        try:
            self.corpus.articles.check()
            draft = read_url(url, self.settings.fetch_policy())
            added = self.corpus.articles.add(draft)
        except (FetchRefused, AddRefused) as exc:
            logger.info("Article not added: %s (%s)", exc.problem.value, _fmt(where))
            self._reply(response_url, where, m.refusal(_escaped(exc), slack=True))
            return
        except Exception:
            logger.exception("Could not add the article (%s)", _fmt(where))
            self._reply(response_url, where, m.ADD_FAILED)
            return
        logger.info(
            "Article %s written to %s (%s); rebuilding the index",
            added.article_id,
            self.corpus.articles.where,
            _fmt(where),
        )
        try:
            # Another thread of this process (the watcher) may have loaded it already.
            self.corpus.refresh()
        except Exception:
            logger.exception("Could not rebuild the index after adding %s", added.article_id)
            self._reply(response_url, where, m.ADD_FAILED)
            return
        overview = self.answerer.overview
        sentences = next(
            (a.sentences for a in overview.articles if a.article.article_id == added.article_id),
            0,
        )
        logger.info(
            "Article added: %s, %d sentences; now answering from %d articles (%s)",
            added.article_id,
            sentences,
            len(overview.articles),
            _fmt(where),
        )
        text = m.ADD_DONE.format(
            title=escape(draft.title),
            date=m.day_label_fr(draft.date),
            source=f" — {escape(draft.source)}" if draft.source else "",
            sentences=sentences,
        )
        if added.replaced:
            text += " " + m.ADD_DONE_REPLACED.format(
                titles=", ".join(escape(p.name) for p in added.replaced)
            )
        self._reply(response_url, where, text)

    def _reply(self, response_url: str | None, where: dict, text: str) -> None:
        self.answerer.respond(
            response_url,
            where,
            response_type="ephemeral",
            replace_original=False,
            **render_notice(text).as_kwargs(),
        )


def _where(body: dict, url: str) -> dict:
    return {"channel": body.get("channel_id"), "user": body.get("user_id"), "url": url}


def _escaped(error: FetchRefused | AddRefused) -> FetchRefused | AddRefused:
    """The same refusal with every text detail escaped for Slack's mrkdwn."""
    details = {k: escape(v) if isinstance(v, str) else v for k, v in error.details.items()}
    if isinstance(error, FetchRefused):
        return FetchRefused(error.problem, escape(error.url), **details)
    return AddRefused(error.problem, **details)


def _fmt(where: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items())
