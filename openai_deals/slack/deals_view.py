"""The deals timeline, the list of articles and the App Home in Block Kit.

The timeline opens with one line per partnership (who, the latest move, how much), then
the detail, cut into pages of at most ``DEALS_PER_PAGE`` deals, each page well inside
Slack's limits (50 blocks per message, 3000 characters per section), with ◀ / ▶ buttons
when there is more than one. Everything from the articles is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from openai_deals import messages as m
from openai_deals.retrieval.deals.overview import ArticleSummary
from openai_deals.retrieval.model import Article, Deal, DealKind, DealTerm, Partnership, Source
from openai_deals.retrieval.text import shorten
from openai_deals.slack.buttons import ACTION_DEALS_NEXT, ACTION_DEALS_PREVIOUS, DealsPage
from openai_deals.slack.render import (
    FALLBACK_MAX_CHARS,
    MAX_SOURCES_LISTED,
    SOURCE_MAX_CHARS,
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    Message,
    escape,
    escape_within,
    reference_parts,
    render_home,
    source_line,
)

DEALS_PER_PAGE = 8  # a screenful; with its references a page stays far below 50 blocks
# Partnerships summed up above the detail; more are counted (a long corpus must not push the
# first page past Slack's 50 blocks).
OVERVIEW_MAX_LANES = 20
OVERVIEW_LINE_MAX_CHARS = 400
LINE_MAX_CHARS = 900  # one deal: three fit in a section whatever the articles say
BLOCK_ID_PAGES = "deals_pages"

# One line of the timeline: its lane (partnership) and the deal.
_Line = tuple[tuple[str, ...], Deal]


def timeline_pages(lanes: Sequence[Partnership]) -> list[list[_Line]]:
    """The timeline's lines cut into pages, in order (a lane may run over two pages)."""
    lines = [(lane.parties, deal) for lane in lanes for deal in lane.deals]
    return [lines[i : i + DEALS_PER_PAGE] for i in range(0, len(lines), DEALS_PER_PAGE)]


def _numbers(lines: Sequence[_Line]) -> dict[str, tuple[int, Source]]:
    """Articles cited on a page, numbered in order of first citation."""
    refs: dict[str, tuple[int, Source]] = {}
    for _, deal in lines:
        for c in deal.citations:
            if c.article_id not in refs:
                n = len(refs) + 1
                refs[c.article_id] = (n, Source(c.article_id, c.title, c.date, c.source, n))
    return refs


def _marks(deal: Deal, refs: dict[str, tuple[int, Source]]) -> str:
    numbers = list(dict.fromkeys(refs[c.article_id][0] for c in deal.citations))
    marks = "".join(f"[{n}]" for n in numbers[:MAX_SOURCES_LISTED])
    extra = len(numbers) - MAX_SOURCES_LISTED
    return marks + (f" +{extra}" if extra > 0 else "")


def deal_line(deal: Deal, marks: str) -> str:
    """``• *juillet 2019* — investissement : 1 milliard de dollars — ✅ fait [1][2]``."""
    head = f"• *{escape(deal.date.label)}* — "
    tail = f" — {escape(m.deal_status(deal))} {marks}"
    room = LINE_MAX_CHARS - len(head) - len(tail)
    # The summary is cut before it is escaped (never an ``&amp;`` split in two).
    summary = escape_within(m.deal_summary(deal), max(room, 20))
    return (head + summary + tail)[:LINE_MAX_CHARS]


def _status_mark(deal: Deal) -> str:
    return m.DEALS_OVERVIEW_REPORTED if deal.reported else m.DEALS_OVERVIEW_FACT


def _latest_money(lane: Partnership) -> tuple[Deal, DealTerm] | None:
    """The lane's latest investment in money, an announced one before a rumoured one."""
    invested = [
        (deal, term)
        for deal in lane.deals
        for term in deal.terms
        if term.kind is DealKind.INVESTMENT and term.amount and term.amount.is_money
    ]
    facts = [pair for pair in invested if not pair[0].reported]
    return (facts or invested or [None])[-1]


def overview_line(lane: Partnership, *, plain: bool = False) -> str:
    """``• *Google – Anthropic* — février 2023 : investissement : 300 millions de dollars ❔``:
    who, the latest move and, when that move is not itself money, the latest amount.
    ``plain``: unescaped and without bold, for the fallback text."""
    latest = lane.deals[-1]
    room = OVERVIEW_LINE_MAX_CHARS // 3
    cut = (lambda text, limit: shorten(text, limit)) if plain else escape_within
    template = m.DEALS_OVERVIEW_LINE.replace("*", "") if plain else m.DEALS_OVERVIEW_LINE
    line = template.format(
        who=cut(m.partnership_label(lane.parties), TITLE_MAX_CHARS),
        date=cut(latest.date.label, room),
        latest=cut(m.deal_summary(latest), room),
        status=_status_mark(latest),
    )
    money = _latest_money(lane)
    if money is not None and money[0] is not latest:
        deal, term = money
        line += m.DEALS_OVERVIEW_MONEY.format(
            amount=cut(term.amount.text if term.amount else "", room),
            date=cut(deal.date.label, room),
            status=_status_mark(deal),
        )
    return line


def _overview(lanes: Sequence[Partnership], *, plain: bool = False) -> list[str]:
    lines = [m.DEALS_OVERVIEW_TITLE.replace("*", "") if plain else m.DEALS_OVERVIEW_TITLE]
    lines += [overview_line(lane, plain=plain) for lane in lanes[:OVERVIEW_MAX_LANES]]
    if len(lanes) > OVERVIEW_MAX_LANES:
        lines.append(m.DEALS_OVERVIEW_MORE.format(count=len(lanes) - OVERVIEW_MAX_LANES))
    return lines


def _pack(lines: Sequence[str]) -> list[str]:
    """Lines joined into texts of at most TEXT_MAX_CHARS characters."""
    texts: list[str] = []
    for line in lines:
        line = shorten(line, TEXT_MAX_CHARS)
        if texts and len(texts[-1]) + 1 + len(line) <= TEXT_MAX_CHARS:
            texts[-1] += "\n" + line
        else:
            texts.append(line)
    return texts


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def timeline_blocks(lanes: Sequence[Partnership], page: int = 0) -> list[Block]:
    """One page of the timeline: title, lead, one section per lane, the references, and
    ◀ / ▶ buttons when there are other pages. ``page`` past the end shows the last one."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=m.DEALS_TITLE))]
    pages = timeline_pages(lanes)
    if not pages:
        blocks.append(_section(m.DEALS_EMPTY))
        return blocks
    page = min(max(page, 0), len(pages) - 1)
    lines = pages[page]
    refs = _numbers(lines)
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=m.DEALS_LEAD)]))
    if page == 0:  # the timeline opens on every partnership, then the detail
        blocks += [_section(text) for text in _pack(_overview(lanes))]
        blocks.append(_section(m.DEALS_DETAIL_TITLE))
    lane_lines: list[tuple[tuple[str, ...], list[str]]] = []
    for parties, deal in lines:
        if not lane_lines or lane_lines[-1][0] != parties:
            lane_lines.append((parties, []))
        lane_lines[-1][1].append(deal_line(deal, _marks(deal, refs)))
    for parties, texts in lane_lines:
        title = f"*{escape_within(m.partnership_label(parties), TITLE_MAX_CHARS)}*"
        blocks += [_section(text) for text in _pack([title, *texts])]
    references = [source_line(source) for _, source in refs.values()]
    blocks += [ContextBlock(elements=[MarkdownTextObject(text=text)]) for text in _pack(references)]
    if len(pages) > 1:
        count = m.DEALS_PAGE.format(page=page + 1, pages=len(pages))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=count)]))
        buttons = []
        if page > 0:
            buttons.append(_page_button(m.BUTTON_PREVIOUS, ACTION_DEALS_PREVIOUS, page - 1))
        if page < len(pages) - 1:
            buttons.append(_page_button(m.BUTTON_NEXT, ACTION_DEALS_NEXT, page + 1))
        blocks.append(ActionsBlock(block_id=BLOCK_ID_PAGES, elements=buttons))
    return blocks


def _page_button(text: str, action_id: str, page: int) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=DealsPage(page).encode())


def _fallback(lanes: Sequence[Partnership], page: int) -> str:
    pages = timeline_pages(lanes)
    if not pages:
        return m.DEALS_EMPTY
    page = min(max(page, 0), len(pages) - 1)
    lines = [m.DEALS_TITLE]
    if page == 0:
        lines += [*_overview(lanes, plain=True), m.DEALS_DETAIL_TITLE.replace("*", "")]
    for parties, deal in pages[page]:
        label = m.partnership_label(parties)
        lines.append(f"{label} — {deal.date.label} — {m.deal_summary(deal)}")
    return escape_within("\n".join(lines), FALLBACK_MAX_CHARS)


def render_timeline(lanes: Sequence[Partnership], page: int = 0) -> Message:
    """The timeline as a message (``/openai-deals``, ``/openai-deals deals``)."""
    blocks = timeline_blocks(lanes, page)
    return Message(text=_fallback(lanes, page), blocks=[b.to_dict() for b in blocks])


def render_sources(articles: Sequence[ArticleSummary]) -> Message:
    """The articles the bot reads (``/openai-deals sources``): title, date, source, and how
    many sentences of each are indexed."""
    if not articles:
        return Message(text=m.HOME_CORPUS_EMPTY, blocks=[_section(m.HOME_CORPUS_EMPTY).to_dict()])
    lines = [m.SOURCES_TITLE.format(count=len(articles))]
    # The fallback text is cut before it is escaped: the same lines, unescaped.
    plain = list(lines)
    for summary in articles:
        a = summary.article
        reference = m.reference(*reference_parts(a))
        # The id, to remove the article by (`/openai-deals retirer <id>`).
        ident = m.SOURCES_ID.format(article_id=a.article_id)
        count = summary.sentences
        lines.append(m.SOURCES_LINE.format(reference=reference, sentences=count) + ident)
        reference = m.reference(
            f"*{shorten(a.title, TITLE_MAX_CHARS)}*",
            a.date_label,
            shorten(a.source, SOURCE_MAX_CHARS),
        )
        plain.append(m.SOURCES_LINE.format(reference=reference, sentences=count) + ident)
    # A message holds 50 blocks: thousands of articles end with a count of the rest.
    texts = _pack(lines)
    blocks = [_section(t) for t in texts[:49]]
    if len(texts) > 49:
        shown = sum(t.count("\n") + 1 for t in texts[:49]) - 1
        more = m.HOME_MORE_ARTICLES.format(count=len(articles) - shown)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    text = escape_within("\n".join(plain), FALLBACK_MAX_CHARS)
    return Message(text=text, blocks=[b.to_dict() for b in blocks])


def render_home_timeline(
    articles: Sequence[Article], lanes: Sequence[Partnership], page: int = 0
) -> dict:
    """The App Home: the timeline page first, then how to ask and the articles."""
    return render_home(articles, lead_blocks=timeline_blocks(lanes, page))
