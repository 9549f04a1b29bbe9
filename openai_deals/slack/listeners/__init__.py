"""Wire every Slack input the app handles, one folder per kind of input."""

from __future__ import annotations

from slack_bolt import App

from openai_deals.slack.answerer import Answerer
from openai_deals.slack.listeners import actions, commands, events, messages, shortcuts, views
from openai_deals.slack.listeners.assistant import build_assistant


def register_listeners(app: App, answerer: Answerer) -> None:
    """Register all listeners on ``app``; they share ``answerer``."""
    # The assistant pane's events go through bolt-python's Assistant middleware, which takes
    # them before the listeners below (and lets every other message through).
    app.use(build_assistant(answerer, answerer.assistant_threads))
    events.register(app, answerer)
    messages.register(app, answerer)
    commands.register(app, answerer)
    actions.register(app, answerer)
    views.register(app, answerer)
    shortcuts.register(app, answerer)
