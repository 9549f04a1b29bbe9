"""What a button carries back to the bot: action ids and the value they hold.

A button's ``value`` is all the bot gets back when someone clicks it (the bot keeps no state
between messages), so it holds the question, the page offset and where the answer is shown.
Slack caps a value at 2000 characters: the question is shortened to fit, never the JSON cut.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum

ACTION_SHARE = "share_answer"
ACTION_MORE = "more_results"
# Slack's native 👍 / 👎 (a ``feedback_buttons`` element): one action id, the vote is in the
# clicked button's value (``AnswerRef.vote``).
ACTION_FEEDBACK = "answer_feedback"
VOTE_UP, VOTE_DOWN = "up", "down"
# The form a 👎 opens (``views.open``), and the message shortcut « Demander à openai-deals ».
VIEW_FEEDBACK_REASON = "feedback_reason"
SHORTCUT_ASK = "ask_openai_deals"
ACTION_DEALS_PREVIOUS = "deals_page_previous"
ACTION_DEALS_NEXT = "deals_page_next"
DEALS_PAGE_ACTIONS = (ACTION_DEALS_PREVIOUS, ACTION_DEALS_NEXT)

VALUE_MAX_CHARS = 2000


class Surface(str, Enum):
    """Where an answer is shown; decides its buttons and how "Plus de résultats" updates it."""

    THREAD = "t"  # reply to a mention or a DM: the question is just above it
    EPHEMERAL = "e"  # answer to the slash command, seen by the asker only, can be shared
    SHARED = "c"  # an ephemeral answer shared in the channel


class InvalidButtonValue(ValueError):
    """A button value that this version of the bot did not write (or a forged one)."""


@dataclass(frozen=True)
class AnswerRef:
    """Enough to compute an answer again: the question, the page offset, the surface."""

    question: str
    offset: int = 0
    surface: Surface = Surface.THREAD
    shared_by: str = ""  # user id of whoever shared the answer in the channel
    sentence_ids: tuple[str, ...] = ()  # the cited sentences, for feedback logs
    outcome: str = ""  # id of the question's row in the outcome store, for feedback
    vote: str = ""  # on a feedback button: VOTE_UP or VOTE_DOWN

    def encode(self) -> str:
        """Serialise to a button value of at most ``VALUE_MAX_CHARS`` characters.

        Non-ASCII and ``& < >`` are ``\\u``-escaped: characters, bytes and UTF-16 units all
        count the same, and no Slack markup survives.
        Sentence ids are dropped first, then the question is shortened, until the value fits.
        """
        ids = list(self.sentence_ids)
        # Each character takes at least one in the value: longer can never fit.
        question = self.question[:VALUE_MAX_CHARS]
        value = self._dump(question, ids)
        while len(value) > VALUE_MAX_CHARS and ids:
            ids.pop()
            value = self._dump(question, ids)
        if len(value) > VALUE_MAX_CHARS:
            # Longest prefix of the question that fits (encoded length grows with the prefix).
            lo, hi = 0, len(question)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if len(self._dump(question[:mid], ids)) <= VALUE_MAX_CHARS:
                    lo = mid
                else:
                    hi = mid - 1
            value = self._dump(question[:lo], ids)
        return value

    def _dump(self, question: str, ids: list[str]) -> str:
        data: dict[str, object] = {"q": question, "o": self.offset, "s": self.surface.value}
        if self.shared_by:
            data["u"] = self.shared_by
        if ids:
            data["i"] = ids
        if self.outcome:
            data["r"] = self.outcome
        if self.vote:
            data["v"] = self.vote
        text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
        # Slack's markup characters only occur inside JSON strings here: \u-escape them too,
        # so that no value ever carries a live "<!channel>".
        return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")

    @classmethod
    def decode(cls, value: str) -> AnswerRef:
        """Parse a button value written by ``encode``.

        Raises:
            InvalidButtonValue: the value is not one this bot wrote.
        """
        try:
            data = json.loads(value)
            question = data["q"]
            offset = data.get("o", 0)
            surface = Surface(data.get("s", Surface.THREAD.value))
            shared_by = data.get("u", "")
            ids = data.get("i", [])
            outcome = data.get("r", "")
            vote = data.get("v", "")
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidButtonValue(f"unreadable button value: {value[:100]!r}") from exc
        if (
            not isinstance(question, str)
            or not isinstance(offset, int)
            or isinstance(offset, bool)
            or offset < 0
            or not isinstance(shared_by, str)
            or not isinstance(ids, list)
            or not all(isinstance(i, str) for i in ids)
            or not isinstance(outcome, str)
            or vote not in ("", VOTE_UP, VOTE_DOWN)
        ):
            raise InvalidButtonValue(f"malformed button value: {value[:100]!r}")
        return cls(question, offset, surface, shared_by, tuple(ids), outcome, vote)


@dataclass(frozen=True)
class DealsPage:
    """Which page of the deals timeline a button shows. The timeline is the same for
    everyone until the corpus changes, so the page number is all a button needs."""

    page: int

    def encode(self) -> str:
        return json.dumps({"p": self.page}, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> DealsPage:
        """Parse a value written by ``encode``.

        Raises:
            InvalidButtonValue: the value is not one this bot wrote.
        """
        try:
            page = json.loads(value)["p"]
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidButtonValue(f"unreadable page button value: {value[:100]!r}") from exc
        if not isinstance(page, int) or isinstance(page, bool) or page < 0:
            raise InvalidButtonValue(f"malformed page button value: {value[:100]!r}")
        return cls(page)
