"""Read a follow-up with the question before it: « Et Google ? » after « Combien Microsoft
a-t-il investi dans OpenAI ? » asks « Combien Google a-t-il investi ? ».

A conversation (a Slack thread, a DM, the assistant pane) keeps its previous question; the
next message is either a question of its own (read unchanged) or a follow-up, re-read by
editing the previous question with what the follow-up gives, using the question analysis
(:mod:`.query`) and nothing else:

* **Is it a follow-up?** It starts with a conjunction (« Et… », « Mais en 2019 ? »), or it
  asks about nothing of its own (only names, dates or asking words: « Google ? », « Quand ? »),
  or it names nothing and is short (« Sous quelle licence ? ») or speaks through a pronoun
  (« Combien a-t-il investi en 2019 ? »). A message with names and a topic of its own is a
  new question.
  Words in ``lang/followups.py``.
* **Names**: the follow-up's names replace the previous question's (the first in place, the
  others removed); without names of its own, the previous ones carry over.
* **Dates**: likewise, the follow-up's dates replace the previous ones or are added.
* **Topic words** (what is asked about the names, « investi », « licence »): the follow-up's
  own, if it has some; otherwise the previous question's.
* **What is asked** (combien, quand, qui…): the follow-up's asking words replace the previous
  ones when it has some (« Et quand ? »).

Deterministic, no model, no rule for any one question. ``eval/followups.jsonl`` measures it
(``scripts/eval_followups.py``).
"""

from __future__ import annotations

import itertools
import re

from openai_deals.retrieval.analyzer import Token
from openai_deals.retrieval.answering.query import Query, QueryAnalyzer, question_word_span
from openai_deals.retrieval.lang.followups import (
    CONJUNCTIONS,
    DATE_LEAD_WORDS,
    OTHER_QUESTION_WORDS,
    PRONOUNS,
)

# A message naming nothing and asking about this many topic terms or fewer (« Sous quelle
# licence ? », « Selon quel journal ? ») is too short to stand alone in a conversation.
SHORT_TOPIC_TERMS = 2

_CONJUNCTION = re.compile(
    r"^\W*(?:" + "|".join(re.escape(c) for c in CONJUNCTIONS) + r")\b[\s,]*", re.IGNORECASE
)
_PRONOUN = re.compile(
    r"(?<![\w'’])(?:"
    + "|".join(re.escape(p).replace("'", "['’]") for p in PRONOUNS)
    + r")(?![\w-])",
    re.IGNORECASE,
)
_OTHER_ASKING = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in OTHER_QUESTION_WORDS) + r")\b", re.IGNORECASE
)
_DATE_LEAD = re.compile(
    r"\b(?:" + "|".join(re.escape(w) for w in DATE_LEAD_WORDS) + r")\s+$", re.IGNORECASE
)
_ELISION = re.compile(r"^\w['’]")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([?!.,;:])")


def is_follow_up(follow_up: str, q: Query) -> bool:
    """True when ``follow_up`` (analysed as ``q``) needs the previous question to be read.

    Args:
        follow_up: the new message, as typed.
        q: its analysis.
    """
    if not q.terms and q.kind is None and not _OTHER_ASKING.search(follow_up):
        return False  # « merci ! », « ok » : nothing asked, nothing to carry over
    if _CONJUNCTION.match(follow_up):
        return True
    if not q.about:
        return True
    if q.names:
        return False  # names of its own and something to ask about them: a new question
    return len(q.about) <= SHORT_TOPIC_TERMS or bool(_PRONOUN.search(follow_up))


def contextualise(queries: QueryAnalyzer, previous: str | None, follow_up: str) -> str:
    """The question ``follow_up`` asks once read after ``previous``.

    Args:
        queries: the question analyzer of the corpus (``Engine.queries``).
        previous: the conversation's previous question (as it was read), or None.
        follow_up: the new message.

    Returns:
        ``follow_up`` unchanged when it stands alone (or there is no previous question);
        otherwise the previous question edited with the follow-up's names, dates, topic and
        asking words.
    """
    follow_up = " ".join(follow_up.split())
    if not previous or not previous.strip():
        return follow_up
    fq = queries.analyse(follow_up)
    if not is_follow_up(follow_up, fq):
        return follow_up
    previous = " ".join(previous.split())
    pq = queries.analyse(previous)
    if not pq.terms:
        return follow_up
    p_tokens = queries.analyzer.tokens(previous)
    f_tokens = queries.analyzer.tokens(follow_up)
    new_names = [
        _ELISION.sub("", follow_up[a:b]) for a, b in _groups(follow_up, f_tokens, fq.names)
    ]
    dates = _surface(follow_up, f_tokens, fq.date_terms)
    spans = _spans(f_tokens, fq.date_terms)
    lead = _DATE_LEAD.search(follow_up[: spans[0][0]]) if spans else None
    lead_word = lead.group(0) if lead else ""

    if fq.about:
        # The follow-up asks something of its own about the same names: it leads, and the
        # previous names and dates it does not replace come after it.
        body = _CONJUNCTION.sub("", follow_up)
        carried = []
        if not fq.names:
            carried.append(_surface(previous, p_tokens, pq.names))
        if not fq.dates:
            carried.append(_surface(previous, p_tokens, pq.date_terms))
        asking = ""
        if not _asking_words(follow_up, fq):
            span = question_word_span(previous)
            asking = previous[span[0] : span[1]] if span else ""
        return _tidy(" ".join([asking, _before_mark(body), *carried]) + _mark(body))

    edits: list[tuple[int, int, str]] = []
    added: list[str] = []
    if fq.names:
        # The follow-up's names take the previous names' places in order (« Et Google dans
        # Anthropic ? »: the giver, then the receiver); extra old ones go, extra new ones
        # are added.
        _replace(edits, added, _groups(previous, p_tokens, pq.names), new_names)
    if fq.dates:
        old_dates = _groups(previous, p_tokens, pq.date_terms)
        _replace(edits, added, old_dates, [dates] if old_dates else [lead_word + dates])
    asking = _asking_words(follow_up, fq)
    lead = ""
    if asking:
        span = question_word_span(previous)
        if span is not None:
            edits.append((span[0], span[1], asking))
        else:
            lead = asking
    text = _apply(previous, edits)
    if added:
        text = _before_mark(text) + " " + " ".join(added) + _mark(text)
    return _tidy(f"{lead} {text}")


def _asking_words(follow_up: str, fq: Query) -> str:
    """The follow-up's own asking words (« quand », « pourquoi »), as written, or ""."""
    span = question_word_span(follow_up) if fq.kind is not None else None
    if span is not None:
        return follow_up[span[0] : span[1]]
    match = _OTHER_ASKING.search(follow_up)
    return match.group(0) if match else ""


def _spans(tokens: list[Token], terms: frozenset[str]) -> list[tuple[int, int]]:
    # One word can give several terms (same span): each span once, in order.
    return sorted({(t.start, t.end) for t in tokens if t.term in terms})


def _surface(text: str, tokens: list[Token], terms: frozenset[str]) -> str:
    """The words of ``text`` that gave ``terms``, as written; adjacent ones keep what lies
    between them (« juillet 2019 »)."""
    spans = _spans(tokens, terms)
    if not spans:
        return ""
    parts = [text[spans[0][0] : spans[0][1]]]
    for (_, end), (start, stop) in itertools.pairwise(spans):
        gap = text[end:start]
        parts.append(gap if gap.strip() == "" else " ")
        parts.append(text[start:stop])
    return "".join(parts)


def _groups(text: str, tokens: list[Token], terms: frozenset[str]) -> list[tuple[int, int]]:
    """The spans of ``terms`` in ``text``, neighbours separated by spaces only merged into one
    (« Sam Altman », « juillet 2019 »)."""
    groups: list[tuple[int, int]] = []
    for start, end in _spans(tokens, terms):
        if groups and not text[groups[-1][1] : start].strip():
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _replace(
    edits: list[tuple[int, int, str]],
    added: list[str],
    spans: list[tuple[int, int]],
    new: list[str],
) -> None:
    """The i-th span becomes the i-th of ``new``: spans left over go, words left over are
    added."""
    new = [n for n in new if n]
    if not new:
        return
    for i, (start, end) in enumerate(spans):
        edits.append((start, end, new[i] if i < len(new) else ""))
    added.extend(new[len(spans) :])


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def _before_mark(text: str) -> str:
    return text.rstrip().rstrip("?!. ").rstrip()


def _mark(text: str) -> str:
    return " ?" if text.rstrip().endswith("?") else ""


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r" \1", text)  # French: one space before « ? »
    text = re.sub(r"\b(dans|de|à|en|avec|par|pour)\s+(?=\?|$)", "", text)  # « investi dans ? »
    text = _SPACES.sub(" ", text).strip()
    return text[:1].upper() + text[1:]
