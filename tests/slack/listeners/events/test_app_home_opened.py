"""`app_home_opened` (listeners/events/app_home_opened.py): the Home tab."""

from __future__ import annotations

import json

from slack_payloads import USER_ID, app_home_opened, event_callback, send_event

from openai_deals import messages as m


def test_app_home_lists_the_articles_and_how_to_ask(slack, bot_http, engine):
    """Opening the Home tab publishes the articles with their dates, and example questions."""
    send_event(bot_http.url, event_callback(app_home_opened("home")))
    (call,) = slack.wait_for("views.publish")
    assert call.params["user_id"] == USER_ID
    assert call.params["view"]["type"] == "home"
    published = json.dumps(call.params["view"], ensure_ascii=False)
    for article in engine.articles:
        assert article.title[:50] in published
        assert article.date_label in published
    assert m.EXAMPLE_QUESTIONS[0] in published


def test_messages_tab_publishes_nothing(slack, bot_http, bot_logs):
    """Opening the Messages tab needs no Home view."""
    send_event(bot_http.url, event_callback(app_home_opened("messages")))
    send_event(bot_http.url, event_callback(app_home_opened("home")))
    slack.wait_for("views.publish")
    assert len(slack.calls_to("views.publish")) == 1
