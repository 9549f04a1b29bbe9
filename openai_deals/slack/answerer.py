"""What the listeners share: the engine, the page size, and safe ways to talk back to Slack.

Handlers stay a few lines long; everything that can fail (the engine, a Slack call, a
``response_url``) fails here, is logged with its context, and leaves the person a polite
French message wherever one can still be delivered. Nothing ever shows a stack trace in Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from openai_deals import messages as m
from openai_deals.questions import is_help_request
from openai_deals.retrieval.model import Answer, Article
from openai_deals.slack.buttons import AnswerRef, InvalidButtonValue, Surface
from openai_deals.slack.dedup import SeenKeys
from openai_deals.slack.render import Message, render_answer, render_help, render_notice

logger = logging.getLogger(__name__)

# What a failed Slack call can raise: an API error (ok=false, HTTP 4xx/5xx), a client-side
# error of slack_sdk, a network error, or a body that is not JSON (an HTML error page).
SLACK_CALL_ERRORS = (SlackClientError, OSError, ValueError)


class AnswerEngine(Protocol):
    """The part of ``openai_deals.retrieval.engine.Engine`` the bot uses."""

    def answer(self, question: str, k: int = 3, offset: int = 0) -> Answer: ...

    @property
    def articles(self) -> tuple[Article, ...]: ...


@dataclass
class Answerer:
    """The bot's services, handed to every listener by ``register``."""

    engine: AnswerEngine
    k: int = 3
    seen: SeenKeys = field(default_factory=SeenKeys)

    def render(self, ref: AnswerRef, where: dict) -> Message:
        """Answer ``ref`` and render it; on any failure, log and return an apology instead.

        The engine promises never to raise; if it does anyway (a bug), the person still gets
        a reply and the traceback goes to the logs with the question.
        """
        try:
            answer = self.engine.answer(ref.question, k=self.k, offset=ref.offset)
            message = render_answer(answer, ref, self.k)
        except Exception:
            logger.exception(
                "Could not answer (question=%r, offset=%d, %s)",
                ref.question,
                ref.offset,
                _fmt(where),
            )
            return render_notice(m.ANSWER_FAILED)
        logger.info(
            "Answered (question=%r, offset=%d, snippets=%d, abstained=%s, %s)",
            ref.question,
            ref.offset,
            len(answer.snippets),
            answer.abstained,
            _fmt(where),
        )
        return message

    def reply_in_thread(
        self,
        client: WebClient,
        *,
        channel: str,
        ts: str,
        thread_ts: str | None,
        question: str,
        event_id: str | None,
    ) -> None:
        """Answer a message (mention or DM) once, in ``thread_ts`` or at top level if None.

        ``event_id`` and ``(channel, ts)`` are remembered: a Slack retry, or the same message
        arriving as both a mention and a DM, is answered only the first time.
        """
        where = {"channel": channel, "ts": ts, "event_id": event_id}
        keys: list[tuple[str, ...]] = [("message", channel, ts)]
        if event_id:
            keys.append(("event", event_id))
        if not self.seen.first_time(*keys):
            logger.info("Already answered, ignoring the repeat (%s)", _fmt(where))
            return
        if is_help_request(question):
            message = render_help()
        else:
            message = self.render(AnswerRef(question, 0, Surface.THREAD), where)
        post_message(client, message, channel=channel, thread_ts=thread_ts, question=question)


def post_message(
    client: WebClient,
    message: Message,
    *,
    channel: str,
    thread_ts: str | None = None,
    question: str = "",
) -> bool:
    """``chat.postMessage``; on failure log the error with the message's context and text.

    Returns:
        True if Slack accepted the message.
    """
    try:
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message.as_kwargs())
        return True
    except SLACK_CALL_ERRORS as exc:
        logger.exception(
            "chat.postMessage failed: %s (channel=%s, thread_ts=%s, question=%r, text=%r)",
            slack_error(exc),
            channel,
            thread_ts,
            question,
            message.text,
        )
        return False


def safe_respond(respond: Callable[..., object], where: dict, **kwargs: object) -> bool:
    """Post to the interaction's ``response_url``; log (never raise) when that fails."""
    try:
        response = respond(**kwargs)
    except SLACK_CALL_ERRORS:
        logger.exception("response_url post failed (%s, text=%r)", _fmt(where), kwargs.get("text"))
        return False
    status = getattr(response, "status_code", 200)
    if status != 200:
        logger.error(
            "response_url post refused: HTTP %s %s (%s, text=%r)",
            status,
            getattr(response, "body", ""),
            _fmt(where),
            kwargs.get("text"),
        )
        return False
    return True


def read_button(action: dict, respond: Callable[..., object], where: dict) -> AnswerRef | None:
    """Decode a clicked button's value; if it is not one of ours, say so to the clicker."""
    try:
        return AnswerRef.decode(action.get("value", ""))
    except InvalidButtonValue:
        logger.warning("Unreadable button value, ignored (%s)", _fmt(where), exc_info=True)
        safe_respond(
            respond,
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
            return str(response.get("error") or f"HTTP {response.status_code}")
        except (AttributeError, TypeError):
            pass
    return type(exc).__name__


def _fmt(where: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in where.items())
