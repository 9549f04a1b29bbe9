"""The Slack manifests and the app agree: everything Slack is told to send has a handler."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest
from slack_bolt import App, BoltRequest
from slack_payloads import (
    app_home_opened,
    app_mention,
    app_uninstalled,
    assistant_thread_context_changed,
    assistant_thread_started,
    block_actions,
    channel_message,
    direct_message,
    event_callback,
    message_shortcut,
    slash_command,
    tokens_revoked,
)

from openai_deals import messages as m
from openai_deals.slack.app import create_app
from openai_deals.slack.buttons import (
    ACTION_FEEDBACK,
    ACTION_MORE,
    ACTION_SHARE,
    DEALS_PAGE_ACTIONS,
)
from openai_deals.slack.install import BOT_SCOPES, REDIRECT_PATH
from openai_deals.slack.server import EVENTS_PATH

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = {
    "socket": json.loads((ROOT / "manifest.json").read_text(encoding="utf-8")),
    "http": json.loads((ROOT / "manifest.http.json").read_text(encoding="utf-8")),
    "distribution": json.loads((ROOT / "manifest.distribution.json").read_text(encoding="utf-8")),
}
# Events API name in the manifest -> a sample event of that kind, and the call its handler
# makes (a Slack Web API method, or a line it logs when it calls none).
SAMPLE_EVENTS = {
    "app_mention": (lambda: app_mention("<@UBOT0001> aide"), "chat.postMessage"),
    "message.im": (lambda: direct_message("aide"), "chat.postMessage"),
    "app_home_opened": (lambda: app_home_opened("home"), "views.publish"),
    "app_uninstalled": (app_uninstalled, "log:deleting its data"),
    "tokens_revoked": (tokens_revoked, "log:deleting its data"),
    # A reply in a thread the bot never joined: routed, read, and left alone.
    "message.channels": (
        lambda: channel_message("Et Google ?", thread_ts="1.0"),
        "log:Not our thread",
    ),
    "message.groups": (
        lambda: channel_message("Et Google ?", thread_ts="1.0", channel_type="group"),
        "log:Not our thread",
    ),
    "assistant_thread_started": (assistant_thread_started, "assistant.threads.setSuggestedPrompts"),
    "assistant_thread_context_changed": (
        assistant_thread_context_changed,
        "log:Assistant thread context changed",
    ),
}


@pytest.fixture
def app(settings, engine) -> App:
    return create_app(settings, engine)


def dispatch(app: App, body: dict) -> int:
    # Socket Mode requests skip signature checks, so the body can go straight to the router.
    return app.dispatch(BoltRequest(body=body, mode="socket_mode")).status


@pytest.mark.parametrize("variant", MANIFESTS)
def test_every_manifest_event_has_a_handler(app, slack, variant, bot_logs):
    """Each bot event the manifest subscribes to reaches a listener that does its work."""
    events = MANIFESTS[variant]["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(SAMPLE_EVENTS), "a new event needs a sample here"
    for name in events:
        sample, method = SAMPLE_EVENTS[name]
        slack.reset()
        bot_logs.clear()
        assert dispatch(app, event_callback(sample())) == 200, name
        if method.startswith("log:"):
            wait_for_log(bot_logs, method.removeprefix("log:"))
        else:
            slack.wait_for(method)


def wait_for_log(logs: pytest.LogCaptureFixture, text: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in r.getMessage() for r in logs.records):
        assert time.monotonic() < deadline, f"no log line with {text!r}"
        time.sleep(0.01)


@pytest.mark.parametrize("variant", MANIFESTS)
def test_every_manifest_command_has_a_handler(app, slack, variant):
    """Each slash command of the manifest is routed to a listener."""
    commands = MANIFESTS[variant]["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [m.COMMAND]
    for command in commands:
        body = slash_command("aide", slack.response_url())
        body["command"] = command["command"]
        # The help is known at once: the listener answers in the acknowledgement itself.
        response = app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        assert response.status == 200, command["command"]
        blocks = json.loads(response.body)["blocks"]
        assert m.HELP_INTRO in json.dumps(blocks, ensure_ascii=False), command["command"]


@pytest.mark.parametrize("variant", MANIFESTS)
@pytest.mark.parametrize(
    "action_id",
    [ACTION_SHARE, ACTION_MORE, ACTION_FEEDBACK, *DEALS_PAGE_ACTIONS],
)
def test_interactivity_is_on_and_every_button_has_a_handler(app, slack, variant, action_id):
    """Interactivity is enabled, and every button the bot renders is routed to a listener."""
    assert MANIFESTS[variant]["settings"]["interactivity"]["is_enabled"] is True
    click = block_actions({"action_id": action_id, "value": "{}"}, slack.response_url())
    assert dispatch(app, click) == 200
    # The listener ran: it read the (empty) value and said the button is no longer valid.
    (call,) = slack.wait_for("response_url")
    assert call.params["text"] == m.BUTTON_EXPIRED


def test_unknown_command_is_not_handled(app, slack):
    """The routing check above can fail: a command the app does not know gets Bolt's 404."""
    body = slash_command("x", slack.response_url())
    body["command"] = "/not-ours"
    assert dispatch(app, body) == 404


def test_http_manifest_differs_only_by_request_urls_and_socket_mode():
    """The HTTP manifest is the Socket Mode one plus request URLs on /slack/events."""
    http = copy.deepcopy(MANIFESTS["http"])
    url = f"https://YOUR-HOST{EVENTS_PATH}"
    assert http["settings"].pop("socket_mode_enabled") is False
    assert http["settings"]["event_subscriptions"].pop("request_url") == url
    assert http["settings"]["interactivity"].pop("request_url") == url
    for command in http["features"]["slash_commands"]:
        assert command.pop("url") == url
    socket = copy.deepcopy(MANIFESTS["socket"])
    assert socket["settings"].pop("socket_mode_enabled") is True
    assert http == socket


def test_manifest_app_home_and_scopes():
    """Home and Messages tabs are on and writable; the assistant pane is on (the bot's scopes:
    test_slack_scopes.py)."""
    manifest = MANIFESTS["socket"]
    assert manifest["features"]["app_home"] == {
        "home_tab_enabled": True,
        "messages_tab_enabled": True,
        "messages_tab_read_only_enabled": False,
    }
    assert manifest["features"]["bot_user"]["display_name"] == m.BOT_NAME
    assert manifest["features"]["assistant_view"]["assistant_description"]


@pytest.mark.parametrize("variant", MANIFESTS)
def test_every_manifest_shortcut_has_a_handler(app, slack, variant):
    """The message shortcut of the manifest is routed and answers, ephemerally."""
    shortcuts = MANIFESTS[variant]["features"]["shortcuts"]
    assert [(s["type"], s["name"], s["description"]) for s in shortcuts] == [
        ("message", m.SHORTCUT_NAME, m.SHORTCUT_DESCRIPTION)
    ]
    for shortcut in shortcuts:
        slack.reset()
        body = message_shortcut("aide", slack.response_url())
        body["callback_id"] = shortcut["callback_id"]
        assert dispatch(app, body) == 200
        (call,) = slack.wait_for("response_url")
        assert call.params["response_type"] == "ephemeral"


def test_distribution_manifest_is_the_http_one_plus_the_oauth_redirect_url():
    """The manifest for several workspaces adds only the OAuth redirect URL, on the path the
    app serves, and asks for the scopes the installation requests (install.BOT_SCOPES)."""
    distribution = copy.deepcopy(MANIFESTS["distribution"])
    redirect_urls = distribution["oauth_config"].pop("redirect_urls")
    assert redirect_urls == [f"https://YOUR-HOST{REDIRECT_PATH}"]
    assert distribution == MANIFESTS["http"]
    for manifest in MANIFESTS.values():
        assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
