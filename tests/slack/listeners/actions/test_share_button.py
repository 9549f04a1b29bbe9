"""« Partager dans le canal » (listeners/actions/share_button.py)."""

from __future__ import annotations

import pytest
from slack_payloads import CHANNEL_ID, USER_ID, block_actions, button, send_action
from slack_replies import all_text, command_answer

from openai_deals import messages as m
from openai_deals.slack.buttons import ACTION_SHARE


def test_share_button_posts_the_answer_in_the_channel(slack, bot_http):
    """Clicking "Partager dans le canal" posts the same answer for everyone, naming the sharer."""
    answer = command_answer(slack, bot_http)
    share = button(answer.params["blocks"], ACTION_SHARE)
    click = block_actions(share, slack.response_url("share"), ephemeral=True)
    status, _ = send_action(bot_http.url, click)
    assert status == 200
    (post_call,) = slack.wait_for("chat.postMessage")
    assert post_call.params["channel"] == CHANNEL_ID
    posted = all_text(post_call.params)
    assert "300 millions de dollars" in posted
    assert m.SHARED_BY.format(user_id=USER_ID) in posted
    with pytest.raises(AssertionError):
        button(post_call.params["blocks"], ACTION_SHARE)  # already shared
    (cleanup,) = [c for c in slack.wait_for("response_url", 2) if c.path == "/response/share"]
    assert cleanup.params["delete_original"] is True


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found"])
def test_share_where_the_bot_is_not_a_member_says_to_invite_it(slack, bot_http, error):
    """When Slack refuses the post, the person is told (ephemerally) to invite the bot."""
    answer = command_answer(slack, bot_http)
    slack.fail("chat.postMessage", error=error)
    click = block_actions(button(answer.params["blocks"], ACTION_SHARE), slack.response_url("s"))
    send_action(bot_http.url, click)
    calls = [c for c in slack.wait_for("response_url", 2) if c.path == "/response/s"]
    assert calls[0].params["text"] == m.NOT_IN_CHANNEL
    assert calls[0].params["response_type"] == "ephemeral"
    assert calls[0].params["replace_original"] is False
