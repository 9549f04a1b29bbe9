"""« Plus de résultats » (listeners/actions/more_results.py): the next page, in place."""

from __future__ import annotations

from slack_payloads import (
    CHANNEL_ID,
    app_mention,
    block_actions,
    button,
    event_callback,
    feedback_value,
    send_action,
    send_event,
)
from slack_replies import BROAD_QUESTION, MENTION, all_text, command_answer, is_quote

from openai_deals import messages as m
from openai_deals.slack.buttons import ACTION_MORE, AnswerRef


def test_more_results_updates_the_channel_message_in_place(slack, bot_http, engine):
    """The "Plus de résultats" button on a threaded answer chat.updates it with the next page."""
    assert engine.answer(BROAD_QUESTION).has_more, "the test needs a question with more pages"
    event = app_mention(f"{MENTION} {BROAD_QUESTION}")
    send_event(bot_http.url, event_callback(event))
    (first,) = slack.wait_for("chat.postMessage")
    more = button(first.params["blocks"], ACTION_MORE)
    assert AnswerRef.decode(more["value"]).offset == 3
    click = block_actions(more, slack.response_url("more"), message_ts="1700000000.000042")
    send_action(bot_http.url, click)
    (update,) = slack.wait_for("chat.update")
    assert update.params["channel"] == CHANNEL_ID
    assert update.params["ts"] == "1700000000.000042"
    first_quotes = {b["text"]["text"] for b in first.params["blocks"] if is_quote(b)}
    next_quotes = {b["text"]["text"] for b in update.params["blocks"] if is_quote(b)}
    assert next_quotes, "the next page has snippets"
    assert not first_quotes & next_quotes, "the next page shows other snippets"
    assert len(slack.calls_to("chat.postMessage")) == 1


def test_more_results_on_an_ephemeral_answer_replaces_it_via_response_url(slack, bot_http, engine):
    """The "Plus de résultats" button on the command's answer replaces it via response_url."""
    assert engine.answer(BROAD_QUESTION).has_more, "the test needs a question with more pages"
    answer = command_answer(slack, bot_http, BROAD_QUESTION)
    more = button(answer.params["blocks"], ACTION_MORE)
    send_action(bot_http.url, block_actions(more, slack.response_url("m"), ephemeral=True))
    calls = [c for c in slack.wait_for("response_url", 2) if c.path == "/response/m"]
    assert calls[0].params["replace_original"] is True
    assert m.QUESTION_ECHO.format(question=BROAD_QUESTION) in all_text(calls[0].params)
    vote = feedback_value(calls[0].params["blocks"], "up")
    assert AnswerRef.decode(vote).offset == 3, "the votes now refer to the second page"
    assert slack.calls_to("chat.update") == []


def test_forged_button_value_is_refused_politely(slack, bot_http, bot_logs):
    """A button value the bot did not write gets a polite ephemeral note, nothing else."""
    forged = {"action_id": ACTION_MORE, "value": "<script>"}
    send_action(bot_http.url, block_actions(forged, slack.response_url("x")))
    (call,) = slack.wait_for("response_url")
    assert call.params["text"] == m.BUTTON_EXPIRED
    assert slack.calls_to("chat.update") == []
