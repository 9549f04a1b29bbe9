"""What the listeners share: the engine, the answer pool, and safe ways to talk back to Slack.

Every listener acknowledges at once and leaves its work to the answer pool
(:meth:`Answerer.acknowledge_then`), so the acknowledgement never waits on Slack or on the
engine. The one exception is a reply already known when the request arrives (the deals
timeline, the articles and the help of ``/openai-deals``, rendered from data held in memory):
it is the acknowledgement itself. Everything that can fail (the engine, a Slack call, a
``response_url``) fails in the work, is logged with its context, and leaves the person a
polite French message wherever one can still be delivered. Nothing ever shows a stack trace
in Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from slack_bolt import Ack, BoltContext, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from openai_deals import messages as m
from openai_deals.outcomes import Asker, OutcomeStore, new_id
from openai_deals.questions import is_help_request
from openai_deals.retrieval.deals.overview import Overview
from openai_deals.retrieval.model import Answer, Article
from openai_deals.retrieval.text import shorten
from openai_deals.slack.buttons import AnswerRef, InvalidButtonValue, Surface
from openai_deals.slack.conversations import KnownQuestions, ThreadQuestions
from openai_deals.slack.dedup import DuplicateMemory, SeenKeys, interaction_key, message_key
from openai_deals.slack.pool import AnswerPool
from openai_deals.slack.render import (
    Message,
    render_answer,
    render_help,
    render_notice,
    with_reading,
)
from openai_deals.slack.retries import may_have_been_delivered, retry_handlers
from openai_deals.slack.threads import BotThreads, KnownThreads

if TYPE_CHECKING:
    from openai_deals.live_corpus import CorpusFollower
    from openai_deals.retrieval.answering.engine import Engine

logger = logging.getLogger(__name__)

# What a failed Slack call can raise: an API error (ok=false, HTTP 4xx/5xx), a client-side
# error of slack_sdk, a network error, or a body that is not JSON (an HTML error page).
SLACK_CALL_ERRORS = (SlackClientError, OSError, ValueError)

LOG_TEXT_MAX_CHARS = 300  # questions and answers in logs: enough to recognise, never a flood

#: Work done after the acknowledgement: ``work(body, client, context)``.
Work = Callable[[dict, WebClient, BoltContext], None]
#: Deletes what is stored about one workspace: ``purge(enterprise_id, team_id)``.
WorkspacePurge = Callable[["str | None", "str | None"], None]
#: A reply known at once (``at_once(body)``): the acknowledgement's keyword arguments, or None
#: when the request needs the work. It must never wait on Slack or on the engine.
AtOnce = Callable[[dict], "dict | None"]


class AnswerEngine(Protocol):
    """The part of ``openai_deals.retrieval.answering.engine.Engine`` the bot uses."""

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer: ...

    @property
    def articles(self) -> tuple[Article, ...]: ...


class Adder(Protocol):
    """What the ``/openai-deals`` command needs of ``slack/add_article.py``'s ``ArticleAdder``
    (and of ``slack/remove_article.py``'s ``ArticleRemover``, which has the same shape).

    Declared here, not imported from there: ``add_article`` builds on the ``Answerer``, so the
    ``Answerer`` names only this small shape of it (no import cycle, not even for type hints).
    """

    def wants(self, body: dict) -> bool: ...

    def reply_at_once(self, body: dict) -> dict | None: ...

    def start(self, body: dict) -> bool: ...


def for_log(text: str, limit: int = LOG_TEXT_MAX_CHARS) -> str:
    """Text from people (or answers) as it goes into a log line: quoted, escaped, capped."""
    return repr(shorten(text, limit))


@dataclass
class Answerer:
    """The bot's services, handed to every listener by ``register``."""

    engine: AnswerEngine
    k: int = 3
    seen: DuplicateMemory = field(default_factory=SeenKeys)
    threads: BotThreads = field(default_factory=KnownThreads)  # threads the bot answered in
    pool: AnswerPool = field(default_factory=lambda: AnswerPool(workers=4, backlog=100))
    timeout: float = 10.0  # seconds, for response_url posts
    retry_backoff: float = 0.5  # seconds, first wait before retrying a response_url post
    overview: Overview = field(default_factory=Overview)  # the deals timeline, the articles
    adder: Adder | None = None  # `/openai-deals ajouter <url>` (slack/add_article.py)
    remover: Adder | None = None  # `/openai-deals retirer <id>` (slack/remove_article.py)
    # Keeps the engine on the corpus version every process shares (openai_deals/live_corpus.py).
    corpus: CorpusFollower | None = None
    # Run when a workspace uninstalls the app or revokes its token: every store holding data
    # about a workspace registers its own deletion here (listeners/events/uninstall.py).
    workspace_purges: list[WorkspacePurge] = field(default_factory=list)
    # The assistant threads the bot saw start (slack/assistant.py).
    assistant_threads: BotThreads = field(default_factory=KnownThreads)
    # Each conversation's last question, to read a follow-up with (slack/conversations.py).
    questions: ThreadQuestions = field(default_factory=KnownQuestions)
    # Where each question's outcome and feedback go (openai_deals/outcomes.py); None: nowhere.
    outcomes: OutcomeStore | None = None

    def follow(self, engine: Engine) -> None:
        """Answer from ``engine`` (a new corpus version) from now on, and show its timeline
        and articles (App Home, ``sources``, ``deals``, suggested prompts)."""
        swap = getattr(self.engine, "swap", None)
        if swap is None:
            raise TypeError("the answerer's engine must be a LiveEngine to follow the corpus")
        swap(engine)
        self.overview = Overview.of(engine.index)

    # -- acknowledge first ---------------------------------------------------------------

    def acknowledge_then(
        self,
        work: Work,
        *,
        busy: str | None = None,
        at_once: AtOnce | None = None,
        after: Work | None = None,
    ) -> Callable[..., object]:
        """A Bolt listener that acknowledges at once and runs ``work`` on the answer pool.

        When the pool's backlog is full the request is refused quickly instead: a slash
        command is acknowledged with ``busy`` (shown to the person only); anything else gets
        HTTP 503, and Slack delivers it again later (events after 1 and 5 minutes; Socket Mode
        redelivers an envelope that was not acknowledged).

        ``at_once``, if given, is asked first: a reply it returns is the acknowledgement
        itself (a slash command's immediate response) and nothing goes to the pool, so such
        replies are never refused as busy. If it fails (a bug), the error is logged and the
        person gets ``ANSWER_FAILED``, shown to them only. ``after``, if given, then runs on
        the pool when there is room (what completes an at-once reply, such as the timeline's
        chart); a full pool skips it rather than delay or refuse the reply.

        An interaction seen before (its ``trigger_id``: a replayed command or click) is
        acknowledged, empty, and ignored (see ``dedup``).
        """

        def acknowledge(
            ack: Ack, body: dict, client: WebClient, context: BoltContext
        ) -> BoltResponse | None:
            if self._replayed(body):
                ack()
                return None
            if at_once is not None:
                try:
                    reply = at_once(body)
                except Exception as error:
                    log_unexpected_error(error, body)
                    notice = render_notice(m.ANSWER_FAILED)
                    reply = {"response_type": "ephemeral", **notice.as_kwargs()}
                if reply is not None:
                    ack(**reply)
                    if after is not None and not self.pool.submit(
                        self._run, after, body, client, context
                    ):
                        logger.info("Answer pool full: %s skipped", after.__name__)
                    return None
            if self.pool.submit(self._run, work, body, client, context):
                ack()
                return None
            logger.warning(
                "Answer backlog full (%d waiting or running): refusing a %s request",
                self.pool.backlog,
                body.get("type") or body.get("command") or "Slack",
            )
            if busy is not None:
                ack(response_type="ephemeral", text=busy)
                return None
            # Refused, not handled: the same request sent again (Slack's redelivery, or the
            # person's retry) must be answered, so it is no longer remembered as seen.
            self._forget(body)
            return BoltResponse(status=503, body="")

        acknowledge.__name__ = f"acknowledge_{work.__name__}"  # Bolt logs listener names
        return acknowledge

    def _replayed(self, body: dict) -> bool:
        """True (logged) when ``body``'s interaction was handled already."""
        trigger = body.get("trigger_id")
        if not isinstance(trigger, str) or not trigger:
            return False  # an event: its message is remembered (reply_in_thread)
        if not self.seen.seen_before(interaction_key(trigger)):
            return False
        logger.warning(
            "Replayed request ignored (type=%s, command=%s, trigger_id=%s)",
            body.get("type"),
            body.get("command"),
            trigger[:40],
        )
        return True

    def _forget(self, body: dict) -> None:
        trigger = body.get("trigger_id")
        if isinstance(trigger, str) and trigger:
            self.seen.forget(interaction_key(trigger))

    def _run(self, work: Work, body: dict, client: WebClient, context: BoltContext) -> None:
        try:
            work(body, client, context)
        except Exception as error:
            log_unexpected_error(error, body)

    # -- answering -----------------------------------------------------------------------

    def render(self, ref: AnswerRef, where: dict, asker: Asker | None = None) -> Message:
        """Answer ``ref`` and render it; on any failure, log and return an apology instead.

        The engine promises never to raise; if it does anyway (a bug), the person still gets
        a reply and the traceback goes to the logs with the question. With ``asker`` (a new
        question, not another page or a share), the outcome is recorded (``outcomes``) and
        the answer's feedback buttons point at its row.
        """
        record = asker is not None and self.outcomes is not None and ref.offset == 0
        if record:
            ref = replace(ref, outcome=new_id())
        try:
            answer = self.engine.answer(ref.question, k=self.k, offset=ref.offset)
            message = render_answer(answer, ref, self.k)
        except Exception:
            logger.exception(
                "Could not answer (question=%s, offset=%d, %s)",
                for_log(ref.question),
                ref.offset,
                _fmt(where),
            )
            return render_notice(m.ANSWER_FAILED)
        logger.info(
            "Answered (question=%s, offset=%d, snippets=%d, abstained=%s, %s)",
            for_log(ref.question),
            ref.offset,
            len(answer.snippets),
            answer.abstained,
            _fmt(where),
        )
        if record:
            self.record_outcome(ref, asker, answer)  # type: ignore[arg-type]
        return message

    def record_outcome(self, ref: AnswerRef, asker: Asker, answer: Answer) -> None:
        """Append the question's outcome to the store; a failure is logged, never raised:
        the answer goes out whatever happens to its record."""
        if self.outcomes is None:
            return
        ids = [i for s in answer.snippets for i in s.sentence_ids]
        try:
            self.outcomes.record_question(
                ref.outcome, asker, ref.question, answer.status.value, ids
            )
        except Exception:
            logger.exception("Could not record a question's outcome (team=%s)", asker.team_id)

    def read_in_context(self, previous: str | None, question: str) -> str:
        """``question`` read after the conversation's ``previous`` one (a follow-up such as
        « Et Google ? »); unchanged when it stands alone, or if the engine cannot tell."""
        contextualise = getattr(self.engine, "contextualise", None)
        if not previous or contextualise is None:
            return question
        try:
            return contextualise(previous, question)
        except Exception:
            logger.exception(
                "Could not read a follow-up in context (question=%s)", for_log(question)
            )
            return question

    def reply_in_thread(
        self,
        client: WebClient,
        *,
        channel: str,
        ts: str,
        thread_ts: str | None,
        question: str,
        user: str | None,
        event_id: str | None,
        asker: Asker | None = None,
        conversation: str | None = None,
    ) -> bool:
        """Answer a message (mention, DM, thread reply, assistant pane) once, in
        ``thread_ts`` or at top level if None; True if it was answered now.

        The message (``channel``, ``ts``) is remembered (see ``dedup``): a Slack retry, or the
        same message arriving as both a mention and a thread reply or a DM, is answered only
        the first time. The thread the answer went to is remembered too (see ``threads``), so
        that a reply there can be read as a follow-up: the question is read with the
        conversation's previous one (``conversation``, default the thread; see
        ``conversations``). If Slack finally refuses the answer, ``user`` is told so, in a
        message only they see. With ``asker``, the outcome is recorded.
        """
        where = {"channel": channel, "ts": ts, "event_id": event_id}
        if self.seen.seen_before(message_key(channel, ts)):
            logger.info("Already answered, ignoring the repeat (%s)", _fmt(where))
            return False
        conversation = conversation or thread_ts or ts
        read = None
        if is_help_request(question):
            message = render_help()
        else:
            previous = self.questions.last_question(channel, conversation)
            read = self.read_in_context(previous, question)
            if read != question:
                logger.info("Follow-up read as %s (%s)", for_log(read), _fmt(where))
            message = self.render(AnswerRef(read, 0, Surface.THREAD), where, asker)
            message = with_reading(message, question, read)
            self.questions.remember_question(channel, conversation, read)
        # Before the post, not after: the person may reply as soon as the answer shows, and
        # the reply must find the thread and the question. A mention already made the bot a
        # party to the thread, even if Slack then refuses the answer.
        self.threads.remember(channel, thread_ts or ts)
        logger.debug("Thread remembered (%s, thread_ts=%s)", _fmt(where), thread_ts or ts)
        outcome = post_message(
            client, message, channel=channel, thread_ts=thread_ts, question=question
        )
        if outcome is False and user:
            tell_privately(client, m.SLACK_FAILED, channel=channel, user=user, thread_ts=thread_ts)
        return True

    def respond(self, response_url: str | None, where: dict, **kwargs: object) -> bool:
        """Post to an interaction's ``response_url`` (retrying transient failures); log, never
        raise, when that fails.

        Returns:
            False if Slack surely did not get it; True if it did (or may have: a timeout after
            the request was sent is not retried, so as not to post twice).
        """
        if not response_url:
            logger.error("No response_url to answer on (%s)", _fmt(where))
            return False
        webhook = WebhookClient(
            url=response_url,
            timeout=self.timeout,
            retry_handlers=retry_handlers(self.retry_backoff),
        )
        text = str(kwargs.get("text", ""))
        try:
            response = webhook.send_dict(kwargs)
        except SLACK_CALL_ERRORS as exc:
            if may_have_been_delivered(exc):
                logger.warning(
                    "response_url post may have been delivered, not retried (%s: %s; %s, text=%s)",
                    type(exc).__name__,
                    exc,
                    _fmt(where),
                    for_log(text),
                )
                return True
            logger.exception("response_url post failed (%s, text=%s)", _fmt(where), for_log(text))
            return False
        if response.status_code != 200:
            logger.error(
                "response_url post refused: HTTP %s %s (%s, text=%s)",
                response.status_code,
                for_log(str(response.body or ""), 100),
                _fmt(where),
                for_log(text),
            )
            return False
        return True


def post_message(
    client: WebClient,
    message: Message,
    *,
    channel: str,
    thread_ts: str | None = None,
    question: str = "",
) -> bool | None:
    """``chat.postMessage``; on failure log the error with the message's context and text.

    Returns:
        True if Slack accepted the message, False if it surely did not (after the retries of
        ``retries``), None if it may have (the answer timed out after the request was sent).
    """
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message.as_kwargs())
        return True
    except SLACK_CALL_ERRORS as exc:
        if may_have_been_delivered(exc):
            logger.warning(
                "chat.postMessage may have been posted, not retried (%s: %s; channel=%s, "
                "thread_ts=%s, question=%s)",
                type(exc).__name__,
                exc,
                channel,
                thread_ts,
                for_log(question),
            )
            return None
        logger.exception(
            "chat.postMessage failed: %s (channel=%s, thread_ts=%s, question=%s, text=%s)",
            slack_error(exc),
            channel,
            thread_ts,
            for_log(question),
            for_log(message.text),
        )
        return False


def tell_privately(
    client: WebClient, text: str, *, channel: str, user: str, thread_ts: str | None = None
) -> bool:
    """An ephemeral notice to ``user`` (``chat.postEphemeral``); log, never raise, on failure."""
    try:
        client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread_ts, **render_notice(text).as_kwargs()
        )
        return True
    except SLACK_CALL_ERRORS as exc:
        logger.error(
            "Could not tell the person either: chat.postEphemeral failed: %s (channel=%s, user=%s)",
            slack_error(exc),
            channel,
            user,
        )
        return False


def read_button(answerer: Answerer, body: dict, where: dict) -> AnswerRef | None:
    """Decode the clicked button's value; if it is not one of ours, say so to the clicker."""
    action = (body.get("actions") or [{}])[0]
    try:
        return AnswerRef.decode(action.get("value", ""))
    except InvalidButtonValue:
        logger.warning("Unreadable button value, ignored (%s)", _fmt(where), exc_info=True)
        answerer.respond(
            body.get("response_url"),
            where,
            response_type="ephemeral",
            replace_original=False,
            **render_notice(m.BUTTON_EXPIRED).as_kwargs(),
        )
        return None


def slack_error(exc: BaseException) -> str:
    """The Slack error code (``not_in_channel``…) of an exception, or its class name."""
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            error = str(response.get("error") or "")
            # slack_sdk puts its own sentence there for a body that is not JSON: say HTTP nnn.
            return error if error.isidentifier() else f"HTTP {response.status_code}"
        except (AttributeError, TypeError):
            pass
    return type(exc).__name__


def log_unexpected_error(error: Exception, body: dict) -> None:
    """Last resort for an error no listener expected: log it with what Slack sent."""
    event = body.get("event") or {}
    logger.error(
        "Unhandled error (type=%s, event=%s, channel=%s, ts=%s, command=%s)",
        body.get("type"),
        event.get("type"),
        event.get("channel") or (body.get("channel") or {}).get("id") or body.get("channel_id"),
        event.get("ts"),
        body.get("command"),
        exc_info=error,
    )


def _fmt(where: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items())


def asker_of(body: dict, context: BoltContext, user: str | None, surface: str) -> Asker:
    """Who asked and where, from a Slack request: the workspace and the person (the
    outcome store keeps only a keyed hash of the user id)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id") or context.team_id
    enterprise = body.get("enterprise_id") or context.enterprise_id
    if not enterprise and isinstance(body.get("enterprise"), dict):
        enterprise = body["enterprise"].get("id")  # interactions carry {"id", "name"}
    return Asker(team_id=team, enterprise_id=enterprise, user_id=user, surface=surface)
