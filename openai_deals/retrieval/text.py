"""Text helpers every surface and the engine share: the one ``shorten`` (cutting text to a
length), ``strip_invisible`` (dropping control and bidi characters), ``normalise_typing``
(one apostrophe, no invisible characters) and ``fold_accents``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

ELLIPSIS = "…"

# Control characters (C0 but tab and newline, DEL, C1) and Unicode's bidirectional controls
# (marks, embeddings, overrides such as U+202E, isolates): invisible, they can garble a
# terminal or make a message read backwards, so nothing from people or articles keeps them.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_invisible(text: str) -> str:
    """Remove control characters (tab and newline excepted) and bidi controls from ``text``."""
    return _INVISIBLE.sub("", text)


# Apostrophes as people type them: ’ on phones and Macs, ' on PC keyboards, ‘ ʼ ＇ from
# autocorrect or other keyboards. All become ’, the one the articles use.
_APOSTROPHES = str.maketrans(dict.fromkeys("'‘ʼ＇", "’"))
# Unicode's format characters (category Cf, Unicode 14): soft hyphen, zero-width space and
# joiners, word joiner, byte-order mark, bidi marks… Invisible, they split a word in two
# (« Goo\u200bgle ») for the analyzer and the embedder alike. Listed rather than computed,
# since scanning every code point at import would cost every start; a test checks the list.
INVISIBLE_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)


def normalise_typing(text: str) -> str:
    """``text`` with one apostrophe (’) and no invisible format characters: what a question
    or a sentence says, whatever keyboard or web page it came from."""
    return INVISIBLE_FORMAT.sub("", text.translate(_APOSTROPHES))


def fold_accents(text: str) -> str:
    """Remove diacritics: "évincé" → "evince", "œuvre" → "oeuvre"."""
    text = text.replace("œ", "oe").replace("æ", "ae")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_CLOSING = re.compile(r"[\s,;:–-]+$")


def _cut(text: str, limit: int) -> str:
    """The longest start of ``text`` within ``limit`` characters that ends on a word."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > limit // 2 else cut[:limit]
    return _CLOSING.sub("", cut)


def shorten(text: str, limit: int, keep: Sequence[tuple[int, int]] = ()) -> str:
    """Cut ``text`` to at most ``limit`` characters, always keeping its start.

    A cut ends on a word boundary and with "…". When the spans in ``keep`` (the matched
    words) lie past the cut, the middle is elided instead: "start of the sentence … the part
    that matches…", so the snippet still starts where the sentence does and still shows why
    it was chosen.

    Args:
        text: any text.
        limit: the maximum length of the result, in characters.
        keep: ``(start, end)`` character spans of ``text`` to keep visible if possible.

    Returns:
        ``text`` itself when it fits, else a shortened copy of at most ``limit`` characters.
    """
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[: max(limit, 0)]
    head = _cut(text, limit - 1)
    if all(end <= len(head) for _, end in keep):
        return head + ELLIPSIS
    head = _cut(text, limit // 3)
    room = limit - len(head) - 3  # " … "
    late = [(a, b) for a, b in keep if b > len(head)]
    best_start, best_count = late[0][0], 0
    for start, _ in late:
        count = sum(1 for a, b in late if a >= start and b <= start + room)
        if count > best_count:
            best_start, best_count = start, count
    # Open the window a few words before the first kept match, on a word boundary.
    start = max(len(head), min(best_start - room // 4, len(text) - room))
    if start > len(head) and text[start - 1] != " ":
        space = text.find(" ", start)
        start = space + 1 if space != -1 else start
    tail = text[start:]
    tail = tail if len(tail) <= room else _cut(tail, room - 1) + ELLIPSIS
    return f"{head} {ELLIPSIS} {tail}"
