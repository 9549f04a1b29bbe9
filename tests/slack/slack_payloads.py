"""What Slack sends: event callbacks, slash commands, button clicks; and signed HTTP posts."""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode, urlparse

from slack_sdk.signature import SignatureVerifier
from slack_standin import BOT_USER_ID, TEAM_ID

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
USER_ID = "UPERSON01"
CHANNEL_ID = "CGENERAL1"
DM_CHANNEL_ID = "DPERSON01"
QUESTION = "Combien Google a-t-il investi dans Anthropic ?"

_ids = itertools.count(1)


def next_ts() -> str:
    return f"1700001000.{next(_ids):06d}"


def next_trigger_id() -> str:
    """A new trigger id, as Slack gives every command, click and submission."""
    return f"7000000{next(_ids):06d}.1700001000.{next(_ids):032x}"


def event_callback(event: dict, event_id: str | None = None) -> dict:
    return {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0TEST001",
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        "event": event,
    }


def app_mention(text: str, *, ts: str | None = None, thread_ts: str | None = None) -> dict:
    ts = ts or next_ts()
    event = {
        "type": "app_mention",
        "user": USER_ID,
        "text": text,
        "ts": ts,
        "channel": CHANNEL_ID,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def direct_message(text: str, *, ts: str | None = None, **extra: object) -> dict:
    ts = ts or next_ts()
    event = {
        "type": "message",
        "channel_type": "im",
        "user": USER_ID,
        "text": text,
        "ts": ts,
        "channel": DM_CHANNEL_ID,
        "event_ts": ts,
    }
    event.update(extra)
    return event


def app_uninstalled() -> dict:
    return {"type": "app_uninstalled", "event_ts": next_ts()}


def tokens_revoked(*, bot: bool = True) -> dict:
    tokens = {"bot": [BOT_USER_ID]} if bot else {"oauth": [USER_ID]}
    return {"type": "tokens_revoked", "tokens": tokens, "event_ts": next_ts()}


def app_home_opened(tab: str = "home") -> dict:
    return {"type": "app_home_opened", "user": USER_ID, "channel": DM_CHANNEL_ID, "tab": tab}


def slash_command(text: str, response_url: str, channel: str = CHANNEL_ID) -> dict:
    return {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "channel_id": channel,
        "channel_name": "general",
        "user_id": USER_ID,
        "user_name": "person",
        "command": "/openai-deals",
        "text": text,
        "api_app_id": "A0TEST001",
        "response_url": response_url,
        "trigger_id": next_trigger_id(),
    }


def block_actions(
    action: dict,
    response_url: str,
    *,
    channel: str = CHANNEL_ID,
    message_ts: str | None = None,
    ephemeral: bool = False,
) -> dict:
    """A click on ``action`` (a button dict from a posted message)."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": USER_ID},
        "api_app_id": "A0TEST001",
        "container": {
            "type": "message",
            "message_ts": message_ts or next_ts(),
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": channel, "name": "general"},
        "response_url": response_url,
        "trigger_id": next_trigger_id(),
        "actions": [
            {
                "type": "button",
                "action_id": action["action_id"],
                "block_id": "answer_actions",
                "value": action.get("value", ""),
                "action_ts": next_ts(),
            }
        ],
    }


def button(blocks: list[dict], action_id: str) -> dict:
    """The button with ``action_id`` among posted ``blocks``."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return element
    raise AssertionError(f"no button {action_id!r} in the message")


# -- Signed HTTP -----------------------------------------------------------------------------


def signed_headers(
    body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """The ``X-Slack-Signature`` headers Slack computes (HMAC-SHA256 over ``v0:ts:body``)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature}


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    """POST ``body`` and return (status, text), whatever the status."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def send_event(url: str, payload: dict, *, extra_headers: dict | None = None, **sign) -> int:
    body = json.dumps(payload)
    headers = {"Content-Type": "application/json", **signed_headers(body, **sign)}
    headers.update(extra_headers or {})
    return post(url, body, headers)[0]


def send_form(url: str, form: dict, **sign) -> tuple[int, str]:
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body, **sign)}
    return post(url, body, headers)


def send_command(url: str, command: dict, **sign) -> tuple[int, str]:
    return send_form(url, command, **sign)


def send_action(url: str, payload: dict, **sign) -> tuple[int, str]:
    return send_form(url, {"payload": json.dumps(payload)}, **sign)


def raw_post(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """POST over a bare socket: ``headers`` are sent as given (a Content-Length that lies, or
    is not a number), then ``body``; return the status and whatever answer came back."""
    parsed = urlparse(url)
    head = f"POST {parsed.path} HTTP/1.1\r\nHost: {parsed.netloc}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection((parsed.hostname, parsed.port), timeout=10) as sock:
        sock.sendall(head.encode("latin-1"))
        # The server may answer and close before reading it all: that is the point.
        with contextlib.suppress(OSError):
            sock.sendall(body)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
    status_line = answer.split(b"\r\n", 1)[0].split()
    return int(status_line[1]) if len(status_line) > 1 else 0, answer


# -- Follow-ups, native feedback, shortcut, assistant pane ------------------------------------

ASSISTANT_CHANNEL_ID = "DASSIST01"


def channel_message(text: str, *, thread_ts: str | None = None, channel_type: str = "channel",
                    **extra: object) -> dict:  # fmt: skip
    """A ``message.channels`` (or ``message.groups``) event, in a thread if ``thread_ts``."""
    ts = next_ts()
    event = {"type": "message", "channel_type": channel_type, "user": USER_ID, "text": text,
             "ts": ts, "channel": CHANNEL_ID, "event_ts": ts}  # fmt: skip
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def feedback_value(blocks: list[dict], vote: str) -> str:
    """The value of the 👍 ("up") or 👎 ("down") of a posted answer's feedback buttons."""
    for block in blocks:
        if block.get("type") != "context_actions":
            continue
        for element in block["elements"]:
            if element.get("type") == "feedback_buttons":
                key = "positive_button" if vote == "up" else "negative_button"
                return element[key]["value"]
    raise AssertionError("no feedback buttons in the message")


def feedback_click(blocks: list[dict], vote: str, response_url: str) -> dict:
    """A click on the 👍 / 👎 of an answer, as Slack sends it (``feedback_buttons``)."""
    from openai_deals.slack.buttons import ACTION_FEEDBACK

    body = block_actions({"action_id": ACTION_FEEDBACK, "value": feedback_value(blocks, vote)},
                         response_url)  # fmt: skip
    body["actions"][0].update(type="feedback_buttons", block_id="answer_feedback")
    return body


def view_submission(view: dict, reason: str | None, comment: str = "") -> dict:
    """The submission of a form the bot opened (``views.open``'s ``view``)."""
    values: dict = {
        "reason": {"reason": {"type": "radio_buttons", "selected_option": None}},
        "comment": {"comment": {"type": "plain_text_input", "value": comment or None}},
    }
    if reason:
        values["reason"]["reason"]["selected_option"] = {"value": reason}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": USER_ID, "team_id": TEAM_ID},
        "api_app_id": "A0TEST001",
        "trigger_id": next_trigger_id(),
        "view": {**view, "id": "V0002", "state": {"values": values}, "team_id": TEAM_ID},
    }


def message_shortcut(text: str, response_url: str) -> dict:
    """« Demander à openai-deals » on a message saying ``text``."""
    from openai_deals.slack.buttons import SHORTCUT_ASK

    return {
        "type": "message_action",
        "callback_id": SHORTCUT_ASK,
        "trigger_id": next_trigger_id(),
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": USER_ID, "name": "person"},
        "channel": {"id": CHANNEL_ID, "name": "general"},
        "message": {"type": "message", "user": "UOTHER001", "text": text, "ts": next_ts()},
        "response_url": response_url,
        "message_ts": next_ts(),
    }


def assistant_thread_started(thread_ts: str | None = None) -> dict:
    thread_ts = thread_ts or next_ts()
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": USER_ID,
            "context": {"channel_id": CHANNEL_ID, "team_id": TEAM_ID},
            "channel_id": ASSISTANT_CHANNEL_ID,
            "thread_ts": thread_ts,
        },
        "event_ts": next_ts(),
    }


def assistant_thread_context_changed(thread_ts: str | None = None) -> dict:
    event = assistant_thread_started(thread_ts)
    event["type"] = "assistant_thread_context_changed"
    event["assistant_thread"]["context"] = {"channel_id": "COTHER001", "team_id": TEAM_ID}
    return event


def assistant_message(text: str, thread_ts: str) -> dict:
    """A person's message in the assistant thread ``thread_ts`` (a ``message.im``)."""
    return direct_message(text, channel=ASSISTANT_CHANNEL_ID, thread_ts=thread_ts)
