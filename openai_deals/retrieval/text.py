"""Cutting text to a length: the one ``shorten`` every surface and the engine use."""

from __future__ import annotations

import re
from collections.abc import Sequence

ELLIPSIS = "…"

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
