"""The deals timeline and the articles in Slack: the sub-commands and the App Home over real
HTTP against the stand-in Slack, and the rendering within Slack's limits."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest
from slack_bolt import BoltRequest
from slack_payloads import (
    QUESTION,
    USER_ID,
    app_home_opened,
    app_mention,
    block_actions,
    button,
    event_callback,
    send_action,
    send_command,
    send_event,
    slash_command,
)
from slack_standin import BOT_USER_ID, wait_for_log

from openai_deals import messages as m
from openai_deals.retrieval.deals.overview import ArticleSummary, Overview
from openai_deals.retrieval.model import (
    Amount,
    Article,
    Citation,
    Deal,
    DealDate,
    DealKind,
    DealTerm,
    Partnership,
)
from openai_deals.slack.app import create_app
from openai_deals.slack.buttons import ACTION_DEALS_NEXT, ACTION_DEALS_PREVIOUS, DealsPage
from openai_deals.slack.deals_view import (
    DEALS_PER_PAGE,
    render_home_timeline,
    render_sources,
    render_timeline,
    timeline_pages,
)
from openai_deals.slack.listeners.commands import openai_deals_command
from openai_deals.slack.render import HOME_MAX_BLOCKS, MESSAGE_MAX_BLOCKS, TEXT_MAX_CHARS


def posted(params: dict) -> str:
    return params.get("text", "") + json.dumps(params.get("blocks", []), ensure_ascii=False)


def command(slack, bot_http, text: str) -> dict:
    """Run ``/openai-deals text``; return its reply. A sub-command's reply is rendered from
    memory, so it is the acknowledgement itself: nothing goes to the response_url."""
    status, body = send_command(bot_http.url, slash_command(text, slack.response_url("cmd")))
    assert status == 200
    assert slack.calls_to("response_url") == []
    return json.loads(body)


def all_texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def assert_within_limits(blocks: list[dict], max_blocks: int = MESSAGE_MAX_BLOCKS) -> None:
    assert len(blocks) <= max_blocks
    assert all(len(t) <= TEXT_MAX_CHARS for t in all_texts(blocks))


# -- Over HTTP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "deals", "  Chronologie "])
def test_command_alone_or_deals_shows_the_timeline(slack, bot_http, text):
    """/openai-deals and /openai-deals deals show the cited timeline, only to the asker."""
    params = command(slack, bot_http, text)
    assert params["response_type"] == "ephemeral"
    body = posted(params)
    assert m.DEALS_TITLE in body and "*Microsoft – OpenAI*" in body
    assert (
        "• *juillet 2019* — investissement : un milliard de dollars (environ la moitié sous "
        "forme de crédits Azure) — ✅ fait [1][2]"
    ) in body
    assert "participation : 49 % · valorisation : environ 29 milliards de dollars — ❔" in body
    assert "[1] *GPT3 : OpenAI cède sa licence à Microsoft* — septembre 2020" in body
    assert params["text"].startswith(m.DEALS_TITLE)
    assert_within_limits(params["blocks"])


def test_the_timeline_opens_with_one_line_per_partnership(slack, bot_http):
    """Before the detail, the first page sums up every partnership (not only Microsoft –
    OpenAI): who, its latest move, and how much money it involved; the fallback text too.
    The App Home opens the same way."""
    overview = [
        "*En bref*, un partenariat par ligne :",
        "• *Microsoft – OpenAI* — janvier 2023 : fournisseur cloud exclusif ✅ — dernier "
        "montant : plusieurs milliards de dollars (janvier 2023) ✅",
        "• *Google – Anthropic* — février 2023 : investissement : 300 millions de dollars · "
        "participation : 10 % ❔",
        "• *Microsoft – Sam Altman* — novembre 2023 : embauche : Sam Altman ✅",
        "• *OpenAI* — août 2025 : lancement : modèles ouverts ✅",
    ]
    params = command(slack, bot_http, "deals")
    texts = all_texts(params["blocks"])
    assert texts[1:3] == [m.DEALS_LEAD, "\n".join(overview)]
    assert texts[3].startswith("*Le détail*, du plus ancien au plus récent")
    plain = params["text"].splitlines()
    assert plain[:3] == [m.DEALS_TITLE, *(line.replace("*", "") for line in overview[:2])]
    send_event(bot_http.url, event_callback(app_home_opened("home")))
    (call,) = slack.wait_for("views.publish")
    assert "\n".join(overview) in all_texts(call.params["view"]["blocks"])


DM_CHANNEL = "D0DM00001"


def test_the_timeline_in_a_direct_message_is_followed_by_its_chart(slack, bot_http):
    """In a direct message with the bot, the timeline (the acknowledgement) is followed by
    its chart: a PNG uploaded with files_upload_v2 (upload URL, the bytes, completion into
    that conversation, with a French title)."""
    body = slash_command("deals", slack.response_url("cmd"), channel=DM_CHANNEL)
    status, reply = send_command(bot_http.url, body)
    assert status == 200 and m.DEALS_TITLE in posted(json.loads(reply))
    (done,) = slack.wait_for("files.completeUploadExternal", timeout=60)
    (url,) = slack.calls_to("files.getUploadURLExternal")
    assert url.params["filename"] == "chronologie-des-accords.png"
    (upload,) = slack.calls_to("upload")
    assert upload.params["content"].startswith(b"\x89PNG\r\n\x1a\n")
    assert int(url.params["length"]) == len(upload.params["content"])
    assert done.params["channel_id"] == DM_CHANNEL
    assert json.loads(done.params["files"]) == [
        {"id": upload.params["file_id"], "title": m.DEALS_CHART_TITLE}
    ]


def test_the_timeline_in_a_channel_uploads_no_chart(slack, bot_http, bot_logs):
    """In a channel the timeline is only for the asker, and a file never is: no upload."""
    command(slack, bot_http, "deals")
    wait_for_log(bot_logs, "Timeline chart not uploaded in")
    assert not [c for c in slack.calls if c.method.startswith("files.") or c.method == "upload"]


def test_without_matplotlib_there_is_no_chart_to_upload():
    """Where matplotlib is not installed (a Python that cannot import it), no chart is drawn
    and nothing is uploaded: the timeline comes alone."""
    script = (
        "import sys; sys.modules['matplotlib'] = None\n"  # what a missing package looks like
        "from openai_deals.retrieval.model import Partnership\n"
        "from openai_deals.slack.deals_chart import chart_png, upload_chart\n"
        "lanes = (Partnership(('Google', 'Anthropic'), ()),)\n"
        "assert chart_png(lanes) is None\n"
        "assert upload_chart(None, 'D0DM00001', lanes) is False\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_timeline_pages_forward_and_back_with_buttons(slack, bot_http):
    """The timeline is longer than a page: ▶ replaces the message with the next page (Google,
    the hire…), whose ◀ goes back."""
    first = command(slack, bot_http, "deals")
    detail = json.dumps(first["blocks"][3:], ensure_ascii=False)  # after title, lead, summary
    assert "Google – Anthropic" not in detail
    assert m.DEALS_PAGE.format(page=1, pages=2) in posted(first)
    slack.reset()
    click = block_actions(
        button(first["blocks"], ACTION_DEALS_NEXT), slack.response_url("page"), ephemeral=True
    )
    assert send_action(bot_http.url, click)[0] == 200
    (call,) = slack.wait_for("response_url")
    assert call.params["replace_original"] is True
    second = posted(call.params)
    assert "*Google – Anthropic*" in second and "embauche : Sam Altman" in second
    assert "300 millions de dollars · participation : 10 % — ❔ non confirmé" in second
    previous = button(call.params["blocks"], ACTION_DEALS_PREVIOUS)
    assert DealsPage.decode(previous["value"]) == DealsPage(0)
    with pytest.raises(AssertionError):
        button(call.params["blocks"], ACTION_DEALS_NEXT)  # the last page has no ▶


def test_a_forged_page_button_is_refused_politely(slack, bot_http):
    """A page value this bot did not write gets the "expired button" notice."""
    forged = {"action_id": ACTION_DEALS_NEXT, "value": '{"p": -3}'}
    send_action(bot_http.url, block_actions(forged, slack.response_url("x"), ephemeral=True))
    (call,) = slack.wait_for("response_url")
    assert call.params["text"] == m.BUTTON_EXPIRED


def test_sources_lists_the_articles_with_their_sentence_counts(slack, bot_http, engine):
    """/openai-deals sources: every article, its date, its source and its sentence count."""
    body = posted(command(slack, bot_http, "sources"))
    assert m.SOURCES_TITLE.format(count=len(engine.articles)) in body
    index = engine.index
    for number, article in enumerate(index.articles):
        count = int((index.article_of == number).sum())
        assert f"*{article.title}* — {article.date_label}" in body
        assert f"— {count} phrase(s)" in body
    assert "— d’après le Financial Times — 33 phrase(s)" in body


def test_home_tab_shows_the_timeline_and_pages_in_place(slack, bot_http):
    """The App Home opens on the timeline; ▶ there publishes the Home again at page 2."""
    send_event(bot_http.url, event_callback(app_home_opened("home")))
    (call,) = slack.wait_for("views.publish")
    view = call.params["view"]
    home = json.dumps(view, ensure_ascii=False)
    assert m.DEALS_TITLE in home and "investissement : un milliard de dollars" in home
    assert m.EXAMPLE_QUESTIONS[0] in home, "how to ask is still there"
    assert_within_limits(view["blocks"], HOME_MAX_BLOCKS)
    slack.reset()
    click = block_actions(button(view["blocks"], ACTION_DEALS_NEXT), "")
    click["container"] = {"type": "view", "view_id": "V0HOME"}
    click["view"] = {"id": "V0HOME", "type": "home"}
    del click["response_url"], click["channel"]
    assert send_action(bot_http.url, click)[0] == 200
    (again,) = slack.wait_for("views.publish")
    assert again.params["user_id"] == USER_ID
    assert "embauche : Sam Altman" in json.dumps(again.params["view"], ensure_ascii=False)


# -- Acknowledgement first ------------------------------------------------------------------------


def test_a_full_answer_pool_still_shows_the_timeline_and_page_clicks_use_the_pool(
    slack, make_settings, engine, serve_app
):
    """The timeline is rendered from memory in the acknowledgement, so a full answer pool does
    not refuse it; a ▶ click calls Slack (response_url), so it goes to the pool like every
    other listener: refused at once with 503 while the pool is full, served once it frees up."""
    settings = make_settings(answer_workers=1, answer_backlog=1)
    with serve_app(create_app(settings, engine), settings) as running:
        slack.slow("chat.postMessage", 5.0)
        mention = event_callback(app_mention(f"<@{BOT_USER_ID}> {QUESTION}"))
        assert send_event(running.url, mention) == 200
        slack.wait_in_flight(1)
        status, body = send_command(running.url, slash_command("deals", slack.response_url()))
        assert status == 200
        timeline = json.loads(body)
        assert timeline["response_type"] == "ephemeral"
        assert m.DEALS_TITLE in posted(timeline) and m.BUSY not in posted(timeline)
        next_page = button(timeline["blocks"], ACTION_DEALS_NEXT)
        click = block_actions(next_page, slack.response_url("page"), ephemeral=True)
        assert send_action(running.url, click)[0] == 503
        slack.release()
        slack.wait_for("chat.postMessage")
        deadline = time.monotonic() + 10
        while send_action(running.url, click)[0] == 503:  # until the mention's slot is free
            assert time.monotonic() < deadline, "the answer pool never freed up"
            time.sleep(0.05)
        (call,) = slack.wait_for("response_url")
        assert "*Google – Anthropic*" in posted(call.params)


def test_a_failing_subcommand_render_gets_an_apology_in_the_ack(
    settings, engine, bot_logs, monkeypatch
):
    """Should rendering a sub-command ever raise (a bug), the asker still gets the French
    apology, only to them, and the traceback goes to the logs."""

    def broken(text, overview):
        raise RuntimeError("boom")

    monkeypatch.setattr(openai_deals_command, "subcommand_reply", broken)
    body = slash_command("deals", "http://127.0.0.1:9/response/x")
    response = create_app(settings, engine).dispatch(BoltRequest(body=body, mode="socket_mode"))
    assert response.status == 200
    reply = json.loads(response.body)
    assert reply["response_type"] == "ephemeral" and reply["text"] == m.ANSWER_FAILED
    wait_for_log(bot_logs, "Unhandled error")
    (record,) = [r for r in bot_logs.records if "Unhandled error" in r.getMessage()]
    assert isinstance(record.exc_info[1], RuntimeError)


# -- Rendering ------------------------------------------------------------------------------------


def _deal(n: int, text: str) -> Deal:
    cites = tuple(
        Citation(f"a{k}#0", text, f"a{k}", "Titre " * 60, "2023-02", "Source " * 20)
        for k in range(n, n + 8)
    )
    amount = Amount(text, 1e9, "USD")
    return Deal(("Nova " * 30, "Orion"), (DealTerm(DealKind.INVESTMENT, amount),),
                DealDate("2023"), reported=n % 2 == 0, citations=cites,
                notes=("note " * 300,))  # fmt: skip


def test_a_long_timeline_pages_within_slacks_limits():
    """Hundreds of long deals: every page holds at most DEALS_PER_PAGE of them, at most 50
    blocks, sections under 3000 characters, and ◀ / ▶ where there is somewhere to go."""
    lanes = [Partnership(("Nova " * 30, "Orion"), tuple(_deal(n, "€ <b> " * 400)
                                                       for n in range(500)))]  # fmt: skip
    pages = timeline_pages(lanes)
    assert len(pages) == -(-500 // DEALS_PER_PAGE)
    for page in (0, 1, len(pages) - 1, 10_000):
        message = render_timeline(lanes, page)
        assert_within_limits(message.blocks)
        assert len(message.text) <= 3000
        assert "<b>" not in json.dumps(message.blocks), "article text is escaped"
        actions = [b for b in message.blocks if b["type"] == "actions"]
        ids = {e["action_id"] for e in actions[0]["elements"]}
        assert (ACTION_DEALS_PREVIOUS in ids) == (page > 0)
        assert (ACTION_DEALS_NEXT in ids) == (page < len(pages) - 1)


def test_a_timeline_of_many_partnerships_opens_within_slacks_limits():
    """Hundreds of long-named partnerships: the summary lists the first ones and counts the
    rest, and the first page, in a message and in the App Home, stays within the limits."""
    lanes = [Partnership((f"Nova & {n} " * 30, "<Orion>"), (_deal(n, "€ <b> " * 400),))
             for n in range(300)]  # fmt: skip
    message = render_timeline(lanes)
    assert_within_limits(message.blocks)
    assert len(message.text) <= 3000 and "<b>" not in json.dumps(message.blocks)
    more = m.DEALS_OVERVIEW_MORE.format(count=300 - 20)
    assert any(text.endswith("\n" + more) for text in all_texts(message.blocks))
    home = render_home_timeline([], lanes)
    assert_within_limits(home["blocks"], HOME_MAX_BLOCKS)


# An "&" that does not start one of the three entities escaping makes: an entity cut in two.
_BROKEN_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def test_long_deals_are_cut_before_escaping():
    """Deals, partnership names and sources full of & and < are cut where the text is still
    unescaped: no ``&amp;`` is ever split into a stray ``&am``, in the blocks or the text."""
    lanes = [Partnership(("R&D " * 80, "<Orion>"), tuple(_deal(n, "R&D <x> " * 400)
                                                        for n in range(20)))]  # fmt: skip
    for page in (0, 1):
        message = render_timeline(lanes, page)
        assert_within_limits(message.blocks)
        for text in [*all_texts(message.blocks), message.text]:
            assert not _BROKEN_ENTITY.search(text), text
    one = ArticleSummary(Article("a", "R&D " * 100, "2023", "<Source> & co " * 40), 3)
    message = render_sources([one] * 300)
    for text in [*all_texts(message.blocks), message.text]:
        assert not _BROKEN_ENTITY.search(text), text
    assert len(message.text) <= 3000


def test_an_empty_timeline_says_so():
    """No deal read: one plain sentence, not an empty page."""
    message = render_timeline(())
    assert m.DEALS_EMPTY in all_texts(message.blocks)
    assert message.text == m.DEALS_EMPTY


def test_sources_with_thousands_of_articles_stay_within_limits(engine):
    """Thousands of articles: 50 blocks at most, the rest counted."""
    one = Overview.of(engine.index).articles[0]
    many = [ArticleSummary(one.article, 10)] * 5_000
    message = render_sources(many)
    assert_within_limits(message.blocks)
    assert all_texts(message.blocks)[-1].endswith(" autre(s) article(s).")
