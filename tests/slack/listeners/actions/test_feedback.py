"""Native 👍 / 👎 (listeners/actions/feedback.py) and the 👎 form
(listeners/views/feedback_reason.py): stored with the question and the cited sentences."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa
from slack_payloads import (
    QUESTION,
    app_mention,
    event_callback,
    feedback_click,
    send_action,
    send_event,
    send_form,
    view_submission,
)
from slack_replies import MENTION
from slack_standin import WAIT_SECONDS

from openai_deals import messages as m
from openai_deals.database import database_engine
from openai_deals.outcomes import feedback_table, outcomes_table

CITED = "002-microsoft-openai-google-anthropic#4"


def rows(settings, table) -> list[dict]:
    with database_engine(settings.resolved_database_url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table))]


def wait_rows(settings, table, predicate=lambda rows: bool(rows)) -> list[dict]:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate(found := rows(settings, table)):
        assert time.monotonic() < deadline, f"no matching rows in {table.name}: {found}"
        time.sleep(0.02)
    return found


def ask(slack, bot_http) -> dict:
    send_event(bot_http.url, event_callback(app_mention(f"{MENTION} {QUESTION}")))
    (answer,) = slack.wait_for("chat.postMessage")
    return answer.params


def test_answer_has_native_feedback_buttons_and_a_text_fallback(slack, bot_http):
    """The answer carries a context_actions block with feedback_buttons, and a text."""
    answer = ask(slack, bot_http)
    kinds = [b["type"] for b in answer["blocks"]]
    assert kinds[-1] == "context_actions"
    assert answer["blocks"][-1]["elements"][0]["type"] == "feedback_buttons"
    assert "300 millions de dollars" in answer["text"]


def test_thumbs_up_is_stored_and_thanked(slack, bot_http, settings):
    """👍 is stored against the question's outcome row, with the cited sentences."""
    answer = ask(slack, bot_http)
    (outcome,) = wait_rows(settings, outcomes_table)
    assert outcome["status"] == "answered" and CITED in outcome["sentence_ids"]
    send_action(bot_http.url, feedback_click(answer["blocks"], "up", slack.response_url("fb")))
    (thanks,) = slack.wait_for("response_url")
    assert thanks.params["text"] == m.FEEDBACK_THANKS
    (vote,) = wait_rows(settings, feedback_table)
    assert vote["vote"] == "up" and vote["outcome_id"] == outcome["id"]
    assert vote["question"] == QUESTION and CITED in vote["sentence_ids"]
    assert slack.calls_to("views.open") == []


def test_thumbs_down_opens_the_form_and_its_submission_is_stored(slack, bot_http, settings):
    """👎 opens « Qu'est-ce qui n'allait pas ? » with the click's trigger_id; the reason and
    comment submitted complete the stored 👎."""
    answer = ask(slack, bot_http)
    click = feedback_click(answer["blocks"], "down", slack.response_url("fb"))
    send_action(bot_http.url, click)
    (opened,) = slack.wait_for("views.open")
    assert opened.params["trigger_id"] == click["trigger_id"]
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert m.FEEDBACK_MODAL_QUESTION in json.dumps(view, ensure_ascii=False)
    options = view["blocks"][1]["element"]["options"]
    assert [o["text"]["text"] for o in options] == list(m.FEEDBACK_REASONS.values())
    (down,) = wait_rows(settings, feedback_table)
    assert down["vote"] == "down" and down["reason"] is None

    status, _ = send_form(
        bot_http.url, {"payload": json.dumps(view_submission(view, "outdated", "Trop ancien"))}
    )
    assert status == 200
    (stored,) = wait_rows(settings, feedback_table, lambda r: r and r[0]["reason"])
    assert stored["id"] == down["id"]
    assert (stored["reason"], stored["comment"]) == ("outdated", "Trop ancien")
    assert stored["user_hash"] and stored["user_hash"] != "UPERSON01"
