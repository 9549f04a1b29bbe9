"""Turn an ``Answer`` into a Slack message: Block Kit blocks plus a plain ``text`` fallback.

Everything that comes from people or articles is escaped (``&``, ``<``, ``>``) so that a
``<!channel>`` typed in a question, or found in an article, is shown and never triggered.
Whatever the input, the output stays within Slack's limits: 3000 characters per section or
context text, 50 blocks per message, 100 per Home tab, 2000 characters per button value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    DividerBlock,
    FeedbackButtonObject,
    FeedbackButtonsElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from openai_deals import messages as m
from openai_deals.retrieval.model import Answer, Article, Snippet, Source
from openai_deals.retrieval.text import ELLIPSIS, shorten, strip_invisible
from openai_deals.slack.buttons import (
    ACTION_FEEDBACK,
    ACTION_MORE,
    ACTION_SHARE,
    VIEW_FEEDBACK_REASON,
    VOTE_DOWN,
    VOTE_UP,
    AnswerRef,
    Surface,
)

TEXT_MAX_CHARS = 3000  # section text, context element text
FALLBACK_MAX_CHARS = 3000  # the message's ``text``: notifications and screen readers
MESSAGE_MAX_BLOCKS = 50
HOME_MAX_BLOCKS = 100
MAX_SNIPPETS = 20  # two blocks each, leaving room for lead, echo, actions
MAX_SOURCES_LISTED = 5
TITLE_MAX_CHARS = 200
SOURCE_MAX_CHARS = 100
ECHO_MAX_CHARS = 500

_WORD_CHAR = re.compile(r"\w")


def escape(text: str) -> str:
    """Make text from people or articles safe to show: drop control and bidi characters, and
    escape the three characters Slack treats as markup in ``mrkdwn`` and ``text``."""
    return strip_invisible(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_within(text: str, limit: int) -> str:
    """``text`` escaped, and shortened so that the escaped result fits in ``limit`` characters.

    The cut is made on the text before escaping: cutting escaped text could split ``&amp;``
    into a stray ``&am``. Escaping lengthens the text, so the cut is tightened until it fits.
    """
    n = limit
    while True:
        out = escape(shorten(text, n))
        if len(out) <= limit:
            return out
        n = min(n - 1, n * limit // len(out))


@dataclass(frozen=True)
class Message:
    """A message ready for ``chat.postMessage``, ``chat.update`` or ``respond``."""

    text: str
    blocks: list[dict] = field(default_factory=list)

    def as_kwargs(self) -> dict:
        """Keyword arguments for the Slack calls: ``text=`` and ``blocks=``."""
        return {"text": self.text, "blocks": self.blocks}


def _to_dicts(blocks: Iterable[Block]) -> list[dict]:
    # ``to_dict`` runs slack_sdk's validators (lengths, counts) and raises if one fails.
    return [b.to_dict() for b in blocks]


# -- Snippets -----------------------------------------------------------------------------------


def _word_spans(text: str, highlights: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Clip, widen to whole words and merge the highlight spans, so ``*bold*`` renders."""
    spans = []
    for start, end in sorted(highlights):
        start, end = max(0, start), min(len(text), end)
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end:
            continue
        while start > 0 and _WORD_CHAR.match(text[start - 1]):
            start -= 1
        while end < len(text) and _WORD_CHAR.match(text[end]):
            end += 1
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def _mrkdwn_with_bold(text: str, spans: Sequence[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in spans:
        if start >= len(text):
            break
        end = min(end, len(text))
        out.append(escape(text[pos:start]))
        # An asterisk inside would close the bold early; a lookalike keeps the text readable.
        out.append("*" + escape(text[start:end].replace("*", "∗")) + "*")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def _as_quote(body: str) -> str:
    return "\n".join("> " + line for line in body.split("\n"))


def snippet_quote(snippet: Snippet, limit: int = TEXT_MAX_CHARS) -> str:
    """The snippet as a ``>`` quote with the question's terms in bold, at most ``limit`` chars."""
    text = snippet.text
    spans = _word_spans(text, snippet.marked)
    # Each input character gives at least one output character: no need to look further.
    n = min(len(text), limit)
    while True:
        body = _mrkdwn_with_bold(text[:n], spans)
        if n < len(text):
            body = body.rstrip() + ELLIPSIS
        quoted = _as_quote(body)
        if len(quoted) <= limit or n == 0:
            return quoted[:limit]
        # Escaping and quoting make the output longer than the input: shrink in proportion.
        n = min(n - 1, int(n * limit / len(quoted)))


def source_line(source: Source) -> str:
    """``[n] *Title* — février 2023 — Publisher`` (publisher left out when unknown)."""
    return m.citation_line(source.citation, *reference_parts(source))


def reference_parts(item: Source | Article) -> tuple[str, str, str]:
    """The parts of ``messages.reference`` in mrkdwn: the title in bold, every part cut to
    its limit, then escaped."""
    return (
        f"*{escape_within(item.title, TITLE_MAX_CHARS)}*",
        escape(item.date_label),
        escape_within(item.source, SOURCE_MAX_CHARS),
    )


def sources_context(snippet: Snippet) -> str:
    """Every source of a (possibly merged) snippet, one per line."""
    # Each line is already bounded (title and publisher are cut), so the lines fit:
    # 5 x ~330 characters is far below TEXT_MAX_CHARS, and nothing here is cut after escaping.
    lines = [source_line(s) for s in snippet.sources[:MAX_SOURCES_LISTED]]
    extra = len(snippet.sources) - MAX_SOURCES_LISTED
    if extra > 0:
        lines.append(m.MORE_SOURCES.format(count=extra))
    return "\n".join(lines)


# -- Answers ------------------------------------------------------------------------------------


def _button(text: str, action_id: str, ref: AnswerRef, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=text, action_id=action_id, value=ref.encode(), style=style)


def _actions(answer: Answer, ref: AnswerRef, k: int) -> ActionsBlock | None:
    buttons = []
    if ref.surface is Surface.EPHEMERAL and not answer.abstained:
        # A shared answer is a new message: its votes are not about this question's row.
        shared = replace(ref, outcome="")
        buttons.append(_button(m.BUTTON_SHARE, ACTION_SHARE, shared, style="primary"))
    if answer.has_more and not answer.abstained:
        more = AnswerRef(ref.question, ref.offset + k, ref.surface, ref.shared_by)
        buttons.append(_button(m.BUTTON_MORE, ACTION_MORE, more))
    return ActionsBlock(block_id="answer_actions", elements=buttons) if buttons else None


def _feedback(answer: Answer, ref: AnswerRef) -> ContextActionsBlock:
    """Slack's native 👍 / 👎 under the answer; each carries the question, the cited
    sentences and the outcome row it is about."""
    ids = tuple(i for s in answer.snippets for i in s.sentence_ids)

    def value(vote: str) -> str:
        return replace(ref, sentence_ids=ids, vote=vote).encode()

    return ContextActionsBlock(
        block_id="answer_feedback",
        elements=[
            FeedbackButtonsElement(
                action_id=ACTION_FEEDBACK,
                positive_button=FeedbackButtonObject(
                    text=m.BUTTON_UP, accessibility_label=m.FEEDBACK_UP_LABEL, value=value(VOTE_UP)
                ),
                negative_button=FeedbackButtonObject(
                    text=m.BUTTON_DOWN,
                    accessibility_label=m.FEEDBACK_DOWN_LABEL,
                    value=value(VOTE_DOWN),
                ),
            )
        ],
    )


def _fallback_text(answer: Answer, snippets: Sequence[Snippet]) -> str:
    lines = [m.lead(answer)]
    lines += [m.quote(" ".join(s.text.split()), s.citations) for s in snippets]
    return escape_within("\n".join(lines), FALLBACK_MAX_CHARS)


def render_answer(answer: Answer, ref: AnswerRef, k: int) -> Message:
    """Render one page of an answer for the given surface.

    Args:
        answer: what the engine returned for ``ref.question`` at ``ref.offset``.
        ref: the question, page offset, surface (decides buttons and echo), sharer.
        k: the page size, so "Plus de résultats" asks for the next page.

    Returns:
        The message, within Slack's limits whatever the length of the question or snippets.
    """
    snippets = answer.snippets[:MAX_SNIPPETS]
    blocks: list[Block] = []
    if ref.surface is not Surface.THREAD:
        echo = m.QUESTION_ECHO.format(question=escape_within(ref.question, ECHO_MAX_CHARS))
        elements = [MarkdownTextObject(text=echo)]
        if ref.shared_by:
            elements.append(MarkdownTextObject(text=m.SHARED_BY.format(user_id=ref.shared_by)))
        blocks.append(ContextBlock(elements=elements))
    blocks.append(SectionBlock(text=MarkdownTextObject(text=_lead(m.lead(answer)))))
    for snippet in snippets:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=snippet_quote(snippet))))
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=sources_context(snippet))]))
    if ref.offset > 0 and not answer.has_more and not answer.abstained:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=m.NO_MORE_RESULTS)]))
    actions = _actions(answer, ref, k)
    if actions is not None:
        blocks.append(actions)
    blocks.append(_feedback(answer, ref))
    text = _fallback_text(answer, snippets) or m.NO_MORE_RESULTS
    return Message(text=text, blocks=_to_dicts(blocks[:MESSAGE_MAX_BLOCKS]))


def _lead(message: str) -> str:
    return escape_within(message, TEXT_MAX_CHARS)


def render_notice(text: str) -> Message:
    """A one-paragraph message (errors, confirmations) from ``openai_deals.messages``."""
    return Message(text=text, blocks=_to_dicts([SectionBlock(text=MarkdownTextObject(text=text))]))


# -- Help and App Home ------------------------------------------------------------------------


def _help_blocks() -> list[Block]:
    examples = "\n".join(f"• _{escape(q)}_" for q in m.EXAMPLE_QUESTIONS)
    return [
        SectionBlock(text=MarkdownTextObject(text=m.HELP_INTRO)),
        SectionBlock(text=MarkdownTextObject(text=m.HELP_HOW)),
        SectionBlock(text=MarkdownTextObject(text=f"*{m.HELP_EXAMPLES_TITLE}*\n{examples}")),
    ]


def render_help() -> Message:
    """How to ask, with example questions."""
    text = m.HELP_FALLBACK.format(example=m.EXAMPLE_QUESTIONS[0])
    return Message(text=text, blocks=_to_dicts(_help_blocks()))


def _article_line(article: Article) -> str:
    return m.HOME_ARTICLE.format(reference=m.reference(*reference_parts(article)))


def render_home(articles: Sequence[Article], lead_blocks: Sequence[Block] = ()) -> dict:
    """The App Home tab: ``lead_blocks`` (the deals timeline), how to ask, examples, and what
    the bot knows (articles, newest first)."""
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=m.HOME_TITLE))]
    if lead_blocks:
        blocks += [*lead_blocks, DividerBlock()]
    blocks += _help_blocks()
    blocks.append(DividerBlock())
    if not articles:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=m.HOME_CORPUS_EMPTY)))
        return View(type="home", blocks=blocks).to_dict()

    ordered = sorted(articles, key=lambda a: a.date, reverse=True)
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text=m.HOME_CORPUS_TITLE.format(count=len(ordered))))
    )
    # Pack article lines into sections of at most TEXT_MAX_CHARS (one line is far below it).
    sections: list[list[str]] = []
    for article in ordered:
        line = _article_line(article)
        if sections and len("\n".join([*sections[-1], line])) <= TEXT_MAX_CHARS:
            sections[-1].append(line)
        else:
            sections.append([line])
    room = HOME_MAX_BLOCKS - len(blocks) - 1  # one kept for "… et N autres"
    sections = sections[:room]
    shown = sum(len(lines) for lines in sections)
    for lines in sections:
        blocks.append(SectionBlock(text=MarkdownTextObject(text="\n".join(lines))))
    if shown < len(ordered):
        more = m.HOME_MORE_ARTICLES.format(count=len(ordered) - shown)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return View(type="home", blocks=blocks).to_dict()


# -- Feedback form, follow-ups ------------------------------------------------------------------

PRIVATE_METADATA_MAX_CHARS = 3000


def render_feedback_form(ref: AnswerRef, feedback_id: str | None) -> dict:
    """The form a 👎 opens: « Qu'est-ce qui n'allait pas ? », a reason (required) and an
    optional comment. ``private_metadata`` carries the answer (question, cited sentences,
    outcome) and the feedback row to complete."""
    metadata = json.dumps({"ref": ref.encode(), "fb": feedback_id or ""}, separators=(",", ":"))
    options = [Option(value=key, text=label) for key, label in m.FEEDBACK_REASONS.items()]
    about = m.FEEDBACK_MODAL_ABOUT.format(question=escape_within(ref.question, ECHO_MAX_CHARS))
    view = View(
        type="modal",
        callback_id=VIEW_FEEDBACK_REASON,
        title=PlainTextObject(text=m.FEEDBACK_MODAL_TITLE),
        submit=PlainTextObject(text=m.FEEDBACK_MODAL_SUBMIT),
        close=PlainTextObject(text=m.FEEDBACK_MODAL_CLOSE),
        private_metadata=metadata[:PRIVATE_METADATA_MAX_CHARS],
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=about)]),
            InputBlock(
                block_id="reason",
                label=PlainTextObject(text=m.FEEDBACK_MODAL_QUESTION),
                element=RadioButtonsElement(action_id="reason", options=options),
            ),
            InputBlock(
                block_id="comment",
                label=PlainTextObject(text=m.FEEDBACK_MODAL_COMMENT),
                optional=True,
                element=PlainTextInputElement(action_id="comment", multiline=True, max_length=2000),
            ),
        ],
    )
    return view.to_dict()


def with_reading(message: Message, question: str, read_as: str) -> Message:
    """``message`` with « Compris comme : … » on top when a follow-up was read with the
    conversation's previous question, so people see what was searched."""
    if " ".join(question.split()) == read_as:
        return message
    note = m.READ_AS.format(question=escape_within(read_as, ECHO_MAX_CHARS))
    block = ContextBlock(elements=[MarkdownTextObject(text=note)]).to_dict()
    return Message(text=message.text, blocks=[block, *message.blocks][:MESSAGE_MAX_BLOCKS])
