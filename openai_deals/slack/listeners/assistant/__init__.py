"""The assistant pane's events (Agents & AI Apps), on bolt-python's ``Assistant``."""

from __future__ import annotations

from slack_bolt import Assistant

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.assistant import AssistantContexts
from openai_deals.slack.listeners.assistant import context_changed, thread_started, user_message
from openai_deals.slack.threads import BotThreads, KnownThreads


def register(
    assistant: Assistant,
    answerer: Answerer,
    assistant_threads: BotThreads,
    contexts: AssistantContexts,
) -> None:
    """Wire the assistant listeners, one route per line; each acknowledges, then works."""
    assistant.thread_started(
        answerer.acknowledge_then(thread_started.build(answerer, assistant_threads, contexts))
    )
    assistant.user_message(matchers=[user_message.in_known_thread(assistant_threads)])(
        answerer.acknowledge_then(user_message.build(answerer))
    )
    assistant.thread_context_changed(answerer.acknowledge_then(context_changed.build(contexts)))


def build_assistant(
    answerer: Answerer,
    assistant_threads: BotThreads | None = None,
    contexts: AssistantContexts | None = None,
) -> Assistant:
    """The ``Assistant`` middleware with the bot's listeners (``app.use(...)``)."""
    assistant = Assistant()
    register(
        assistant, answerer, assistant_threads or KnownThreads(), contexts or AssistantContexts()
    )
    return assistant
